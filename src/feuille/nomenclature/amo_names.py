"""The name of a paying organism (régime, caisse, centre), to offer when an AMO organism is added.

The names come from the SNDS organism nomenclature shipped in ``data/amo_organisms.json`` (its source is in
the file). They are a proposal only: caisses have merged since the table was published, so the user keeps
the last word on the name.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

FILE = "amo_organisms.json"


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    text = resources.files("feuille.nomenclature").joinpath("data", FILE).read_text(encoding="utf-8")
    organisms = json.loads(text)["organisms"]
    return {str(code): str(name) for code, name in organisms.items()}


def suggested_name(regime: object, caisse: object, centre: object) -> str | None:
    """The table's name of this centre, else of its caisse (centre 0000); None when unknown or not codes."""
    if not all(isinstance(v, str) for v in (regime, caisse, centre)):
        return None
    regime, caisse, centre = str(regime).strip(), str(caisse).strip(), str(centre).strip()
    names = _names()
    return names.get(f"{regime} {caisse} {centre}") or names.get(f"{regime} {caisse} 0000")

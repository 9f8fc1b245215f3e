"""Readable labels of the NOEMIE codes the transfer and one-off screens show (debt natures, recovery operations,
return kinds, periods, insurance natures, partner types).

The labels are data, in ``data/noemie_codes.json``, copied from the public sesam viewer (the file names its
source; ``docs/returns.md`` « Suivi des virements »). A code missing from a table is shown as itself: feuille
never guesses a label.
"""

from __future__ import annotations

import json
from enum import StrEnum
from functools import lru_cache
from importlib import resources

FILE = "noemie_codes.json"


class Table(StrEnum):
    DEBT_NATURE = "debt_natures"
    OPERATION = "operations"
    RETURN_KIND = "return_kinds"
    PERIOD = "periods"
    INSURANCE_NATURE = "insurance_natures"
    PARTNER_TYPE = "partner_types"


@lru_cache(maxsize=1)
def _tables() -> dict[str, dict[str, str]]:
    data = json.loads(resources.files("feuille.returns").joinpath("data", FILE).read_text(encoding="utf-8"))
    return {table.value: {str(k): str(v) for k, v in data[table.value].items()} for table in Table}


def label(table: Table, code: str | None) -> str:
    """The label of ``code`` in ``table``; the code itself (stripped) when the table does not know it."""
    text = (code or "").strip()
    return _tables()[table.value].get(text, text)


def known(table: Table) -> dict[str, str]:
    """A copy of one table (code → label), for the documentation test and the interfaces' help."""
    return dict(_tables()[table.value])

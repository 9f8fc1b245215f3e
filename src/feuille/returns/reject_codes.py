"""The reason a desk reads for a reject or warning code of a NOEMIE return (290 / 294 entities).

**feuille's own** table (``data/reject_codes.csv``, its source line names docs/caisse-de-test.md): no public
source lists the organisms' codes, so the table covers the caisse de test's codes (``R001`` reject, ``A001``
partial payment warning) and any other code is shown with the label the return carries.

A return's message is a **reject** when the return rejects a share (status ``R``) or carries a reject line
(294); a 290 message on a return that pays (status ``P`` or nothing rejected) is a **warning**
(FORMATS.md §3: the caisse de test tells them apart the same way, docs/caisse-de-test.md).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

REJECT, WARNING = "rejet", "avertissement"


@dataclass(frozen=True)
class KnownCode:
    code: str
    nature: str      # rejet / avertissement
    reason: str      # French


@functools.cache
def known_codes() -> dict[str, KnownCode]:
    text = resources.files("feuille.returns").joinpath("data/reject_codes.csv").read_text(encoding="utf-8")
    table: dict[str, KnownCode] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        code, nature, reason = line.split(";", 2)
        table[code.strip()] = KnownCode(code.strip(), nature.strip(), reason.strip())
    return table


def readable_reason(code: str, label: str) -> str:
    """The French reason of ``code``: the table's, followed by the return's own label when it says more."""
    clean_label = " ".join(label.split())
    known = known_codes().get(code.strip())
    if known is None:
        return clean_label or f"Code {code.strip() or 'vide'} inconnu de feuille (aucun libellé dans le retour)."
    return f"{known.reason} Libellé du retour : {clean_label}" if clean_label else known.reason


def nature_of(entity_kind: str, return_rejected: bool) -> str:
    """``rejet`` or ``avertissement`` for one 290/294 row of a return (module docstring)."""
    return REJECT if entity_kind == "294" or return_rejected else WARNING


__all__ = ["REJECT", "WARNING", "KnownCode", "known_codes", "nature_of", "readable_reason"]

"""How the pricing trace writes numbers, and the one check of every trace line's format.

The trace is French text for the user (``feuille tarifer``, ``feuille facture afficher``): amounts with a decimal
comma (``21,00``), coefficients and percents likewise (``1,5``), and a space before the colon and the semicolon,
as French typography wants (« C 30,00 × 70 % = 21,00 : médecin »). Every line the engine writes takes its
numbers from :func:`fr`; :func:`problems` says what is wrong with a line (the golden traces and the property
tests run it on every line), so a new line written another way is caught in one place.
"""

from __future__ import annotations

import re
from decimal import Decimal

#: A decimal point between digits (« 21.00 »): the trace writes a comma.
_POINT = re.compile(r"\d\.\d")
#: A colon or a semicolon glued to the word before it (« 21,00: »).
_GLUED = re.compile(r"[^\s(][:;]")


def fr(value: Decimal | int) -> str:
    """An amount (already rounded: its two decimals kept) or a coefficient, in French: ``21,00``, ``1,5``."""
    return str(value).replace(".", ",")


def coefficient(value: Decimal) -> str:
    """A coefficient or a percent without its useless zeros: ``1,5``, ``100``."""
    return fr(Decimal(f"{value.normalize():f}"))


def problems(line: str) -> list[str]:
    """What breaks the trace's format in ``line`` (empty: none)."""
    found = []
    if _POINT.search(line):
        found.append("point décimal (virgule attendue)")
    if _GLUED.search(line):
        found.append("deux-points ou point-virgule sans espace avant")
    return found

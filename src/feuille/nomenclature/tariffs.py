"""The port through which the pure pricing engine asks for a tariff it does not hold itself.

NGAP / COx tariffs ship as data files inside ``feuille.nomenclature``; CCAM tariffs come from the
table the user imported (``feuille ccam importer``), which lives in the database. The engine stays
pure by receiving an object of this shape, built by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

EXO_TM = re.compile(r"[0-9](-[0-9])*")


def normal_exo_tm(value: object) -> str | None:
    """A CCAM "Exo TM" value as the listing prints it (``5 -7``, a stray quote in v78's ``"2-7``) in one
    spelling (``5-7``); None for a blank cell or a value that is not a list of digits."""
    if not isinstance(value, str):
        return None
    text = "".join(char for char in value if char.isdigit() or char == "-")
    return text if EXO_TM.fullmatch(text) else None


@dataclass(frozen=True)
class CcamTariff:
    code: str
    label: str
    activity: str
    phase: str
    price: Decimal | None  # None: "non pris en charge"
    modifiers: tuple[str, ...] = ()
    exo_tm: str | None = None  # the listing's "Exo TM" column (1, 2, 5, 7, 1-7 ...); None: blank or not known


class CcamTariffs(Protocol):
    def ccam_tariff(self, code: str, on: date, activity: str = "1", phase: str = "0",
                    sector: int = 1) -> CcamTariff | None:
        """The tariff of a CCAM act on a date, or None when the code is unknown."""
        ...


class NoCcamTariffs:
    """Used when no CCAM table has been imported: every CCAM act then needs its unit price."""

    def ccam_tariff(self, code: str, on: date, activity: str = "1", phase: str = "0",
                    sector: int = 1) -> CcamTariff | None:
        return None

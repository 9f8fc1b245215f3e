"""The port through which the pure pricing engine asks for a tariff it does not hold itself.

NGAP / COx tariffs ship as data files inside ``feuille.nomenclature``; CCAM tariffs come from the
table the user imported (``feuille ccam importer``), which lives in the database. The engine stays
pure by receiving an object of this shape, built by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class CcamTariff:
    code: str
    label: str
    activity: str
    phase: str
    price: Decimal | None  # None: "non pris en charge"
    modifiers: tuple[str, ...] = ()


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

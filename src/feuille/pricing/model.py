"""What the pricing engine reads and what it returns: plain immutable records, no behaviour.

Records are ``NamedTuple``s (as in beancount): immutable, hashable, and several times cheaper to build
than frozen dataclasses, which matters when a practice prices a year of invoices in one go.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

ONE = Decimal(1)


class Professional(NamedTuple):
    profession: str
    sector: int = 1
    specialty: str | None = None


class Coverage(NamedTuple):
    nature: str = "maladie"
    exoneration: str = "0"
    ald_related: bool | None = None  # None: not said; with exoneration 4 the care is taken as related
    regime_local: bool = False
    parcours: str | None = None
    rate: int | None = None  # chosen by hand (no card, no ADRi): overrides every other rule
    service_amo: str | None = None  # e.g. C2S
    maternity_date: date | None = None
    accident_date: date | None = None
    smg_amount: Decimal | None = None


class AmcContract(NamedTuple):
    """A formula from the tiers-payant card (with its percentage when it has one), or a fixed amount."""

    formula: str | None = None
    percent: Decimal | None = None
    amount: Decimal | None = None


class TiersPayant(NamedTuple):
    amo: bool = False
    amc: bool = False


class Act(NamedTuple):
    code: str
    date: date
    quantity: int = 1
    coefficient: Decimal = ONE
    unit_price: Decimal | None = None
    total: Decimal | None = None  # manual total of the line, overrun included
    base: Decimal | None = None  # tarif de responsabilité per unit, when it differs from the price
    qualifier: str | None = None
    activity: str | None = None
    phase: str | None = None
    association: str | None = None
    modifiers: tuple[str, ...] = ()
    supplement: Decimal | None = None
    exoneration: str | None = None
    exo_tm: str | None = None  # the CCAM "Exo TM" category given with the act: wins over the imported table
    position: int = 0  # position in the input, for messages naming the field


class Override(NamedTuple):
    line: int
    amo: Decimal | None = None
    amc: Decimal | None = None


class Invoice(NamedTuple):
    date: date
    professional: Professional
    acts: tuple[Act, ...]
    coverage: Coverage = Coverage()
    amc: AmcContract | None = None
    overrides: tuple[Override, ...] = ()
    tiers_payant: TiersPayant = TiersPayant()
    group_identical: bool = False
    notes: tuple[str, ...] = ()  # warnings found while reading the input (ignored fields...)


class PricedLine(NamedTuple):
    code: str
    date: date
    quantity: int
    total: Decimal
    base: Decimal
    rate: int
    amo: Decimal
    amc: Decimal
    patient: Decimal
    exoneration: str
    acts: tuple[int, ...]  # input positions of the acts priced on this line (several when grouped)
    participation: Decimal | None = None  # under the flat participation (24 €): its share left on this line


class Totals(NamedTuple):
    total: Decimal
    amo: Decimal
    amc: Decimal
    patient: Decimal
    due_by_amo: Decimal  # paid to the professional by the AMO (tiers payant AMO)
    due_by_amc: Decimal  # paid to the professional by the AMC (tiers payant AMC)
    due_by_patient: Decimal  # what the patient pays now


class PricingResult(NamedTuple):
    lines: tuple[PricedLine, ...]
    totals: Totals
    warnings: tuple[str, ...]
    trace: tuple[str, ...]
    amc_contract_type: str | None = None  # B2 contract type of a complementary standing for an AMO service (C2S: 89)

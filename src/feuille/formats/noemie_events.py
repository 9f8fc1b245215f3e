"""The events of a NOEMIE return read as a stream (``noemie_stream.iter_returns``): see that module's docstring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from feuille.formats.noemie_file import Header, Invoice, Movement, OneOffPayment, Transfer


@dataclass(frozen=True)
class Problem:
    """Something wrong, where it is: entity number (the header is 1), byte offset in the file as stored, entity type
    and field when known, a stable code, a French message; ``invoice``: the invoice number it concerns, if any."""

    entity: int | None
    offset: int | None
    kind: str | None
    field: str | None
    code: str
    message: str
    invoice: str | None = None


@dataclass(frozen=True)
class Start:
    header: Header
    blocked: bool
    mandataire: str = ""


@dataclass(frozen=True)
class SettlementStart:
    """A payee's accounting day (070, ``transfer`` None) or bank transfer (071)."""

    payee: str
    date: date
    transfer: Transfer | None
    entity: int
    offset: int


@dataclass(frozen=True)
class InvoiceReturn:
    settlement: SettlementStart
    return_kind: str             # the 081 above it: 01 electronic flows, 02 paper, 03, 04 recalls, 05
    lot_date: date | None        # the 080 above it (None when that 080 did not read)
    lot_number: int | None
    invoice: Invoice             # with its 103-199, 210, 290, 294 details
    entity: int
    offset: int


@dataclass(frozen=True)
class MovementReturn:
    settlement: SettlementStart
    return_kind: str
    movement: Movement
    entity: int
    offset: int


@dataclass(frozen=True)
class OneOffReturn:
    settlement: SettlementStart
    return_kind: str
    payment: OneOffPayment       # 261 with its 262 details
    entity: int
    offset: int


@dataclass(frozen=True)
class SettlementEnd:
    settlement: SettlementStart
    declared_count: int | None   # the closing 990 as read (None: missing)
    declared_total: Decimal | None


@dataclass(frozen=True)
class End:
    record_count: int | None     # the 999 as read (None: missing)
    lot_count: int | None
    total: Decimal | None


Event = Start | SettlementStart | InvoiceReturn | MovementReturn | OneOffReturn | SettlementEnd | End | Problem

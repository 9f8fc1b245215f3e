"""Reading a NOEMIE return as a stream: records → entities → typed returns, one invoice at a time.

This is the API the returns service (``feuille.returns``) integrates from, so that a return of a million records
is read in flat memory and integrated as far as it is valid. :func:`iter_returns` yields, in file order:

- one :class:`Start` (the header) — or, when even the header is unreadable, only :class:`Problem` s;
- per settlement (070 accounting day or 071 transfer, under its payee 040), a :class:`SettlementStart`, then its
  :class:`InvoiceReturn` s, :class:`MovementReturn` s and :class:`OneOffReturn` s, then a :class:`SettlementEnd`
  with the 990 that closed it (``None`` when missing);
- :class:`Problem` s interleaved where they are found: each names the entity number (the header being 1), the
  byte offset in the file as stored (0-based, in either physical form), the entity type and field when known, a
  stable code and a French message;
- one :class:`End` with the trailer (``None`` when missing or unreadable).

An invoice whose own entities are broken is reported and skipped; reading goes on at the next entity that
reads. Every return that is yielded is complete and valid as far as its own entities go.

The implementation here is the first one: it reads the whole file with :func:`noemie_reader.read_file` and walks
its tree (so it is neither streaming nor tolerant). It is replaced by a true streaming reader with the same API.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from feuille.formats.noemie_file import Header, Invoice, Movement, OneOffPayment, Transfer
from feuille.formats.noemie_reader import read_file


@dataclass(frozen=True)
class Problem:
    entity: int | None
    offset: int | None
    kind: str | None
    field: str | None
    code: str
    message: str


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
    lot_date: date | None        # the 080 above it (None for an invoice outside a lot)
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


def iter_returns(data: bytes | str) -> Iterator[Event]:
    """The events of a return file, in order (see the module's docstring). Never raises on bad input."""
    reading = read_file(data)
    for problem in reading.problems:
        yield Problem(problem.entity, None, problem.kind, problem.field, problem.code, problem.message)
    file = reading.file
    if file is None:
        return
    yield Start(file.header, reading.blocked, file.mandataire)
    for payee in file.payees:
        for settlement in payee.settlements:
            start = SettlementStart(payee.number, settlement.date, settlement.transfer, 0, 0)
            yield start
            for group in settlement.groups:
                for lot in group.lots:
                    for invoice in lot.invoices:
                        yield InvoiceReturn(start, group.kind, lot.date, lot.number, invoice, 0, 0)
                for movement in group.movements:
                    yield MovementReturn(start, group.kind, movement, 0, 0)
                for payment in group.payments:
                    yield OneOffReturn(start, group.kind, payment, 0, 0)
            yield SettlementEnd(start, None, settlement.total)
    yield End(None, file.lot_count, file.total)

"""Sent invoices and the NOEMIE return files that answer them, crafted with the product's writer
(``formats.noemie_file.write_file``, both physical forms)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from feuille.auth import Context
from feuille.billing import state_bulk
from feuille.domain.invoices import Event
from feuille.domain.lots import LotState
from feuille.formats.noemie_file import (
    Act,
    AmcShare,
    Beneficiary,
    Header,
    Invoice,
    Lot,
    Message,
    Movement,
    NoemieFile,
    OneOffPayment,
    Payee,
    RejectLine,
    ReturnGroup,
    Settlement,
    Share,
    Transfer,
    write_file,
)
from feuille.storage.models import Invoice as InvoiceRow
from feuille.storage.models import InvoiceLine
from feuille.storage.models import Lot as LotRow
from tests.support.sending import make_lot
from tests.transmission.support import copies, practice, secured

BILLING = "001033901"          # MEDECIN of tests.billing.support
__all__ = ["BILLING", "Sent", "answer", "file_of", "practice", "send", "write"]


@dataclass(frozen=True)
class SentInvoice:
    id: int
    number: int
    nir: str
    amo: Decimal
    amc: Decimal
    lines: tuple[tuple[int, str, int, Decimal], ...]   # line number, code, quantity, AMO


@dataclass(frozen=True)
class Sent:
    lot_id: int
    lot_number: str
    lot_date: date
    invoices: tuple[SentInvoice, ...]


def send(ctx: Context, count: int = 2, *, number: str = "001", state: LotState = LotState.ARL_POSITIF) -> Sent:
    """``count`` invoices secured, lotted, sent and acknowledged (their lot in ``state``)."""
    first = secured(ctx)
    ids = [first, *copies(ctx, first, count - 1)] if count > 1 else [first]
    lot_id = make_lot(ctx, ids, number=number, state=state)
    with ctx.db.transaction() as session:
        state_bulk.advance_many(ctx, session, ids, Event.SEND)
        if state == LotState.ARL_POSITIF:
            state_bulk.advance_many(ctx, session, ids, Event.ACKNOWLEDGE)
        lot = session.get(LotRow, lot_id)
        assert lot is not None
        out = []
        for invoice_id in ids:
            row = session.get(InvoiceRow, invoice_id)
            assert row is not None and row.number is not None
            lines = tuple((line.line_number, line.code, line.quantity, line.amo) for line in session.query(
                InvoiceLine).filter(InvoiceLine.invoice_id == invoice_id).order_by(InvoiceLine.line_number))
            out.append(SentInvoice(row.id, row.number, (row.patient_nir or "").replace(" ", ""), row.amo, row.amc,
                                   lines))
        return Sent(lot_id, lot.number, lot.lot_date, tuple(out))


def answer(invoice: SentInvoice, sent: Sent, *, status: str = "P", paid: Decimal | None = None,
           claimed: Decimal | None = None, number: int | None = None, lot_number: int | None = None,
           nir: str | None = None, reject: str = "") -> Invoice:
    """What a caisse says of one invoice (paid whole by default)."""
    amount = invoice.amo if paid is None else paid
    acts = tuple(Act(line, code[:3], amo if paid is None else amount, quantity=quantity)
                 for line, code, quantity, amo in invoice.lines)
    who = nir if nir is not None else invoice.nir
    return Invoice(f"{number or invoice.number:09d}", lot_number=f"{lot_number or int(sent.lot_number):03d}",
                   lot_date=sent.lot_date, invoice_type="F", beneficiary=Beneficiary(who[:13], who[13:15]),
                   amo=Share(invoice.amo if claimed is None else claimed, status, amount if status != "R" else
                             Decimal("0.00")),
                   amc=AmcShare(invoice.amc, "") if invoice.amc > 0 else None, acts=acts,
                   messages=(Message(0, "R001", reject),) if reject else (),
                   rejects=(RejectLine("R001", reject, "F", "O"),) if reject else ())


def file_of(sent: Sent, invoices: list[Invoice], *, file_id: str = "000001", payee: str = BILLING,
            recipient: str = BILLING, movements: tuple[Movement, ...] = (), payments: tuple[OneOffPayment, ...] = (),
            day: date | None = None) -> NoemieFile:
    when = day or sent.lot_date
    groups = [ReturnGroup("01", lots=(Lot(sent.lot_date, int(sent.lot_number), tuple(invoices)),))]
    if movements or payments:
        groups.append(ReturnGroup("05", movements=movements, payments=payments))
    return NoemieFile(Header("CP", "00000001349000", "PS", recipient.rjust(14, "0"), file_id, when, flow="T"),
                      (Payee(payee.rjust(15, "0"), (Settlement(when, Transfer("VIR AMO 01 349", "REF",
                                                                               "01349000"), tuple(groups)),)),))


def write(file: NoemieFile, *, blocks: bool = False) -> bytes:
    return write_file(file, blocks=blocks).encode("latin-1")


def with_header(file: NoemieFile, **changes: object) -> NoemieFile:
    return replace(file, header=replace(file.header, **changes))  # type: ignore[arg-type]

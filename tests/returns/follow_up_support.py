"""Sent invoices and integrated returns written straight in the tables, as the integration leaves them (these tests
are about the follow-up, not the integration): a return row per call, its file, its rejects."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from feuille.auth import Context
from feuille.billing import state as invoice_state
from feuille.domain.invoices import Event
from feuille.storage.models import Invoice, NoemieFileRow, ReturnInvoice, ReturnReject, TransferRow
from tests.support.sending import make_lot
from tests.transmission.support import copies, practice, secured

__all__ = ["Sent", "add_return", "practice", "send", "set_state"]

_FILES = itertools.count(1)


@dataclass(frozen=True)
class Sent:
    ids: list[int]
    lot_id: int


def send(ctx: Context, count: int = 1, *, mode: str = "synchronise", number: str = "001",
         caisse: str = "996") -> Sent:
    """``count`` invoices secured in ``mode`` (one through billing, the others its copies), in one FSE lot, sent."""
    first = secured(ctx, mode)
    ids = [first, *copies(ctx, first, count - 1)] if count > 1 else [first]
    lot = make_lot(ctx, ids, number=number, caisse=caisse)
    with ctx.db.transaction() as session:
        for invoice_id in ids:
            invoice_state.advance(ctx, session, invoice_state.load(session, invoice_id, lock=True), Event.SEND)
    return Sent(ids, lot)


def set_state(ctx: Context, invoice_id: int, event: Event) -> None:
    with ctx.db.transaction() as session:
        invoice_state.advance(ctx, session, invoice_state.load(session, invoice_id, lock=True), event)


def _file(session: sa.orm.Session, created: date) -> int:
    n = next(_FILES)
    row = NoemieFileRow(sha256=f"{n:064d}", received_mail_id=None, source=f"retour-{n}.txt", size=128, blocked=False,
                        emitter_type="CP", emitter_number="00000001996000", recipient_type="PS",
                        recipient_number="00000001033901", file_id=f"{n:06d}", reference="576", created=created,
                        flow="T", outcome="integre", problems="[]", invoices=1, unmatched=0, integrated_by="test",
                        integrated_at=datetime(2025, 1, 20, 9, 0))
    session.add(row)
    session.flush()
    return row.id


def add_return(ctx: Context, invoice_id: int | None, *, amo_paid: Decimal | str | None = None, amo_status: str = "P",
               match: str = "auto", created: date = date(2025, 1, 20), number: str | None = None,
               rejects: tuple[tuple[str, str, str], ...] = (), amo_claimed: Decimal | str | None = None,
               professional_id: int | None = None) -> int:
    """A return row about ``invoice_id`` (None: matched to nothing, ``number`` its invoice number), in a file of
    its own; ``amo_paid`` None: the invoice's AMO share when ``P``, else 0; ``rejects``: (entity kind 290/294,
    code, label)."""
    with ctx.db.transaction() as session:
        invoice = session.get(Invoice, invoice_id) if invoice_id is not None else None
        file_id = _file(session, created)
        if amo_paid is None:  # paid whole, or nothing when rejected
            amo_paid = invoice.amo if invoice is not None and amo_status == "P" else Decimal(0)
        transfer = TransferRow(noemie_file_id=file_id, professional_id=professional_id or (
            invoice.professional_id if invoice else None), payee_number="000000001033901",
            settlement_date=created, is_transfer=True, label_1="VIR AMO 01 996", label_2="REF",
            paying_organism="01996000",
            declared_total=None, computed_total=Decimal(amo_paid), entity=1, offset=0)
        session.add(transfer)
        session.flush()
        claimed = Decimal(amo_claimed) if amo_claimed is not None else (invoice.amo if invoice else Decimal("23.00"))
        row = ReturnInvoice(
            noemie_file_id=file_id, transfer_id=transfer.id, invoice_id=invoice_id if match in ("auto", "manuel")
            else None, match=match, return_kind="01", lot_number="001", lot_date=created,
            invoice_number=number or f"{invoice.number if invoice else 999:09d}", invoice_type="F",
            invoice_date=invoice.invoice_date if invoice else created, nir="1421962965165", rank="1",
            patient_name="ESSAI", amo_claimed=claimed, amo_status=amo_status, amo_paid=Decimal(amo_paid),
            amc_claimed=Decimal(0), amc_status="", amc_paid=Decimal(0), amc_number="", entity=2, offset=128,
            matched_by="test" if match in ("auto", "manuel") else None,
            matched_at=datetime(2025, 1, 20, 9, 0) if match in ("auto", "manuel") else None)
        session.add(row)
        session.flush()
        for line, (kind, code, label) in enumerate(rejects, start=1):
            session.add(ReturnReject(return_invoice_id=row.id, entity_kind=kind, code=code, label=label, line=line,
                                     reject_level="F" if kind == "294" else "", share="O" if kind == "294" else "",
                                     act="", care_date=None))
        return row.id

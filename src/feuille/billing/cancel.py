"""Deleting a draft, cancelling a signed invoice by a credit note (avoir).

Unsigned invoices may be deleted (kept as « supprimée » for the audit trail; they never had a number).
A signed invoice is immutable: it is cancelled by a credit note, a new invoice with the opposite amounts that
refers to it and carries its own number. The credit note is signed, in the transaction that creates it, by the
CPS that could make the invoice's final signature (its billing professional, or a remplaçant on one of his days:
``securing.check_final_signer``), so ``verify`` can tell a real credit note from a forged one.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.billing import lines, numbering, securing, state, views
from feuille.cards.port import CardReader
from feuille.domain.invoices import Event, InvoiceState, SecureMode, transition
from feuille.errors import StateError
from feuille.storage.models import Invoice
from feuille.storage.retry import use_case


@use_case
def delete_draft(ctx: Context, ref: object) -> views.InvoiceView:
    """brouillon / TP calculé → supprimée; repeated: a no-op; signed: refused (cancel it instead)."""
    require(ctx, Permission.INVOICE_DRAFT)
    with ctx.db.transaction() as session:
        row = state.load(session, ref, lock=True)
        if row.state != InvoiceState.DELETED:
            state.advance(ctx, session, row, Event.DELETE, data={"total": row.total})
        return views.view(session, row)


def _credit_note(ctx: Context, session: Session, row: Invoice) -> Invoice:
    """The credit note of ``row``, numbered, not yet written (its signature covers its number)."""
    now = ctx.clock()
    return Invoice(
        professional_id=row.professional_id, performer_id=row.performer_id, patient_id=row.patient_id,
        billing_number=row.billing_number, patient_nir=row.patient_nir, patient_rank=row.patient_rank,
        number=numbering.draw_number(session, row.professional_id), state=InvoiceState.SECURED.value,
        version=1, invoice_date=now.date(), nature=row.nature, document=row.document,
        priced=state.priced(row).credit_note(row.number).dumps(), total=-row.total, amo=-row.amo, amc=-row.amc,
        patient_part=-row.patient_part, due_by_patient=-row.due_by_patient, rate_checked=True,
        rate_hash=row.rate_hash, secure_mode=None, paper_sent=False, credit_of=row.id,
        created_by=ctx.actor.login, created_at=now, updated_at=now)


@use_case
def cancel_invoice(ctx: Context, ref: object, reader: CardReader, pin: str | None = None) -> views.InvoiceView:
    """Cancel a signed invoice by a credit note signed with the billing PS's CPS (``pin`` verified now, or
    already by the reader); returns the credit note. Repeated: the same credit note, no card needed."""
    require(ctx, Permission.INVOICE_SIGN_FINAL)

    def work() -> views.InvoiceView:
        with ctx.db.transaction() as session:
            row = state.load(session, ref, lock=True)
            if row.state == InvoiceState.CANCELLED:
                credit = session.scalar(select(Invoice).where(Invoice.credit_of == row.id))
                if credit is not None:
                    return views.view(session, credit)
            if row.credit_of is not None:
                raise StateError(f"La facture n° {row.id} est un avoir : elle ne s'annule pas.",
                                 code="credit_note_cancel", field="id")
            transition(InvoiceState(row.state), Event.CANCEL)
            cards = securing.read_cards(reader, pin, SecureMode.SANS_VITALE)  # no Vitale card for a credit note
            credit = _credit_note(ctx, session, row)
            securing.check_final_signer(session, credit, cards.professional)
            session.add(credit)
            session.flush()
            lines.write(session, credit.id, [line.negated() for line in lines.read(session, row.id)])
            securing.sign_and_store(ctx, session, credit, "final", cards, reader, InvoiceState.SECURED)
            state.record(ctx, session, credit, "credit_note", {"credit_of": row.id, "number": credit.number,
                                                              "total": credit.total,
                                                              "card": cards.professional.serial})
            state.advance(ctx, session, row, Event.CANCEL, data={"credit_note": credit.id,
                                                                 "credit_number": credit.number,
                                                                 "card": cards.professional.serial})
            return views.view(session, credit)

    return numbering.with_number_retry(work)

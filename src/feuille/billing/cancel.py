"""Deleting a draft, cancelling a signed invoice by a credit note (avoir).

Unsigned invoices may be deleted (kept as « supprimée » for the audit trail; they never had a number).
A signed invoice is immutable: it is cancelled by a credit note, a new invoice with the opposite amounts that
refers to it and carries its own number. The credit note is signed by the CPS that could make the invoice's final
signature (its billing professional, or a remplaçant on one of his days: ``securing.check_final_signer``), so
``verify`` can tell a real credit note from a forged one.

It is signed in the three steps of :mod:`feuille.billing.signing`, no transaction open while the card signs:

1. **prepare** (one short transaction): the credit note is written as a draft (« brouillon », no number; a
   draft credit note refuses every other change, ``state.allowed``), the number drawn and the bytes fixed;
2. **sign** with the card;
3. **commit** (compare-and-set on the credit note): signature stored, credit note secured with its number, the
   invoice cancelled — or the preparation released, its number recorded unused with the reason; the draft
   credit note stays and the next cancellation of the invoice takes it up again.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.billing import lines, numbering, securing, signing, state, views
from feuille.cards.port import CardReader
from feuille.domain.invoices import Event, InvoiceState, SecureMode
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


def _credit_note(ctx: Context, row: Invoice) -> Invoice:
    """The credit note of ``row``, as a draft: its number is drawn by the signing's preparation and written when
    its signature is stored (the signature covers it)."""
    now = ctx.clock()
    return Invoice(
        professional_id=row.professional_id, performer_id=row.performer_id, patient_id=row.patient_id,
        billing_number=row.billing_number, patient_nir=row.patient_nir, patient_rank=row.patient_rank,
        number=None, state=InvoiceState.DRAFT.value, version=1, invoice_date=now.date(), nature=row.nature,
        document=row.document, priced=state.priced(row).credit_note(row.number).dumps(), total=-row.total,
        amo=-row.amo, amc=-row.amc, patient_part=-row.patient_part, due_by_patient=-row.due_by_patient,
        rate_checked=True,
        rate_hash=row.rate_hash, secure_mode=None, paper_sent=False, credit_of=row.id,
        created_by=ctx.actor.login, created_at=now, updated_at=now)


def _credit_of(session: Session, row: Invoice, *, lock: bool = False) -> Invoice | None:
    query = select(Invoice).where(Invoice.credit_of == row.id)
    return session.scalar(query.with_for_update() if lock else query)


def _precheck(ctx: Context, ref: object) -> views.InvoiceView | None:
    """Before the card is read (no transaction open): the credit note when the invoice is cancelled already, else
    the refusals that need no card. The preparation checks them again."""
    with ctx.db.read() as session:
        row = state.load(session, ref)
        if row.state == InvoiceState.CANCELLED:
            credit = _credit_of(session, row)
            if credit is not None:
                return views.view(session, credit)
        _cancellable(session, row)
        return None


def _cancellable(session: Session, row: Invoice) -> None:
    if row.credit_of is not None:
        raise StateError(f"La facture n° {row.id} est un avoir : elle ne s'annule pas.",
                         code="credit_note_cancel", field="id")
    state.allowed(session, row, Event.CANCEL)


def _prepare(ctx: Context, ref: object, cards: securing.Cards) -> signing.Prepared:
    """Step 1: the credit note as a draft (written now, or the one a released signing left), checked against the
    card, its number drawn and its bytes fixed, in one short transaction."""

    def work() -> signing.Prepared:
        with ctx.db.transaction() as session:
            row = state.load(session, ref, lock=True)
            _cancellable(session, row)
            credit = _credit_of(session, row, lock=True)
            if credit is None:
                credit = _credit_note(ctx, row)
                securing.check_final_signer(session, credit, cards.professional)
                session.add(credit)
                session.flush()
                lines.write(session, credit.id, [line.negated() for line in lines.read(session, row.id)], new=True)
                state.record(ctx, session, credit, "credit_note_draft", {"credit_of": row.id, "total": credit.total})
            else:  # left by a released signing: dated today, as a new one would be
                if credit.invoice_date != ctx.clock().date():
                    state.compare_and_set(ctx, session, credit, invoice_date=ctx.clock().date())
                    state.record(ctx, session, credit, "credit_note_redated", {"credit_of": row.id})
                securing.check_final_signer(session, credit, cards.professional)
            session.refresh(credit)  # the bytes signed are those a later reading gives
            number = numbering.draw_number(session, row.professional_id)
            return signing.prepare_in(ctx, session, credit, step="final", event=None, mode=None,
                                      professional=cards.professional, vitale=None, number=number)

    return numbering.with_number_retry(work)


@use_case
def cancel_invoice(ctx: Context, ref: object, reader: CardReader, pin: str | None = None) -> views.InvoiceView:
    """Cancel a signed invoice by a credit note signed with the billing PS's CPS (``pin`` verified now, or
    already by the reader); returns the credit note. Repeated: the same credit note, no card needed."""
    require(ctx, Permission.INVOICE_SIGN_FINAL)
    done = _precheck(ctx, ref)
    if done is not None:
        return done
    cards = securing.read_cards(reader, pin, SecureMode.SANS_VITALE)  # no Vitale card for a credit note
    return securing.sign_prepared(ctx, reader, cards.professional, _prepare(ctx, ref, cards))

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

The command line does the three steps with its reader (:func:`cancel_invoice`); a page at the desk does them
through the desk's card agent: :func:`prepare_credit_note` with the CPS as the agent read it, the agent signs,
then :func:`commit_for` (or :func:`release_for` when the card refused), each naming the cancelled invoice.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.billing import lines, numbering, securing, signing, state, views
from feuille.cards.port import CardReader, ProfessionalCardData, Signature
from feuille.domain.invoices import Event, InvoiceState, SecureMode
from feuille.errors import NotFoundError, StateError
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


def prepare_credit_note(ctx: Context, ref: object,
                        card: ProfessionalCardData) -> signing.Prepared | views.InvoiceView:
    """Step 1 of cancelling the invoice ``ref`` by a credit note, with the CPS as read at the desk (the command
    line's reader, or the loopback interface of the desk's card agent): the credit note written as a draft (or the
    one a released signing left), checked against the card, its number drawn and the bytes the CPS must sign (its
    canonical JSON, format ``/2``). The credit note's view when the invoice is cancelled already (no card needed).
    Then :func:`commit_for` with the card's signature."""
    require(ctx, Permission.INVOICE_SIGN_FINAL)
    done = _precheck(ctx, ref)
    return done if done is not None else _prepare(ctx, ref, card)


@use_case
def _prepare(ctx: Context, ref: object, card: ProfessionalCardData) -> signing.Prepared:
    """The preparation itself, in one short transaction (numbers drawn again when another desk took one)."""

    def work() -> signing.Prepared:
        with ctx.db.transaction() as session:
            row = state.load(session, ref, lock=True)
            _cancellable(session, row)
            credit = _credit_of(session, row, lock=True)
            if credit is None:
                credit = _credit_note(ctx, row)
                securing.check_final_signer(session, credit, card)
                session.add(credit)
                session.flush()
                lines.write(session, credit.id, [line.negated() for line in lines.read(session, row.id)], new=True)
                state.record(ctx, session, credit, "credit_note_draft", {"credit_of": row.id, "total": credit.total})
            else:  # left by a released signing: dated today, as a new one would be
                if credit.invoice_date != ctx.clock().date():
                    state.compare_and_set(ctx, session, credit, invoice_date=ctx.clock().date())
                    state.record(ctx, session, credit, "credit_note_redated", {"credit_of": row.id})
                securing.check_final_signer(session, credit, card)
            session.refresh(credit)  # the bytes signed are those a later reading gives
            number = numbering.draw_number(session, row.professional_id)
            return signing.prepare_in(ctx, session, credit, step="final", event=None, mode=None,
                                      professional=card, vitale=None, number=number)

    return numbering.with_number_retry(work)


def _credit_note_id(ctx: Context, ref: object) -> int:
    """The credit note of the invoice ``ref`` (a draft while its signing is pending), for the steps at the desk
    that name the cancelled invoice; the credit note's preparation is then checked to be its own."""
    require(ctx, Permission.INVOICE_SIGN_FINAL)  # a credit note's signature is always a final one
    with ctx.db.read() as session:
        row = state.load(session, ref)
        credit = _credit_of(session, row)
        if credit is None:
            raise NotFoundError(f"Aucun avoir en préparation pour la facture n° {row.id} : recommencez "
                                "l'annulation.", code="signing_not_found", field="preparation")
        return credit.id


def commit_for(ctx: Context, ref: object, prepared_id: int, signature: Signature) -> views.InvoiceView:
    """Step 3 at the desk: the CPS's signature of the credit note prepared for the invoice ``ref`` is checked and
    stored, the credit note secured and the invoice cancelled — or the preparation released (its number recorded
    unused) and the French reason raised (:func:`signing.commit`). Repeated: the same credit note."""
    return signing.commit_for(ctx, _credit_note_id(ctx, ref), prepared_id, signature)


def release_for(ctx: Context, ref: object, prepared_id: int, reason: str) -> None:
    """The card at the desk refused to sign the credit note of the invoice ``ref``: the preparation is given up,
    its number recorded unused with ``reason`` (the card's French message)."""
    signing.release_for(ctx, _credit_note_id(ctx, ref), prepared_id, reason)


@use_case
def cancel_invoice(ctx: Context, ref: object, reader: CardReader, pin: str | None = None) -> views.InvoiceView:
    """Cancel a signed invoice by a credit note signed with the billing PS's CPS (``pin`` verified now, or
    already by the reader); returns the credit note. Repeated: the same credit note, no card needed. The three
    steps of :func:`prepare_credit_note`, the reader's signature, the commit."""
    require(ctx, Permission.INVOICE_SIGN_FINAL)
    done = _precheck(ctx, ref)
    if done is not None:
        return done
    cards = securing.read_cards(reader, pin, SecureMode.SANS_VITALE)  # no Vitale card for a credit note
    prepared = prepare_credit_note(ctx, ref, cards.professional)
    if isinstance(prepared, views.InvoiceView):  # cancelled by another desk while the card was read
        return prepared
    return securing.sign_prepared(ctx, reader, cards.professional, prepared)

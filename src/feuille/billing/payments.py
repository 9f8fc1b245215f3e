"""Patient payments: several per invoice (chèque, CB, espèces, autre), editable later, balance with warnings."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from feuille.auth import Context, Permission, require
from feuille.billing import state, views
from feuille.domain.invoices import InvoiceState, PaymentMeans, balance, parse_means, parse_payment_amount
from feuille.errors import NotFoundError, Problems, StateError, ValidationError
from feuille.storage.models import InvoicePayment
from feuille.storage.retry import use_case

CLOSED = views.CLOSED


@use_case
def pay(ctx: Context, ref: object, means: object, amount: object) -> views.InvoiceView:
    """Record one payment; the balance may go negative (a warning in the view, not an error)."""
    require(ctx, Permission.INVOICE_DRAFT)
    chosen, value = _parsed(means, amount)
    with ctx.db.transaction() as session:
        row = state.load(session, ref, lock=True)
        if row.state in CLOSED or row.credit_of is not None:
            raise StateError(f"Facture n° {row.id} : impossible d'enregistrer un paiement sur une facture "
                             f"{'annulée' if row.state == InvoiceState.CANCELLED else 'supprimée ou un avoir'}.",
                             code="invoice_closed", field="id")
        payment = InvoicePayment(invoice_id=row.id, means=chosen.value, amount=value, at=ctx.clock(),
                                 recorded_by=ctx.actor.login)
        session.add(payment)
        session.flush()
        return views.from_stored(row, state.record(ctx, session, row, "payment_add", {
            "payment_id": payment.id, "means": chosen.value, "amount": value}))


def _parsed(means: object, amount: object) -> tuple[PaymentMeans, Decimal]:
    """Both fields read, every problem reported at once (a form shows each beside its field)."""
    problems = Problems()
    chosen: PaymentMeans | None = None
    value: Decimal | None = None
    try:
        chosen = parse_means(means)
    except ValidationError as error:
        problems.items.append(error)
    try:
        value = parse_payment_amount(amount)
    except ValidationError as error:
        problems.items.append(error)
    problems.raise_if_any()
    assert chosen is not None and value is not None
    return chosen, value


@use_case
def remove_payment(ctx: Context, ref: object, payment_id: int) -> views.InvoiceView:
    """Payments stay editable: a wrong one is removed (audited) and typed again."""
    require(ctx, Permission.INVOICE_DRAFT)
    with ctx.db.transaction() as session:
        row = state.load(session, ref, lock=True)
        payment = session.get(InvoicePayment, payment_id)
        if payment is None or payment.invoice_id != row.id:
            raise NotFoundError(f"Paiement n° {payment_id} introuvable sur la facture n° {row.id}.",
                                code="payment_not_found", field="payment_id")
        removed = {"payment_id": payment.id, "means": payment.means, "amount": payment.amount}
        session.delete(payment)
        session.flush()
        # sealed after the removal: the seal is what the invoice's rows are once the change is made
        return views.from_stored(row, state.record(ctx, session, row, "payment_remove", removed))


def patient_balance(ctx: Context, ref: object) -> tuple[Decimal, tuple[str, ...]]:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        row = state.load(session, ref)
        amounts = session.scalars(select(InvoicePayment.amount).where(InvoicePayment.invoice_id == row.id))
        settled = balance(row.due_by_patient, amounts)
        return settled.balance, settled.warnings

"""Patient payments (DOMAIN example 3), deleting drafts, cancelling by a credit note, the deletion blocker."""

from __future__ import annotations

from decimal import Decimal

import pytest

from feuille.auth import Context
from feuille.billing import cancel, drafts, payments, queries, securing, verification
from feuille.errors import ConflictError, NotFoundError, StateError, ValidationError
from feuille.practice import professionals
from tests.billing.support import CPS_MEDECIN, VITALE_ESSAI, FakeReader, consultation, practice
from tests.billing.test_drafts import actions
from tests.billing.test_securing import priced

# DOMAIN example 3: total 123.80, AMO 10.00, AMC 0, patient 113.80 (fee with overrun, AMO changed by hand, TP AMO)
EXAMPLE_3 = consultation(acts=[{"code": "C", "total": "123.80", "qualifier": "E"}],
                         overrides=[{"line": 0, "amo": "10.00"}])


@pytest.mark.parametrize(("paid", "balance", "warning"), [
    ([("CB", "110"), ("espèces", "3.80")], "0.00", None),
    ([("CB", "110"), ("chèque", "4")], "-0.20", "le solde patient est négatif (-0.20)."),
])
def test_domain_example_3_payments(ctx: Context, paid: list[tuple[str, str]], balance: str,
                                   warning: str | None) -> None:
    practice(ctx)
    invoice = securing.secure(ctx, priced(ctx, EXAMPLE_3), "synchronise",
                              FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI))
    assert invoice.totals == {"total": "123.80", "amo": "10.00", "amc": "0.00", "patient": "113.80",
                              "due_by_patient": "113.80"}
    view = invoice
    for means, amount in paid:
        view = payments.pay(ctx, invoice.id, means, amount)
    assert view.balance == balance
    assert view.balance_warnings == ([warning] if warning else [])
    assert [p["means"] for p in view.payments] == [m.replace("è", "e").lower() for m, _ in paid]
    assert payments.patient_balance(ctx, invoice.id)[0] == Decimal(balance)
    assert actions(ctx).count("invoice.payment_add") == 2


def test_payments_are_editable_and_validated(ctx: Context) -> None:
    practice(ctx)
    invoice = drafts.create_draft(ctx, EXAMPLE_3).id
    view = payments.pay(ctx, invoice, "CB", "100.00")
    assert view.balance == "13.80" and "incomplet" in view.balance_warnings[0]
    fixed = payments.remove_payment(ctx, invoice, int(view.payments[0]["id"]))
    assert fixed.payments == [] and fixed.balance == "113.80"
    with pytest.raises(NotFoundError):
        payments.remove_payment(ctx, invoice, 999)
    for means, amount, field in (("bitcoin", "10", "means"), ("CB", "-1", "amount"), ("CB", "1.001", "amount")):
        with pytest.raises(ValidationError) as caught:
            payments.pay(ctx, invoice, means, amount)
        assert caught.value.field == field
    cancel.delete_draft(ctx, invoice)
    with pytest.raises(StateError):
        payments.pay(ctx, invoice, "CB", "1")


def test_delete_unsigned_drafts_only(ctx: Context) -> None:
    practice(ctx)
    draft = drafts.create_draft(ctx, consultation()).id
    checked = priced(ctx)
    assert cancel.delete_draft(ctx, draft).state == "deleted"
    assert cancel.delete_draft(ctx, draft).state == "deleted"  # repeated: no-op
    assert actions(ctx).count("invoice.delete") == 1
    assert cancel.delete_draft(ctx, checked).state == "deleted"
    with pytest.raises(StateError):
        drafts.update_draft(ctx, draft, consultation())


def test_cancel_by_credit_note(ctx: Context) -> None:
    practice(ctx)
    invoice = securing.secure(ctx, priced(ctx), "synchronise", FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI))
    with pytest.raises(StateError):
        cancel.cancel_invoice(ctx, priced(ctx))  # unsigned: delete it instead
    credit = cancel.cancel_invoice(ctx, invoice.id)
    assert credit.credit_of == invoice.id and credit.number == 2 and credit.state == "secured"
    assert credit.totals["total"] == "-23.00" and credit.lines[0]["amo"] == "-16.10"
    assert queries.show(ctx, invoice.id).state == "cancelled"
    assert cancel.cancel_invoice(ctx, invoice.id) == credit  # repeated: the same credit note
    with pytest.raises(StateError, match="avoir"):
        cancel.cancel_invoice(ctx, credit.id)
    with pytest.raises(StateError):
        payments.pay(ctx, invoice.id, "CB", "1")
    assert verification.verify_invoice(ctx, invoice.id).ok
    assert verification.verify_invoice(ctx, credit.id).ok


def test_professional_with_invoices_cannot_be_deleted(ctx: Context) -> None:
    setup = practice(ctx)
    drafts.create_draft(ctx, consultation())
    with pytest.raises(ConflictError) as caught:
        professionals.delete_professional(ctx, setup.medecin)
    assert "facture(s) en attente" in caught.value.message

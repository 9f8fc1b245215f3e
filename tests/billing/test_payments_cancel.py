"""Patient payments (DOMAIN example 3), deleting drafts, cancelling by a credit note, the deletion blocker."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from feuille.auth import Context
from feuille.billing import cancel, drafts, payments, queries, sealing, securing, signing, state, verification
from feuille.errors import ConflictError, NotFoundError, PermissionDeniedError, StateError, ValidationError
from feuille.practice import professionals
from feuille.storage.models import AuditEntry, Invoice, InvoiceSignature
from tests.billing.support import (
    CPE_SECRETAIRE,
    CPS_FIRMIER,
    CPS_MEDECIN,
    CPS_REMPLACANT,
    VITALE_ESSAI,
    FakeReader,
    consultation,
    nurse_care,
    practice,
)
from tests.billing.test_drafts import actions
from tests.billing.test_securing import priced, signatures

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
    assert verification.verify_invoice(ctx, invoice).ok  # sealed once the payment is gone
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
    reader = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)
    invoice = securing.secure(ctx, priced(ctx), "synchronise", reader)
    with pytest.raises(StateError):
        cancel.cancel_invoice(ctx, priced(ctx), reader)  # unsigned: delete it instead
    credit = cancel.cancel_invoice(ctx, invoice.id, reader)
    assert credit.credit_of == invoice.id and credit.number == 2 and credit.state == "secured"
    assert credit.totals["total"] == "-23.00" and str(credit.lines[0].amo) == "-16.10"
    assert queries.show(ctx, invoice.id).state == "cancelled"
    assert signatures(ctx, credit.id) == [("final", "CPS-MED")]
    assert reader.signed[-1] == signed_bytes(ctx, credit.id)  # its own bytes, which name the cancelled invoice
    assert f'"credit_of":{invoice.id}'.encode() in reader.signed[-1]
    assert cancel.cancel_invoice(ctx, invoice.id, FakeReader()) == credit  # repeated: the same one, no card
    with pytest.raises(StateError, match="avoir"):
        cancel.cancel_invoice(ctx, credit.id, reader)
    with pytest.raises(StateError):
        payments.pay(ctx, invoice.id, "CB", "1")
    assert verification.verify_invoice(ctx, invoice.id).ok
    checked = verification.verify_invoice(ctx, credit.id)
    assert checked.ok and [(c.step, c.card_serial, c.valid) for c in checked.checks] == [("final", "CPS-MED", True)]
    entries = audit_data(ctx, "invoice.credit_note") + audit_data(ctx, "invoice.cancel")
    assert [e["card"] for e in entries] == ["CPS-MED", "CPS-MED"]


@pytest.mark.parametrize(("reader", "error", "code", "unused"), [
    (FakeReader(), StateError, "no_card", []),
    # the card refuses when it signs, after the preparation: the number drawn is recorded unused, with the reason
    (FakeReader().insert(CPS_MEDECIN, pin=None), StateError, "pin_not_verified", [2]),
    (FakeReader().insert(CPE_SECRETAIRE), PermissionDeniedError, "cpe_final_signature", []),
    (FakeReader().insert(CPS_FIRMIER), PermissionDeniedError, "wrong_cps", []),
])
def test_cancelling_needs_the_billing_professionals_cps(ctx: Context, reader: FakeReader, error: type,
                                                        code: str, unused: list[int]) -> None:
    practice(ctx)
    invoice = securing.secure(ctx, priced(ctx), "synchronise", FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI))
    with pytest.raises(error) as caught:
        cancel.cancel_invoice(ctx, invoice.id, reader)
    assert caught.value.code == code
    assert queries.show(ctx, invoice.id).state == "secured"  # not cancelled; a number only if the card was asked
    assert "invoice.cancel" not in actions(ctx) and "invoice.credit_note" not in actions(ctx)
    assert [u.number for u in signing.unused_numbers(ctx)] == unused
    credit = cancel.cancel_invoice(ctx, invoice.id, FakeReader().insert(CPS_MEDECIN, pin=None), pin="1234")
    assert credit.number == 2 + len(unused) and verification.verify_invoice(ctx, credit.id).ok


def test_a_wrong_pin_cancels_nothing(ctx: Context) -> None:
    practice(ctx)
    invoice = securing.secure(ctx, priced(ctx), "synchronise", FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI))
    with pytest.raises(ValidationError) as caught:
        cancel.cancel_invoice(ctx, invoice.id, FakeReader().insert(CPS_MEDECIN, pin=None), pin="0000")
    assert caught.value.code == "wrong_pin" and queries.show(ctx, invoice.id).state == "secured"


def test_a_remplacant_cancels_on_one_of_his_days_only(ctx: Context) -> None:
    practice(ctx)  # REMPEXMED replaces FIRMIER on 13, 14 and 15 January 2025 (the clock says the 15th)
    nurse = securing.secure(ctx, priced(ctx, nurse_care()), "synchronise",
                            FakeReader().insert(CPS_FIRMIER, VITALE_ESSAI))
    later = Context(db=ctx.db, actor=ctx.actor, clock=lambda: datetime(2025, 1, 20, 9, 0))
    with pytest.raises(ValidationError) as caught:
        cancel.cancel_invoice(later, nurse.id, FakeReader().insert(CPS_REMPLACANT))
    assert caught.value.code == "remplacant_off_calendar" and "20/01/2025" in caught.value.message
    credit = cancel.cancel_invoice(ctx, nurse.id, FakeReader().insert(CPS_REMPLACANT))
    assert signatures(ctx, credit.id) == [("final", "CPS-REM")] and verification.verify_invoice(ctx, credit.id).ok


def test_verify_requires_the_credit_notes_card_signature(ctx: Context) -> None:
    practice(ctx)
    reader = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)
    credit = cancel.cancel_invoice(ctx, securing.secure(ctx, priced(ctx), "synchronise", reader).id, reader)
    with ctx.db.transaction() as session:  # a forged credit note: other amounts
        session.execute(sa.update(Invoice).where(Invoice.id == credit.id).values(total=Decimal("-1.00")))
    tampered = verification.verify_invoice(ctx, credit.id)
    assert not tampered.ok and tampered.problems == ("total modifié en base (signé -23,00, trouvé -1,00).",)
    with ctx.db.transaction() as session:  # or no signature at all, as the credit notes of before
        session.execute(sa.delete(InvoiceSignature).where(InvoiceSignature.invoice_id == credit.id))
    unsigned = verification.verify_invoice(ctx, credit.id)
    assert not unsigned.ok and unsigned.problems[0] == (
        f"avoir de la facture n° {credit.credit_of} sans signature : un avoir est signé par la CPS du professionnel "
        "qui facture.")
    assert any(p.startswith("signature ") and "supprimé(e) en base" in p for p in unsigned.problems)  # the journal


def signed_bytes(ctx: Context, invoice: int) -> bytes:
    with ctx.db.read() as session:
        return sealing.signed_bytes(session, state.load(session, invoice), "secured")


def audit_data(ctx: Context, action: str) -> list[dict[str, object]]:
    with ctx.db.read() as session:
        return [json.loads(data) for data in session.scalars(
            sa.select(AuditEntry.data).where(AuditEntry.action == action).order_by(AuditEntry.id))]


def test_professional_with_invoices_cannot_be_deleted(ctx: Context) -> None:
    setup = practice(ctx)
    drafts.create_draft(ctx, consultation())
    with pytest.raises(ConflictError) as caught:
        professionals.delete_professional(ctx, setup.medecin)
    assert "facture(s) en attente" in caught.value.message

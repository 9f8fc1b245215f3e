"""``queries.details``: what an invoice's page shows (names, lots, history) and which actions its state allows;
``payments.pay`` reports a bad means and a bad amount at once."""

from __future__ import annotations

import pytest

from feuille.auth import Context
from feuille.billing import cancel, payments, queries
from feuille.errors import ValidationError
from tests.billing.support import CPS_MEDECIN, FakeReader, practice
from tests.billing.test_care_sheet import secured
from tests.billing.test_securing import priced


def test_a_priced_invoice_may_be_deleted_and_paid_not_cancelled(ctx: Context) -> None:
    practice(ctx)
    found = queries.details(ctx, priced(ctx))
    assert (found.can_delete, found.can_cancel, found.can_pay, found.can_attach, found.degraded) == (
        True, False, True, True, False)
    assert found.invoice.patient == "Essai Alain" and found.invoice.professional.startswith("MEDECIN0043390 ")
    assert [entry.label for entry in found.history] == ["création", "contrôle des taux"]
    assert found.lots == [] and found.credit_note_id is None


def test_a_secured_invoice_is_cancelled_not_deleted_and_its_credit_note_is_linked(ctx: Context) -> None:
    practice(ctx)
    invoice = secured(ctx, "degrade")
    found = queries.details(ctx, invoice)
    assert (found.can_delete, found.can_cancel, found.can_finalise, found.degraded) == (False, True, False, True)
    credit = cancel.cancel_invoice(ctx, invoice, FakeReader().insert(CPS_MEDECIN))
    after = queries.details(ctx, invoice)
    assert after.credit_note_id == credit.id and not (after.can_cancel or after.can_pay or after.degraded)
    assert after.history[-1].label == "annulation par un avoir"
    of_credit = queries.details(ctx, credit.id)
    assert not (of_credit.can_cancel or of_credit.can_delete or of_credit.can_pay)


def test_a_bad_means_and_a_bad_amount_are_reported_together(ctx: Context) -> None:
    practice(ctx)
    invoice = priced(ctx)
    with pytest.raises(ValidationError) as caught:
        payments.pay(ctx, invoice, "troc", "0")
    assert [p.field for p in caught.value.problems] == ["means", "amount"]
    with pytest.raises(ValidationError) as one:
        payments.pay(ctx, invoice, "cb", "abc")
    assert one.value.field == "amount" and len(one.value.problems) == 1


def test_the_lot_of_a_secured_invoice_is_named_with_its_state(ctx: Context) -> None:
    from feuille.transmission import lotting

    practice(ctx)
    invoice = secured(ctx, "synchronise")
    lotting.put_in_lots(ctx)
    [lot] = queries.details(ctx, invoice).lots
    assert (lot.kind, lot.state, lot.state_label, lot.live) == ("FSE", "mis_en_lot", "Mis en Lot", True)
    assert [entry.label for entry in queries.details(ctx, invoice).history][-1] == "mise en lot"

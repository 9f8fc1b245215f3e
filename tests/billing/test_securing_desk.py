"""Securing with the cards read at the desk by a page (the three steps driven from outside): what the screen
offers, the final signature prepared from the CPS as read, a preparation committed or released only for its
invoice and by the role its step needs."""

from __future__ import annotations

import pytest

from feuille.auth import Context, Role
from feuille.billing import securing, signing, verification
from feuille.billing.views import InvoiceView
from feuille.domain.invoices import SecureMode
from feuille.errors import NotFoundError, PermissionDeniedError, ValidationError
from tests.billing.support import CPE_SECRETAIRE, CPS_FIRMIER, CPS_MEDECIN, VITALE_ESSAI, FakeReader, practice
from tests.billing.test_securing import priced, signatures
from tests.conftest import context_as


def test_the_screen_offers_what_the_rules_allow(ctx: Context) -> None:
    practice(ctx)
    invoice = priced(ctx)
    options = securing.desk_options(ctx, invoice)
    assert options.modes == tuple(SecureMode) and not options.final_due and options.refusal is None
    assert options.needs_vitale() == ["synchronise", "desynchronise"]
    securing.secure(ctx, invoice, "desynchronise", FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI))
    options = securing.desk_options(ctx, invoice)
    assert options.final_due and options.modes == ()
    securing.finalise(ctx, invoice, FakeReader().insert(CPS_MEDECIN))
    options = securing.desk_options(ctx, invoice)
    assert not options.final_due and options.modes == () and "ne se sécurise plus" in (options.refusal or "")


def test_final_signature_prepared_from_the_cps_as_read(ctx: Context) -> None:
    practice(ctx)
    invoice = priced(ctx)
    securing.secure(ctx, invoice, "desynchronise", FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI))
    secretary = context_as(ctx.db, Role.SECRETAIRE, "sec")
    desk = FakeReader().insert(CPS_MEDECIN)
    card = desk.professional_card()
    assert card is not None
    with pytest.raises(PermissionDeniedError):
        securing.prepare_final(secretary, invoice, card)
    other = FakeReader().insert(CPS_FIRMIER).professional_card()
    assert other is not None
    with pytest.raises(PermissionDeniedError) as caught:
        securing.prepare_final(ctx, invoice, other)
    assert caught.value.code == "wrong_cps"
    prepared = securing.prepare_final(ctx, invoice, card)
    assert isinstance(prepared, signing.Prepared) and prepared.vitale_serial is None and prepared.number == 1
    with pytest.raises(NotFoundError):  # another invoice's address
        signing.commit_for(ctx, invoice + 1, prepared.id, desk.sign("CPS-MED", prepared.data))
    with pytest.raises(PermissionDeniedError):  # the final step is not the secretary's
        signing.commit_for(secretary, invoice, prepared.id, desk.sign("CPS-MED", prepared.data))
    view = signing.commit_for(ctx, invoice, prepared.id, desk.sign("CPS-MED", prepared.data))
    assert view.state == "secured" and view.number == 1
    assert signatures(ctx, invoice) == [("first", "CPE-SEC"), ("vitale", "VIT-ESSAI"), ("final", "CPS-MED")]
    assert verification.verify_invoice(ctx, invoice).ok
    again = securing.prepare_final(ctx, invoice, card)
    assert isinstance(again, InvoiceView) and again == view  # final already: nothing prepared


def test_a_release_for_its_invoice_records_the_cards_reason(ctx: Context) -> None:
    practice(ctx)
    invoice = priced(ctx)
    desk = FakeReader().insert(CPS_MEDECIN)
    prepared = securing.prepare(ctx, invoice, "degrade", securing.Cards(desk.professional_card(), None))  # type: ignore[arg-type]
    assert isinstance(prepared, signing.Prepared)
    with pytest.raises(NotFoundError):
        signing.release_for(ctx, invoice + 1, prepared.id, "x")
    signing.release_for(ctx, invoice, prepared.id, "  Code porteur\nnon vérifié " + "x" * 300)
    [unused] = signing.unused_numbers(ctx)
    assert unused.number == 1 and unused.reason.startswith("carte : Code porteur non vérifié x")
    assert len(unused.reason) == len("carte : ") + 200


def test_a_preparation_number_out_of_range_is_refused_in_french(ctx: Context) -> None:
    for junk in (0, 10**30):
        with pytest.raises(ValidationError) as caught:
            signing.release_for(ctx, 1, junk, "x")
        assert caught.value.field == "preparation" and caught.value.message.startswith("Signature préparée")

"""A credit note signed at the desk through the card agent: the server prepares it from the CPS the agent read
(``cancel.prepare_credit_note``), the card signs with no server involved, the server commits (``cancel.commit_for``)
or releases (``cancel.release_for``) — each step naming the cancelled invoice, as a page does."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from feuille.auth import Context, Role
from feuille.billing import cancel, fse, queries, securing, signing, verification
from feuille.billing.views import InvoiceView
from feuille.cards.port import ProfessionalCardData
from feuille.errors import ConflictError, NotFoundError, PermissionDeniedError, StateError
from feuille.storage.models import Invoice
from tests.billing.support import CPE_SECRETAIRE, CPS_MEDECIN, VITALE_ESSAI, FakeReader, practice
from tests.billing.test_securing import priced
from tests.conftest import context_as


def secured(ctx: Context) -> int:
    return securing.secure(ctx, priced(ctx), "synchronise", FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)).id


def card(data: ProfessionalCardData) -> ProfessionalCardData:
    """The card as the desk's agent reads it (with its certificate)."""
    read = FakeReader().insert(data).professional_card()
    assert read is not None
    return read


def prepared_for(ctx: Context, invoice: int, reader: FakeReader) -> signing.Prepared:
    card = reader.professional_card()
    assert card is not None
    prepared = cancel.prepare_credit_note(ctx, invoice, card)
    assert isinstance(prepared, signing.Prepared)
    return prepared


def credit_notes(ctx: Context) -> list[tuple[int | None, str, int | None]]:
    with ctx.db.read() as session:
        return [(r.credit_of, r.state, r.number) for r in session.scalars(
            sa.select(Invoice).where(Invoice.credit_of.is_not(None)).order_by(Invoice.id))]


def test_prepared_at_the_desk_signed_by_the_agent_then_committed(ctx: Context) -> None:
    practice(ctx)
    invoice = secured(ctx)
    desk = FakeReader().insert(CPS_MEDECIN)
    prepared = prepared_for(ctx, invoice, desk)
    assert (prepared.number, prepared.card_serial, prepared.vitale_serial) == (2, "CPS-MED", None)
    assert fse.split_message(prepared.data) is None  # a credit note signs its JSON alone (format /2)
    signed = json.loads(prepared.data)
    assert (signed["format"], signed["state"]) == ("feuille-facture/2", "secured")
    assert signed["invoice"]["credit_of"] == invoice and signed["invoice"]["number"] == 2
    assert credit_notes(ctx) == [(invoice, "draft", None)] and queries.show(ctx, invoice).state == "secured"
    signature = desk.sign(prepared.card_serial, prepared.data)
    credit = cancel.commit_for(ctx, invoice, prepared.id, signature)
    assert (credit.credit_of, credit.state, credit.number) == (invoice, "secured", 2)
    assert queries.show(ctx, invoice).state == "cancelled"
    assert cancel.commit_for(ctx, invoice, prepared.id, signature) == credit  # repeated: the same answer
    again = cancel.prepare_credit_note(ctx, invoice, card(CPS_MEDECIN))
    assert isinstance(again, InvoiceView) and again == credit  # cancelled already: nothing prepared
    assert verification.verify_invoice(ctx, credit.id).ok and verification.verify_invoice(ctx, invoice).ok
    assert signing.unused_numbers(ctx) == []


def test_the_cli_and_the_desk_prepare_the_same_credit_note(ctx: Context) -> None:
    """One preparation: the command line's cancellation signs exactly the bytes the desk's would."""
    practice(ctx)
    first, second = secured(ctx), secured(ctx)
    desk = FakeReader().insert(CPS_MEDECIN)
    at_desk = prepared_for(ctx, first, desk)
    cli_reader = FakeReader().insert(CPS_MEDECIN)
    by_cli = cancel.cancel_invoice(ctx, second, cli_reader)
    assert by_cli.number == 4
    desk_json, cli_json = json.loads(at_desk.data), json.loads(cli_reader.signed[-1])
    assert (desk_json["invoice"]["credit_of"], cli_json["invoice"]["credit_of"]) == (first, second)
    same = {"format", "state"}
    assert {k: desk_json[k] for k in same} == {k: cli_json[k] for k in same}
    assert sorted(desk_json["invoice"]) == sorted(cli_json["invoice"])
    assert desk_json["invoice"]["total"] == cli_json["invoice"]["total"]


def test_a_forged_signature_is_refused_and_the_number_recorded_unused(ctx: Context) -> None:
    practice(ctx)
    invoice = secured(ctx)
    desk = FakeReader().insert(CPS_MEDECIN)
    prepared = prepared_for(ctx, invoice, desk)
    forged = desk.sign(prepared.card_serial, b"un autre avoir")
    with pytest.raises(ConflictError) as caught:
        cancel.commit_for(ctx, invoice, prepared.id, forged)
    assert caught.value.code == "signing_released" and "ne se vérifie pas" in caught.value.message
    assert queries.show(ctx, invoice).state == "secured" and credit_notes(ctx) == [(invoice, "draft", None)]
    assert [(u.number, u.reason[:24]) for u in signing.unused_numbers(ctx)] == [(2, "la signature de la carte")]
    with pytest.raises(ConflictError):  # released: the right signature, too late
        cancel.commit_for(ctx, invoice, prepared.id, desk.sign(prepared.card_serial, prepared.data))
    again = prepared_for(ctx, invoice, desk)  # the draft credit note taken up, a new number
    assert again.number == 3
    credit = cancel.commit_for(ctx, invoice, again.id, desk.sign(again.card_serial, again.data))
    assert credit.number == 3 and verification.verify_invoice(ctx, credit.id).ok


def test_a_card_refusal_at_the_desk_releases_the_preparation(ctx: Context) -> None:
    practice(ctx)
    invoice = secured(ctx)
    prepared = prepared_for(ctx, invoice, FakeReader().insert(CPS_MEDECIN))
    cancel.release_for(ctx, invoice, prepared.id, "Code porteur   non vérifié.")
    assert [(u.number, u.reason) for u in signing.unused_numbers(ctx)] == [(2, "carte : Code porteur non vérifié.")]
    assert queries.show(ctx, invoice).state == "secured"


def test_a_secretary_prepares_commits_and_releases_nothing(ctx: Context) -> None:
    practice(ctx)
    invoice = secured(ctx)
    secretary = context_as(ctx.db, Role.SECRETAIRE, "sec")
    with pytest.raises(PermissionDeniedError):
        cancel.prepare_credit_note(secretary, invoice, card(CPS_MEDECIN))
    assert credit_notes(ctx) == [] and signing.unused_numbers(ctx) == []
    desk = FakeReader().insert(CPS_MEDECIN)
    prepared = prepared_for(ctx, invoice, desk)
    with pytest.raises(PermissionDeniedError):
        cancel.commit_for(secretary, invoice, prepared.id, desk.sign(prepared.card_serial, prepared.data))
    with pytest.raises(PermissionDeniedError):
        cancel.release_for(secretary, invoice, prepared.id, "non")
    assert queries.show(ctx, invoice).state == "secured" and signing.unused_numbers(ctx) == []
    assert cancel.commit_for(ctx, invoice, prepared.id, desk.sign(prepared.card_serial, prepared.data)).number == 2


def test_the_card_and_the_preparation_must_be_the_right_ones(ctx: Context) -> None:
    practice(ctx)
    invoice, other = secured(ctx), secured(ctx)
    with pytest.raises(PermissionDeniedError) as cpe:
        cancel.prepare_credit_note(ctx, invoice, card(CPE_SECRETAIRE))
    assert cpe.value.code == "cpe_final_signature" and credit_notes(ctx) == []
    with pytest.raises(StateError):  # unsigned: deleted, not cancelled
        cancel.prepare_credit_note(ctx, priced(ctx), card(CPS_MEDECIN))
    desk = FakeReader().insert(CPS_MEDECIN)
    with pytest.raises(NotFoundError) as none:  # nothing prepared for this invoice yet
        cancel.commit_for(ctx, other, 1, desk.sign("CPS-MED", b"M"))
    assert none.value.field == "preparation"
    prepared = prepared_for(ctx, invoice, desk)
    prepared_for(ctx, other, desk)
    with pytest.raises(NotFoundError):  # the other invoice's credit note is not this preparation's
        cancel.commit_for(ctx, other, prepared.id, desk.sign(prepared.card_serial, prepared.data))
    assert queries.show(ctx, invoice).state == "secured" and queries.show(ctx, other).state == "secured"

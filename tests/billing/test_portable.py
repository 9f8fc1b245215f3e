"""The portable reader: load invoices of several professionals for the same patient, list them by Vitale card,
sign a selection on the reader (desynchronised first signature), recap, unload; the desk guard; the warning."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from feuille.auth import Context, Role, actor_for
from feuille.billing import cancel, drafts, portable, rate_check, securing, stays
from feuille.cards.virtual import VirtualCardReader
from feuille.config import get_settings
from feuille.errors import ConflictError, StateError, ValidationError
from feuille.storage import Database
from feuille.storage.models import Invoice, InvoiceNumberCounter, InvoiceSignature, PortableLoad
from tests.billing.support import CPS_MEDECIN, VITALE_ESSAI, FakeReader, consultation, nurse_care, practice
from tests.billing.test_drafts import actions, count
from tests.conftest import context_as, fixed_clock

ESSAI_CARD_NIR = "1421962965165 96"


def priced(ctx: Context, doc: dict[str, Any]) -> int:
    return rate_check.check_rates(ctx, drafts.create_draft(ctx, doc).id).id


def state_of(ctx: Context, invoice: int) -> str:
    with ctx.db.read() as session:
        return str(session.scalar(sa.select(Invoice.state).where(Invoice.id == invoice)))


def signatures(ctx: Context, invoice: int) -> list[tuple[str, str, str | None]]:
    with ctx.db.read() as session:
        rows = session.scalars(sa.select(InvoiceSignature).where(InvoiceSignature.invoice_id == invoice)
                               .order_by(InvoiceSignature.id))
        return [(r.step, r.card_serial, r.vitale_serial) for r in rows]


def two_professionals(ctx: Context) -> tuple[int, int, int]:
    """Three priced invoices for Essai: two by the GP, one by the nurse."""
    practice(ctx)
    return priced(ctx, consultation()), priced(ctx, nurse_care()), priced(ctx, consultation(date="2025-01-15"))


def test_load_list_sign_recap_unload_with_the_virtual_cards(ctx: Context, reader: VirtualCardReader) -> None:
    gp, nurse, later = two_professionals(ctx)
    first = portable.load(ctx, [gp], same_patients=True)  # the other professional's invoices for the same patient
    assert [i.id for i in first.loaded] == [gp, nurse, later] and first.already == []
    assert {i.billing_number for i in first.loaded} == {"001033901", "996102182"}
    again = portable.load(ctx, [gp, nurse])
    assert again.loaded == [] and [i.id for i in again.already] == [gp, nurse]
    assert actions(ctx).count("invoice.portable_load") == 3

    reader.insert("vitale-desmaux")  # another insured person: only her invoice is listed
    desmaux = reader.vitale_card()
    assert desmaux is not None and portable.listing(ctx, insured_nir=desmaux.insured_nir) == []
    hers = priced(ctx, consultation(patient={"id": drafts.patient_from_vitale(ctx, reader, 1)}))
    portable.load(ctx, [hers])
    assert [i.id for i in portable.listing(ctx, insured_nir=desmaux.insured_nir)] == [hers]
    reader.insert("vitale-essai")
    essai = reader.vitale_card()
    assert essai is not None
    assert [i.id for i in portable.listing(ctx, insured_nir=essai.insured_nir)] == [gp, nurse, later]

    reader.insert("cps-firmier")  # one CPS at the patient's home signs for both professionals
    recap = portable.sign(ctx, reader, [gp, nurse, hers, 999], pin="1234")
    assert [line.id for line in recap.signed] == [gp, nurse]
    assert [(line.id, line.reason) for line in recap.not_signed] == [
        (hers, "elle n'est pas celle de l'assuré de la carte Vitale insérée (142196296516596)."),
        (999, "elle n'est pas sur le lecteur « portable »."),
    ]
    assert state_of(ctx, hers) == "priced"
    assert all(line.number is not None for line in recap.signed)
    assert signatures(ctx, gp) == [("first", "2501000001", "3001000001"), ("vitale", "3001000001", "3001000001")]
    assert state_of(ctx, gp) == state_of(ctx, nurse) == "partly_secured" and state_of(ctx, later) == "priced"

    repeat = portable.sign(ctx, reader, [gp])  # already signed: a no-op that says so
    assert [line.id for line in repeat.signed] == [gp] and len(signatures(ctx, gp)) == 2
    found = portable.reader_state(ctx)
    assert (found.loaded, found.signed, found.not_signed) == (4, 2, 2)
    assert found.insured == sorted(["142196296516596", desmaux.insured_nir.replace(" ", "")])

    back = portable.unload(ctx)
    assert [i.id for i in back.signed] == [gp, nurse] and [i.id for i in back.unchanged] == [later, hers]
    assert all(i.state_label == "à sécuriser" for i in back.signed)
    assert portable.unload(ctx).signed == [] and portable.listing(ctx) == []
    assert [actions(ctx).count(f"invoice.{a}") for a in ("portable_sign", "portable_unload", "sign_first")] == [
        2, 4, 2]

    reader.insert("cps-medecin")  # back at the desk: the final signature of each billing professional
    assert securing.finalise(ctx, gp, reader, pin="1234").state == "secured"
    reader.insert("cps-firmier")
    assert securing.finalise(ctx, nurse, reader, pin="1234").state == "secured"


def test_a_loaded_invoice_is_locked_at_the_desk(ctx: Context) -> None:
    practice(ctx)
    invoice = priced(ctx, consultation())
    with ctx.db.read() as session:
        before = session.scalar(sa.select(Invoice.version).where(Invoice.id == invoice))
    portable.load(ctx, [invoice], "sac-1")
    with ctx.db.read() as session:  # compare-and-set: a desk that read the invoice before must read it again
        assert session.scalar(sa.select(Invoice.version).where(Invoice.id == invoice)) == (before or 0) + 1
    desk = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)
    attempts: list[Callable[[], object]] = [
        lambda: drafts.update_draft(ctx, invoice, consultation(date="2025-01-13")),
        lambda: securing.secure(ctx, invoice, "synchronise", desk),
        lambda: securing.secure(ctx, invoice, "desynchronise", desk),
        lambda: cancel.delete_draft(ctx, invoice)]
    for attempt in attempts:
        with pytest.raises(StateError) as caught:
            attempt()
        assert caught.value.code == "invoice_on_reader"
        assert "lecteur portable « sac-1 »" in caught.value.message
    assert state_of(ctx, invoice) == "priced" and signatures(ctx, invoice) == []
    assert count(ctx, InvoiceNumberCounter) == 0  # the number drawn was rolled back
    with pytest.raises(ConflictError) as other:
        portable.load(ctx, [invoice], "sac-2")
    assert other.value.code == "invoice_on_other_reader"
    portable.unload(ctx, "sac-1")
    assert securing.secure(ctx, invoice, "synchronise", desk).state == "secured"
    with pytest.raises(StateError) as signed:
        portable.load(ctx, [invoice])
    assert signed.value.code == "invoice_not_loadable" and "sécurisée" in signed.value.message


def test_only_priced_invoices_are_loaded_all_or_nothing(ctx: Context) -> None:
    practice(ctx)
    ok = priced(ctx, consultation())
    draft = drafts.create_draft(ctx, consultation()).id
    with pytest.raises(StateError) as caught:
        portable.load(ctx, [ok, draft])
    assert caught.value.code == "invoice_not_loadable" and "brouillon" in caught.value.message
    assert count(ctx, PortableLoad) == 0 and "invoice.portable_load" not in actions(ctx)
    with pytest.raises(ValidationError):
        portable.load(ctx, [])
    with pytest.raises(ValidationError):
        portable.load(ctx, ["douze"])


def test_signing_refusals_and_the_recap_reasons(ctx: Context) -> None:
    practice(ctx)
    good, tampered = priced(ctx, consultation()), priced(ctx, consultation(date="2025-01-13"))
    portable.load(ctx, [good, tampered])
    with ctx.db.transaction() as session:  # input changed behind the services' back: the rate check is stale
        row = session.get(Invoice, tampered)
        assert row is not None
        doc = json.loads(row.document)
        doc["acts"] = [{"code": "G"}]
        row.document = json.dumps(doc)
    with pytest.raises(ValidationError) as no_vitale:
        portable.sign(ctx, FakeReader().insert(CPS_MEDECIN), every=True)
    assert no_vitale.value.code == "no_vitale"
    with pytest.raises(ValidationError) as wrong_pin:
        portable.sign(ctx, FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI, pin=None), every=True, pin="0000")
    assert wrong_pin.value.code == "wrong_pin"
    with pytest.raises(ValidationError) as nothing:
        portable.sign(ctx, FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI))
    assert nothing.value.code == "no_invoice"
    secretary = context_as(ctx.db, Role.SECRETAIRE, "sec")  # a secretary may make the first signature
    recap = portable.sign(secretary, FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI), every=True)
    assert [line.id for line in recap.signed] == [good]
    assert [line.id for line in recap.not_signed] == [tampered]
    assert "contrôle des taux" in (recap.not_signed[0].reason or "")
    listed = {i.id: i for i in portable.listing(ctx)}
    assert listed[good].signed and not listed[tampered].signed
    assert "contrôle des taux" in (listed[tampered].last_refusal or "")
    assert recap.to_json()["not_signed"][0]["id"] == tampered


def test_the_warning_lists_ten_pending_invoices_and_says_there_are_more(ctx: Context) -> None:
    practice(ctx)
    pending = [drafts.create_draft(ctx, consultation()).id for _ in range(12)]
    last = drafts.create_draft(ctx, consultation())
    listed = ", ".join(map(str, pending[:10]))
    assert f"Des factures en attente existent pour cette carte Vitale : n° {listed} et d'autres ; sécurisez-les " \
           "avant, ou poursuivez la nouvelle facture." in last.warnings
    assert portable.pending_for_vitale(ctx, ESSAI_CARD_NIR) == [*pending, last.id]   # the reader's list: all


def test_new_invoice_warns_of_pending_ones_for_the_vitale_card(ctx: Context) -> None:
    practice(ctx)
    first = drafts.create_draft(ctx, consultation())
    assert not any("en attente" in w for w in first.warnings)
    second = drafts.create_draft(ctx, nurse_care())
    assert f"Des factures en attente existent pour cette carte Vitale : n° {first.id} ; sécurisez-les avant, " \
           "ou poursuivez la nouvelle facture." in second.warnings
    assert portable.pending_for_vitale(ctx, ESSAI_CARD_NIR) == [first.id, second.id]
    rate_check.check_rates(ctx, first.id)
    securing.secure(ctx, first.id, "synchronise", FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI))
    assert portable.pending_for_vitale(ctx, ESSAI_CARD_NIR) == [second.id]
    assert portable.pending_for_vitale(ctx, "2550699999999 34") == []
    with pytest.raises(ValidationError):
        portable.pending_for_vitale(ctx, "123")


@pytest.mark.parametrize("junk", [None, "", "😴", object(), "x" * 41, "Sac 1", "-a", 12])
def test_reader_names_junk_is_refused(junk: object) -> None:
    with pytest.raises(ValidationError) as caught:
        portable.reader_name(junk)
    assert caught.value.field == "lecteur"


def test_reader_name_is_normalised() -> None:
    assert portable.reader_name(" Sac-1 ") == "sac-1"


def test_cli_load_list_sign_unload(card_cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from feuille.cli import portable as portable_cli
    from feuille.cli.app import app

    if not any(group.name == "lecteur" for group in app.registered_groups):
        portable_cli.register(app)  # until cli/app.py registers the group itself
    get_settings.cache_clear()  # the card directory comes from the environment the fixture set
    try:
        _cli_tour(card_cli, db_url)
    finally:
        get_settings.cache_clear()


def _cli_tour(card_cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    db = Database(db_url)
    try:
        ctx = Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)
        gp, nurse, _ = two_professionals(ctx)
    finally:
        db.dispose()
    loaded = card_cli("lecteur", "charger", str(gp), "--memes-patients", "--json")
    assert loaded.exit_code == 0, loaded.stderr
    assert len(json.loads(loaded.stdout)["loaded"]) == 3
    no_card = card_cli("lecteur", "liste")
    assert no_card.exit_code == 2 and "carte Vitale" in no_card.stderr
    assert card_cli("card", "insert", "vitale-essai").exit_code == 0
    listed = card_cli("lecteur", "liste", "--json")
    assert listed.exit_code == 0 and len(json.loads(listed.stdout)) == 3
    assert card_cli("card", "insert", "cpe-secretaire").exit_code == 0
    signed = card_cli("lecteur", "signer", str(gp), str(nurse), "--pin", "1234")
    assert signed.exit_code == 0, signed.stderr
    assert "signées : 2" in signed.stdout and "non signées : 0" in signed.stdout
    status = card_cli("lecteur", "etat", "--json")
    assert json.loads(status.stdout) | {"insured": []} == {"reader": "portable", "loaded": 3, "signed": 2,
                                                             "not_signed": 1, "insured": []}
    unloaded = card_cli("lecteur", "decharger")
    assert unloaded.exit_code == 0 and "2 facture(s) signée(s)" in unloaded.stdout
    assert "1 inchangée(s)" in unloaded.stdout
    bad = card_cli("lecteur", "etat", "--lecteur", "Sac 1")
    assert bad.exit_code == 2 and "lecteur" in bad.stderr


def test_an_invoice_unloaded_meanwhile_is_not_signed_on_the_reader(ctx: Context) -> None:
    practice(ctx)
    invoice = priced(ctx, consultation())
    portable.load(ctx, [invoice], "sac-1")
    portable.unload(ctx, "sac-1")  # by another desk, after the reader listed it
    with stays.signing_on("sac-1"), pytest.raises(StateError) as caught:
        securing.secure(ctx, invoice, "desynchronise", FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI))
    assert caught.value.code == "invoice_not_on_reader" and state_of(ctx, invoice) == "priced"


def test_a_corsican_vitale_nir_is_read_by_the_one_nir_validator(ctx: Context) -> None:
    # 2B in the department: python-stdnum's NIR (domain/identifiers.py) accepts it; the reader used to refuse it.
    assert portable.pending_for_vitale(ctx, "2 53 07 2B 073 004 70") == []
    assert portable.listing(ctx, insured_nir="253072B07300470") == []
    with pytest.raises(ValidationError) as caught:
        portable.pending_for_vitale(ctx, "25307")
    assert caught.value.field == "carte_vitale"

"""create_draft / update_draft with the insurance details and specifics: the amounts they lead to, the refusals
(French, naming the field, nothing written), the anonymous minor (fictitious NIR, SESAM sans Vitale forced), the
AMC conventions and the prescription's photo (stored in the draft's transaction, retrievable)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import sqlalchemy as sa

from feuille.auth import Context
from feuille.billing import attachments, drafts, portable, rate_check, securing, state
from feuille.billing import specifics as sp
from feuille.domain.identifiers import nir_key
from feuille.errors import FeuilleError, NotFoundError, StateError, ValidationError
from feuille.practice import amc_contracts, favourites, patients
from feuille.storage.models import AuditEntry, Invoice, InvoiceAttachment
from tests.billing.support import CPS_MEDECIN, PIN, FakeReader, consultation, nurse_care, practice
from tests.billing.test_drafts import count

PNG = b"\x89PNG\r\n\x1a\n" + b"photo de l'ordonnance" * 10
PHOTO = {"base64": base64.b64encode(PNG).decode("ascii"), "media_type": "image/png", "filename": "ordo.png"}
VICTIM = {"victime_attentat": True, "attestation_attentat": True}
GIRL_NIR = "2100575123456"  # a minor's own NIR (born 05/2010), key computed below


def row_of(ctx: Context, invoice: int) -> Invoice:
    with ctx.db.read() as session:
        row = session.get(Invoice, invoice)
        assert row is not None
        session.expunge(row)
        return row


def minor(ctx: Context, **changes: Any) -> int:
    """A 14-year-old girl, child of the insured Essai (CPAM 349)."""
    data = {"last_name": "JEUNE", "first_name": "Lou", "birth_date": "01/05/2010", "quality": "6", "rank": 2,
            "insured_nir": "1421962965165 96", "amo_regime": "01", "amo_caisse": "349", "amo_centre": "9881"}
    data.update(changes)
    return patients.create_patient(ctx, data).id


# --- amounts ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "amo", "nature"), [
    ({}, "16.10", "maladie"),
    ({"specifics": VICTIM}, "23.00", "maladie"),
    ({"specifics": {"sante_sexuelle": True}}, "23.00", "maladie"),
    ({"specifics": {"prevention_commune": {"programme": "DEPIST"}}}, "23.00", "prevention"),
    ({"ald": {"forced": True}}, "23.00", "maladie"),
    ({"exoneration_justification": "3"}, "23.00", "maladie"),
    ({"exoneration_justification": "aucune"}, "16.10", "maladie"),
    # C2S is a complementary (issue 9): the AMO pays its normal 70 %, the C2S the rest in the AMC column.
    ({"specifics": {"service_amo": {"code": "C2S", "start": "2025-01-01", "end": "2025-12-31"}}}, "16.10",
     "maladie"),
    ({"specifics": {"service_amo": {"code": "AME", "start": "2025-01-01", "end": "2025-12-31"}}}, "16.10",
     "maladie"),
    ({"accident": {"common_law_accident": True, "date": "2025-01-10"}}, "16.10", "maladie"),
    ({"coverage": {"nature": "at"}, "accident_work": {"identifier": "020105342", "code": "01",
                                                      "organism": "013499881", "date": "2023-03-07"}}, "23.00", "at"),
])
def test_each_specific_prices_as_documented(ctx: Context, changes: dict[str, Any], amo: str, nature: str) -> None:
    practice(ctx)
    view = drafts.create_draft(ctx, consultation(**changes))
    assert view.totals["total"] == "23.00" and view.totals["amo"] == amo and view.nature == nature
    stored = dict(state.document(row_of(ctx, view.id)).content)
    for key, value in changes.items():
        assert stored[key] == value  # kept as typed; the mapping is derived at each pricing
    checked = rate_check.check_rates(ctx, view.id)  # priced again from the stored input: the same amounts
    assert checked.totals == view.totals and checked.warnings == view.warnings


def test_warnings_of_the_chosen_mappings(ctx: Context) -> None:
    practice(ctx)
    view = drafts.create_draft(ctx, consultation(specifics={**VICTIM, "service_amo": {
        "code": "AME", "start": "2025-01-01", "end": "2025-12-31"}}))
    assert any("victime d'attentat" in w for w in view.warnings) and any("AME" in w for w in view.warnings)


def test_exoneration_per_act_and_grouping(ctx: Context) -> None:
    practice(ctx)
    with pytest.raises(ValidationError) as caught:
        drafts.create_draft(ctx, consultation(acts=[{"code": "C", "exoneration": "5"}, {"code": "C"}],
                                              specifics={"exoneration_per_act": True}))
    assert caught.value.field == "acts[1].exoneration"
    view = drafts.create_draft(ctx, consultation(acts=[{"code": "C", "exoneration": "5"},
                                                       {"code": "C", "exoneration": "0"}],
                                                 specifics={"exoneration_per_act": True}))
    assert [str(line.amo) for line in view.lines] == ["23.00", "16.10"]
    assert [line.exoneration for line in view.lines] == ["5", "0"]
    grouped = drafts.create_draft(ctx, consultation(acts=[{"code": "C"}, {"code": "C"}],
                                                    specifics={"group_identical": True}))
    assert len(grouped.lines) == 1 and grouped.totals["total"] == "46.00"


def test_exoneration_typed_once_for_a_favourite(ctx: Context) -> None:
    setup = practice(ctx)
    fav = favourites.create_favourite(ctx, setup.medecin, "Visite", [{"code": "V", "indemnity": "MD"}])
    view = drafts.create_draft(ctx, consultation(acts=[{"favourite": fav, "exoneration": "5"}],
                                                 specifics={"exoneration_per_act": True}))
    assert [(line.code, line.exoneration, str(line.amo)) for line in view.lines] == [
        ("V", "5", "23.00"), ("MD", "5", "10.00")]


# --- refusals -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "field"), [
    ({"specifics": {"victime_attentat": True}}, "specifics.attestation_attentat"),
    ({"ald": {"related": True}}, "ald.forced"),
    ({"exoneration_justification": "4"}, "exoneration_justification"),
    ({"specifics": {"sante_sexuelle": {"anonymous_minor": True}}}, "specifics.sante_sexuelle.anonymous_minor"),
    ({"specifics": {"amc_convention": "AL"}}, "specifics.amc_convention"),
    ({"accident": {"common_law_accident": True, "date": "2025-02-01"}}, "accident.date"),
    ({"coverage": {"nature": "at"}, "accident_work": {"organism": "0134"}}, "accident_work.organism"),
    ({"specifics": {"service_amo": {"code": "C2S", "start": "2025-01-15", "end": "2025-12-31"}}},
     "specifics.service_amo.start"),
    ({"prescription": {"date": "2025-01-10", "prescriber": {"last_name": "TOUBIB", "number": "991000696"},
                       "photo": {"base64": "pas du base64 !", "media_type": "image/png"}}},
     "prescription.photo.base64"),
    ({"prescription": {"date": "2025-01-10", "prescriber": {"last_name": "TOUBIB", "number": "991000696"},
                       "photo": {**PHOTO, "media_type": "image/jpeg"}}}, "prescription.photo.media_type"),
    ({"prescription": {"date": "2025-01-10", "prescriber": {"last_name": "TOUBIB", "number": "991000696"},
                       "photo": {"base64": base64.b64encode(b"GIF89a").decode(), "media_type": "image/gif"}}},
     "prescription.photo.base64"),
    ({"prescription": {"date": "2025-01-10", "prescriber": {"last_name": "TOUBIB", "number": "991000696"},
                       "photo": {"path": "ordo.png"}}}, "prescription.photo.path"),
    ({"prescription": {"date": "2025-01-10", "prescriber": {"last_name": "TOUBIB", "number": "991000696"},
                       "photo": {"sha256": "ab" * 32}}}, "prescription.photo.base64"),
])
def test_refusals_write_nothing(ctx: Context, changes: dict[str, Any], field: str) -> None:
    practice(ctx)
    before = count(ctx, AuditEntry)
    with pytest.raises(FeuilleError) as caught:
        drafts.create_draft(ctx, consultation(**changes))
    assert caught.value.field == field, caught.value.message
    assert count(ctx, Invoice) == 0 and count(ctx, InvoiceAttachment) == 0 and count(ctx, AuditEntry) == before


def test_ald_of_the_patient(ctx: Context) -> None:
    practice(ctx)
    ill = patients.create_patient(ctx, {"last_name": "MALADE", "birth_date": "01/01/1960", "ald": True})
    related = drafts.create_draft(ctx, consultation(patient={"id": ill.id}, ald={"related": True}))
    assert related.totals["amo"] == "23.00"
    unrelated = drafts.create_draft(ctx, consultation(patient={"id": ill.id}, ald={"related": False}))
    assert unrelated.totals["amo"] == "16.10"
    exo4 = drafts.create_draft(ctx, consultation(patient={"id": ill.id}, exoneration_justification="4",
                                                 ald=False))
    assert exo4.totals["amo"] == "16.10"  # exoneration 4 on care unrelated to the ALD: the usual rate


# --- the anonymous minor ------------------------------------------------------------------------------------------

def test_anonymous_minor_gets_the_fictitious_nir_and_only_sesam_sans_vitale(ctx: Context) -> None:
    practice(ctx)
    girl = minor(ctx)
    with pytest.raises(ValidationError) as caught:  # her own NIR is unknown: her sex must be given
        drafts.create_draft(ctx, consultation(patient={"id": girl},
                                              specifics={"sante_sexuelle": {"anonymous_minor": True}}))
    assert caught.value.field == "specifics.sante_sexuelle.sex"
    view = drafts.create_draft(ctx, consultation(patient={"id": girl}, payer={"tp_amo": True},
                                                 specifics={"sante_sexuelle": {"anonymous_minor": True, "sex": 2}}))
    row = row_of(ctx, view.id)
    assert row.patient_nir == sp.fictitious_nir("2", "349") == "2555555349042" + nir_key("2555555349042")
    assert row.patient_rank == 1 and row.patient_id == girl
    assert view.totals["amo"] == "23.00" and any("NIR fictif" in w for w in view.warnings)
    rate_check.check_rates(ctx, view.id)
    with pytest.raises(StateError) as not_loadable:  # no Vitale card may sign it: it stays at the desk
        portable.load(ctx, [view.id])
    assert not_loadable.value.code == "invoice_not_loadable" and "sans Vitale" in not_loadable.value.message
    reader = FakeReader().insert(CPS_MEDECIN)
    for mode in ("degrade", "synchronise", "desynchronise"):
        with pytest.raises(ValidationError) as refused:
            securing.secure(ctx, view.id, mode, reader, PIN)
        assert refused.value.field == "mode" and "SESAM sans Vitale" in refused.value.message
    secured = securing.secure(ctx, view.id, "sans-vitale", reader, PIN)
    assert secured.state == "secured" and secured.secure_mode and secured.secure_mode.startswith("sans-vitale")
    assert b"2555555349042" in reader.signed[0] and b"142196296516596" not in reader.signed[0]


def test_anonymous_minor_sex_from_her_own_nir_and_caisse_typed(ctx: Context) -> None:
    practice(ctx)
    girl = minor(ctx, beneficiary_nir=GIRL_NIR + nir_key(GIRL_NIR), amo_caisse=None, amo_regime=None,
                 amo_centre=None)
    anonymous = {"sante_sexuelle": {"anonymous_minor": True}}
    with pytest.raises(ValidationError) as caught:
        drafts.create_draft(ctx, consultation(patient={"id": girl}, specifics=anonymous))
    assert caught.value.field == "specifics.sante_sexuelle.caisse"
    view = drafts.create_draft(ctx, consultation(patient={"id": girl}, specifics={
        "sante_sexuelle": {"anonymous_minor": True, "caisse": "999"}}))
    assert row_of(ctx, view.id).patient_nir == sp.fictitious_nir("2", "999")
    adult = drafts.create_draft(ctx, consultation(specifics={"sante_sexuelle": True}))  # not anonymous: real NIR
    assert row_of(ctx, adult.id).patient_nir == "142196296516596"


# --- AMC conventions ----------------------------------------------------------------------------------------------

def test_amc_convention_choice_among_several(ctx: Context) -> None:
    setup = practice(ctx)
    first = amc_contracts.add_amc_contract(ctx, setup.patient, {
        "amc_name": "ALMERYS", "amc_number": "0098532001", "formula": "052", "convention_type": "AL",
        "secondary_criterion": "001"})
    amc_contracts.add_amc_contract(ctx, setup.patient, {
        "amc_name": "ALMERYS", "amc_number": "0098532001", "formula": "052", "convention_type": "AL",
        "secondary_criterion": "002"})
    payer = {"amc_contract": first, "tp_amo": True, "tp_amc": True}
    for choice, why in ((None, "plusieurs conventions"), ("AL", "critère secondaire"), ("ZZ", "AL / 001, AL / 002")):
        with pytest.raises(ValidationError) as caught:
            drafts.create_draft(ctx, consultation(payer=payer, specifics={"amc_convention": choice}))
        assert caught.value.field == "specifics.amc_convention" and why in caught.value.message
    view = drafts.create_draft(ctx, consultation(payer=payer, specifics={"amc_convention": {
        "type": "al", "criterion": "002"}}))
    assert view.totals["amc"] == "6.90"
    assert [c.label() for c in drafts_conventions(ctx, first)] == ["AL / 001", "AL / 002"]


def drafts_conventions(ctx: Context, contract: int) -> list[sp.Convention]:
    from feuille.billing import amc_transmission

    return amc_transmission.list_conventions(ctx, contract)


def test_one_convention_needs_no_choice(ctx: Context) -> None:
    setup = practice(ctx)
    contract = amc_contracts.add_amc_contract(ctx, setup.patient, {
        "amc_name": "ALMERYS", "amc_number": "0098532001", "formula": "052", "convention_type": "AL"})
    payer = {"amc_contract": contract}
    assert drafts.create_draft(ctx, consultation(payer=payer)).totals["amc"] == "6.90"
    assert drafts.create_draft(ctx, consultation(payer=payer, specifics={"amc_convention": "AL"})).id


# --- the prescription's photo -------------------------------------------------------------------------------------

def test_photo_is_stored_with_the_draft_and_retrievable(ctx: Context) -> None:
    practice(ctx)
    doc = nurse_care()
    doc["prescription"]["photo"] = PHOTO
    view = drafts.create_draft(ctx, doc)
    assert [(a["kind"], a["filename"], a["media_type"]) for a in view.attachments] == [
        ("ordonnance", "ordo.png", "image/png")]
    stored = attachments.get_attachment(ctx, view.id, view.attachments[0]["id"])
    assert stored.content == PNG and stored.kind == "ordonnance"
    kept = dict(state.document(row_of(ctx, view.id)).content)["prescription"]["photo"]
    assert set(kept) == {"filename", "media_type", "sha256"}  # the bytes are in the attachment only
    assert "base64" not in json.dumps(dict(state.document(row_of(ctx, view.id)).content))
    again = drafts.update_draft(ctx, view.id, {**nurse_care(), "prescription": {**doc["prescription"],
                                                                                "photo": PHOTO}})
    assert len(again.attachments) == 1  # the same photo sent again is kept once
    stored_doc = dict(state.document(row_of(ctx, view.id)).content)
    assert len(drafts.update_draft(ctx, view.id, stored_doc).attachments) == 1  # the stored input, as is
    with pytest.raises(NotFoundError):
        attachments.get_attachment(ctx, view.id, 999)


def test_photo_not_kept_when_the_draft_is_refused(ctx: Context) -> None:
    practice(ctx)
    doc = nurse_care(acts=[{"code": "AMI", "coefficient": "x"}])
    doc["prescription"]["photo"] = PHOTO
    with pytest.raises(ValidationError):
        drafts.create_draft(ctx, doc)
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(InvoiceAttachment)) == 0


def test_acts_needing_entente_expands_favourites(ctx: Context) -> None:
    setup = practice(ctx)
    fav = favourites.create_favourite(ctx, setup.firmier, "Toilette", [{"code": "AIS", "coefficient": "3"}])
    needed = drafts.acts_needing_entente(ctx, {"professional": "996102182", "acts": [{"code": "AMI"},
                                                                                    {"favourite": fav}]})
    assert needed == ["AIS"]
    assert drafts.acts_needing_entente(ctx, {"acts": [{"code": "AIS"}]}) == []  # admin: no professional


def test_the_act_own_entente_box(ctx: Context) -> None:
    """« Soumis à entente préalable » ticked on an act the table does not flag: the entente is then required, the
    box never reaches the pricing, and a junk value names the act."""
    practice(ctx)
    ticked = [{"code": "C", "entente_prealable": True}]
    with pytest.raises(ValidationError) as missing:
        drafts.create_draft(ctx, consultation(acts=ticked))
    assert missing.value.code == "entente_prealable_missing" and "C" in missing.value.message
    assert count(ctx, Invoice) == 0
    plain = drafts.create_draft(ctx, consultation())
    view = drafts.create_draft(ctx, consultation(acts=ticked, entente_prealable={"code": "4", "date": "2025-01-10"}))
    assert view.totals == plain.totals and [line.code for line in view.lines] == ["C"]
    assert rate_check.check_rates(ctx, view.id).state == "priced"
    assert drafts.create_draft(ctx, consultation(acts=[{"code": "C", "entente_prealable": False}])).id
    with pytest.raises(ValidationError) as junk:
        drafts.create_draft(ctx, consultation(acts=[{"code": "C"}, {"code": "C", "entente_prealable": "oui"}]))
    assert junk.value.field == "acts[1].entente_prealable"

"""Patients: creation, bad input (no row written), duplicates, card patients, edit, delete, audit, search, bulk."""

from __future__ import annotations

from decimal import Decimal

import pytest

from feuille.auth import Context, Role
from feuille.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from feuille.practice import amc_contracts, organisms, patient_bulk, patients, prescribers, professionals
from tests.conftest import context_as
from tests.practice.test_organisms import audit_actions, count

ESSAI = {"last_name": "Essai", "first_name": "Alain", "birth_date": "01/01/1942", "insured_nir": "1421962965165 96",
         "amo_regime": "01", "amo_caisse": "349", "amo_centre": "9881"}
DESMAUX_CARD = {"last_name": "DESMAUX", "first_name": "NATHALIE", "birth_date": "15/06/1955",
                "insured_nir": "2550699999999 34", "amo_regime": "01", "amo_caisse": "999", "amo_centre": "9999",
                "address": "5, BD MARIE ET ALEXANDRE OYON", "postcode": "72019", "town": "LE MANS CEDEX 2",
                "periods": [{"kind": "droits_amo", "start": "01/02/2020", "end": "31/01/2025"}],
                "amc_contracts": [{"amc_name": "Mut. Test CNDA", "amc_number": "1100000000"}]}


def rows(ctx: Context) -> dict[str, int]:
    return {t: count(ctx.db, t) for t in ("patients", "patient_periods", "patient_work_accidents",
                                          "patient_amc_contracts", "audit_log")}


def test_create_full_patient(ctx: Context) -> None:
    amo = organisms.add_amo_organism(ctx, {"regime": "08", "caisse": "758", "centre": "0200",
                                           "name": "CNMSS Personnel"})
    saved = patients.create_patient(ctx, {
        "last_name": "Élise", "first_name": "Dupré", "birth_date": "00/00/1950", "lunar": True, "rank": "2",
        "quality": "6", "phone": "06 12 34 56 78", "phone2": "+33 1 23 45 67 89", "address": "1 rue de la Paix",
        "postcode": "75002", "town": "Paris", "ik": "12,5", "ikm": "3", "iks": "0",
        "insured_last_name": "Dupré", "insured_first_name": "Jean", "insured_nir": "1690366000409 52",
        "amo_organism_id": amo, "amo_proof": "carte_papier",
        "reimbursement_rate": "100_sauf_vignettes", "exoneration": "4", "ald": True, "alsace_moselle": True,
        "periods": [{"kind": "droits_amo", "start": "01/01/2025", "end": "31/12/2025"},
                    {"kind": "service_amo", "code": "C2S", "start": "01/01/2025", "end": "30/06/2025"}],
        "work_accidents": [{"date": "03/09/2002", "code": "A2", "organism": "023490000"}],
    })
    view = patients.get_patient(ctx, saved.id)
    assert view.birth_date == "00/00/1950" and view.lunar and view.rank == 2 and view.quality == "6"
    assert view.ik == Decimal("12.50") and view.phone == "0612345678" and view.amo_organism_id == amo
    assert (view.amo_regime, view.amo_caisse, view.amo_centre) == ("08", "758", "0200")
    assert view.periods[1]["code"] == "C2S" and view.work_accidents[0]["code"] == "A2"
    assert view.alsace_moselle and view.ald and view.source == "manual"
    assert audit_actions(ctx.db)[-1] == "patient.create"


@pytest.mark.parametrize(("change", "field"), [
    ({"insured_nir": "1421962965165 97"}, "insured_nir"),          # wrong key
    ({"last_name": ""}, "last_name"),                              # missing required field
    ({"birth_date": None}, "birth_date"),
    ({"birth_date": "30/02/2023"}, "birth_date"),                  # impossible date
    ({"birth_date": "01/01/2030"}, "birth_date"),                  # in the future (clock: 15/01/2025)
    ({"amo_organism_id": 999}, "amo_organism_id"),                 # unknown organism
    ({"amo_centre": None}, "amo_centre"),
    ({"amo_proof": "aucune"}, "reimbursement_rate"),
    ({"periods": [{"kind": "service_amo", "start": "01/01/2025"}]}, "periods[0].code"),
])
def test_bad_input_gives_a_french_error_and_writes_nothing(ctx: Context, change: dict[str, object],
                                                           field: str) -> None:
    before = rows(ctx)
    with pytest.raises((ValidationError, NotFoundError)) as caught:
        patients.create_patient(ctx, {**ESSAI, **change})
    assert caught.value.field == field and caught.value.exit_code != 0
    assert rows(ctx) == before


def test_amo_picked_and_typed_must_agree(ctx: Context) -> None:
    amo = organisms.add_amo_organism(ctx, {"regime": "02", "caisse": "349", "centre": "0000"})
    with pytest.raises(ValidationError) as caught:
        patients.create_patient(ctx, {**ESSAI, "amo_organism_id": amo})
    assert caught.value.field == "amo_organism_id" and count(ctx.db, "patients") == 0


def test_duplicates(ctx: Context) -> None:
    patients.create_patient(ctx, ESSAI)
    with pytest.raises(ConflictError) as caught:
        patients.create_patient(ctx, {**ESSAI, "last_name": "Autre"})
    assert caught.value.field == "insured_nir" and "déjà" in caught.value.message
    # another beneficiary of the same card (other birth date, or twin of rank 2) is not a duplicate
    patients.create_patient(ctx, {**ESSAI, "first_name": "Anne", "birth_date": "02/02/1970", "quality": "2"})
    patients.create_patient(ctx, {**ESSAI, "first_name": "Bis", "rank": 2})
    no_nir = {"last_name": "ADRDEUX", "first_name": "Laurent", "birth_date": "01/01/1981"}
    patients.create_patient(ctx, no_nir)
    with pytest.raises(ConflictError) as again:
        patients.create_patient(ctx, {"last_name": "Adrdeux", "first_name": "laurent", "birth_date": "1981-01-01"})
    assert again.value.field == "last_name"
    assert count(ctx.db, "patients") == 4


def test_edit_manual_patient(ctx: Context) -> None:
    saved = patients.create_patient(ctx, ESSAI)
    patients.update_patient(ctx, saved.id, {"first_name": "Alainter", "phone": "0600000000",
                                            "periods": [{"kind": "ald", "start": "01/01/2024"}]})
    view = patients.get_patient(ctx, saved.id)
    assert view.first_name == "Alainter" and view.phone == "0600000000" and view.periods[0]["kind"] == "ald"
    assert patients.search_patients(ctx, "alainter")[0].id == saved.id
    with pytest.raises(ValidationError) as caught:
        patients.update_patient(ctx, saved.id, {"insured_nir": "123"})
    assert caught.value.field == "insured_nir"
    assert audit_actions(ctx.db)[-1] == "patient.update"


def test_edit_cannot_create_a_duplicate(ctx: Context) -> None:
    patients.create_patient(ctx, ESSAI)
    other = patients.create_patient(ctx, {**ESSAI, "birth_date": "02/02/1942"})
    with pytest.raises(ConflictError):
        patients.update_patient(ctx, other.id, {"birth_date": "01/01/1942"})


def test_card_patient_identity_is_read_only(ctx: Context) -> None:
    saved = patients.create_patient_from_card(ctx, DESMAUX_CARD)
    assert saved.created
    view = patients.get_patient(ctx, saved.id)
    assert view.source == "carte" and view.amo_proof == "carte_vitale" and view.contracts[0].source == "carte"
    for change, field in (({"last_name": "AUTRE"}, "last_name"), ({"birth_date": "16/06/1955"}, "birth_date"),
                          ({"insured_nir": "1421962965165 96"}, "insured_nir"), ({"amo_centre": "0000"},
                                                                                 "amo_centre"),
                          ({"periods": []}, "periods"), ({"amo_organism_id": None}, "amo_organism_id")):
        with pytest.raises(ValidationError) as caught:
            patients.update_patient(ctx, saved.id, change)
        assert caught.value.field == field and "carte Vitale" in caught.value.message
    patients.update_patient(ctx, saved.id, {"phone": "02 43 00 00 00", "address": "Rue neuve", "ik": "4"})
    view = patients.get_patient(ctx, saved.id)
    assert view.phone == "0243000000" and view.address == "Rue neuve" and view.last_name == "DESMAUX"


def test_card_with_wrong_key_and_lunar_date_is_kept_with_warnings(ctx: Context) -> None:
    saved = patients.create_patient_from_card(ctx, {**DESMAUX_CARD, "insured_nir": "2550699999999 35",
                                                    "birth_date": "00/06/1955"})
    view = patients.get_patient(ctx, saved.id)
    assert view.lunar and view.birth_date == "00/06/1955" and any("clé" in w for w in view.warnings)
    patients.update_patient(ctx, saved.id, {"phone": "0243000000"})  # still editable where allowed


def test_reading_the_card_again_refreshes_and_keeps_local_data(ctx: Context) -> None:
    first = patients.create_patient_from_card(ctx, DESMAUX_CARD)
    patients.update_patient(ctx, first.id, {"phone": "0243000000"})
    manual = amc_contracts.add_amc_contract(ctx, first.id, {"amc_name": "ALMERYS", "amc_number": "98532001"})
    again = patients.create_patient_from_card(ctx, {**DESMAUX_CARD, "amo_centre": "9998"})
    assert again.id == first.id and not again.created
    view = patients.get_patient(ctx, first.id)
    assert view.amo_centre == "9998" and view.phone == "0243000000"
    assert sorted(c.source for c in view.contracts) == ["carte", "manual"]
    assert manual in [c.id for c in view.contracts] and count(ctx.db, "patients") == 1
    assert "patient.card_update" in audit_actions(ctx.db)


def test_a_manual_patient_read_from_card_becomes_a_card_patient(ctx: Context) -> None:
    manual = patients.create_patient(ctx, {k: v for k, v in DESMAUX_CARD.items() if k != "amc_contracts"})
    read = patients.create_patient_from_card(ctx, DESMAUX_CARD)
    assert read.id == manual.id and patients.get_patient(ctx, manual.id).source == "carte"


def test_delete_cascades_and_audits(ctx: Context) -> None:
    saved = patients.create_patient_from_card(ctx, DESMAUX_CARD)
    amc_contracts.add_amc_contract(ctx, saved.id, {"amc_name": "ALMERYS", "amc_number": "98532001"})
    patients.delete_patient(ctx, saved.id)
    assert count(ctx.db, "patients") == count(ctx.db, "patient_amc_contracts") == 0
    assert count(ctx.db, "patient_periods") == 0 and audit_actions(ctx.db)[-1] == "patient.delete"
    with pytest.raises(NotFoundError) as caught:
        patients.delete_patient(ctx, saved.id)
    assert caught.value.field == "id" and "inconnu" in caught.value.message


def _people(ctx: Context) -> None:
    for last, first, born in (("MARTIN", "Paul", "20/01/1955"), ("Martinez", "Ana", "01/01/1990"),
                              ("DURAND", "Martine", "02/02/1960"), ("Éluard", "Paul", "03/03/1970"),
                              ("ISSNER", "Natacha", "12/05/1985"), ("PAULIN", "Marc", "04/04/1980")):
        patients.create_patient(ctx, {"last_name": last, "first_name": first, "birth_date": born})


def test_search_by_prefix_of_last_or_first_name(ctx: Context) -> None:
    _people(ctx)

    def names(prefix: str, order: str = "asc") -> list[str]:
        return [f"{p.last_name} {p.first_name}" for p in patients.search_patients(ctx, prefix, order=order)]

    assert names("mart") == ["MARTIN Paul", "DURAND Martine", "Martinez Ana"]
    assert names("mart", "desc") == ["Martinez Ana", "DURAND Martine", "MARTIN Paul"]
    assert names("PAUL") == ["Éluard Paul", "MARTIN Paul", "PAULIN Marc"]
    assert names("el") == ["Éluard Paul"] and names("zz") == []
    assert len(names("")) == 6 and names("")[0] == "DURAND Martine" and names("", "desc")[0] == "PAULIN Marc"
    assert len(patients.search_patients(ctx, "", limit=2)) == 2
    with pytest.raises(ValidationError):
        patients.search_patients(ctx, "a", order="up")
    with pytest.raises(ValidationError):
        patients.search_patients(ctx, "a", limit=0)


def test_search_limit_keeps_the_first_in_order(ctx: Context) -> None:
    _people(ctx)
    assert [p.last_name for p in patients.search_patients(ctx, "mart", limit=2)] == ["MARTIN", "DURAND"]
    assert [p.last_name for p in patients.search_patients(ctx, "mart", order="desc", limit=1)] == ["Martinez"]


def test_permissions(ctx: Context) -> None:
    deputy = context_as(ctx.db, Role.REMPLACANT)
    with pytest.raises(PermissionDeniedError):
        patient_bulk.create_patients(deputy, [ESSAI])
    assert patients.create_patient(deputy, ESSAI).id
    assert count(ctx.db, "patients") == 1


def test_bulk_creation(ctx: Context) -> None:
    amo = organisms.add_amo_organism(ctx, {"regime": "01", "caisse": "349", "centre": "9881"})
    items = [{"last_name": f"NOM{i:03d}", "first_name": "Jean", "birth_date": "01/01/1980",
              "amo_organism_id": amo} for i in range(25)]
    items += [ESSAI, {**ESSAI, "first_name": "Dup"}, {"last_name": "", "birth_date": "x"},
              {"last_name": "X", "birth_date": "01/01/1980", "amo_organism_id": 999}]
    result = patient_bulk.create_patients(ctx, items, batch_size=10)
    assert len(result.created) == 26 and count(ctx.db, "patients") == 26
    assert {p.index for p in result.problems} == {26, 27, 28}
    assert {p.field for p in result.problems} == {"insured_nir", "last_name", "amo_organism_id"}
    assert audit_actions(ctx.db).count("patient.bulk_create") == 3
    again = patient_bulk.create_patients(ctx, items[:3])
    assert again.created == [] and len(again.problems) == 3 and patients.count_patients(ctx) == 26


def test_search_matches_a_brute_force_reference(ctx: Context) -> None:
    import random

    from feuille.domain.fields import search_key

    rnd = random.Random(7)
    parts = ["MA", "MAR", "Ré", "DU", "PON", "Ève", "LE", "TIN", "É", "A", "B"]
    items = [{"last_name": "".join(rnd.choice(parts) for _ in range(rnd.randint(1, 3))),
              "first_name": "".join(rnd.choice(parts) for _ in range(rnd.randint(1, 2))),
              "birth_date": f"{rnd.randint(1, 28):02d}/01/1980"} for _ in range(80)]
    created = patient_bulk.create_patients(ctx, items, source="manual")
    stored = [(item, pid) for item, pid in zip(
        [i for n, i in enumerate(items) if n not in {p.index for p in created.problems}], created.created,
        strict=True)]
    for prefix in ("M", "MA", "MAR", "RE", "E", "EVE", "A", "DUP", "Z", "ma ", "ré"):
        key = search_key(prefix)
        for order in ("asc", "desc"):
            expected: dict[int, tuple[str, str, int]] = {}
            for item, pid in stored:
                last, first = search_key(item["last_name"]), search_key(item["first_name"])
                candidates = [k for k in ((last, first, pid), (first, last, pid)) if k[0].startswith(key)]
                if candidates:
                    expected[pid] = (max if order == "desc" else min)(candidates)
            ranked = sorted(expected, key=lambda p: expected[p], reverse=order == "desc")[:10]
            found = [p.id for p in patients.search_patients(ctx, prefix, order=order, limit=10)]
            assert found == ranked, (prefix, order)


def test_long_names_with_ligatures_fit_their_key(ctx: Context) -> None:
    saved = patients.create_patient(ctx, {"last_name": "œ" * 64, "first_name": "Æ" * 64, "birth_date": "01/01/1990"})
    assert patients.search_patients(ctx, "OEOE")[0].id == saved.id
    assert patients.search_patients(ctx, "AEAE")[0].id == saved.id


@pytest.mark.parametrize("ref", [10**23, "99999999999999999999999", 2**31, "0", -3, "١٢"])
def test_an_id_no_record_can_have_is_refused_in_french(ctx: Context, ref: object) -> None:
    # Before: 10**23 reached SQLite and raised OverflowError (a traceback at `feuille patient show`).
    with pytest.raises(ValidationError) as caught:
        patients.get_patient(ctx, ref)
    assert caught.value.code == "id_format"
    assert "numéro interne attendu" in str(caught.value)
    with pytest.raises(ValidationError):
        organisms.get_amo_organism(ctx, ref)


@pytest.mark.parametrize("lookup", ["professional", "prescriber"])
def test_huge_professional_or_prescriber_id_is_refused_in_french(ctx: Context, lookup: str) -> None:
    # Before: OverflowError from the driver; an id no row can have is simply not found.
    with ctx.db.read() as session, pytest.raises(NotFoundError):
        if lookup == "professional":
            professionals.resolve(session, 10**23)
        else:
            prescribers.find(session, 10**23)


def test_a_patient_with_invoices_is_not_deleted(ctx: Context) -> None:
    # Before: the RESTRICT foreign key raised an IntegrityError traceback at `feuille patient delete N --oui`.
    from feuille.billing import drafts
    from tests.billing.support import consultation, practice
    setup = practice(ctx)
    invoice = drafts.create_draft(ctx, consultation())
    before = rows(ctx)
    with pytest.raises(ConflictError) as caught:
        patients.delete_patient(ctx, setup.patient)
    assert caught.value.code == "patient_invoiced"
    assert f"n° interne {invoice.id}" in caught.value.message and "Essai Alain" in caught.value.message
    assert rows(ctx) == before

"""« Factures à saisir »: visits recorded offline, stored once whatever the number of sendings, listed until the
invoice made from them is signed, seen by whom they concern."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa

from feuille import audit
from feuille.auth import Context, Role, actor_for, create_user
from feuille.billing import cancel, drafts, offline_records, rate_check, securing
from feuille.errors import ConflictError, NotFoundError, ValidationError
from feuille.practice import professionals
from feuille.storage.models import AuditEntry, OfflineRecord
from tests.billing.support import CPS_MEDECIN, FakeReader, consultation, practice
from tests.conftest import fixed_clock

VISIT: dict[str, Any] = {"id_client": "0b7c9e8a-0001", "saisi_le": "2025-01-14T09:55:00.000Z", "nom": "Essai",
                         "prenom": "Alain", "nir": "1421962965165", "cle": "96", "date_soins": "2025-01-14T09:50",
                         "note": "Visite longue. Attestation CMU présentée."}


def user_ctx(ctx: Context, login: str, role: Role, professional: int | None = None) -> Context:
    create_user(ctx, login, login.capitalize(), role)
    if professional is not None:
        professionals.link_user(ctx, login, professional)
    return Context(db=ctx.db, actor=actor_for(ctx.db, login), clock=fixed_clock)


def audited(ctx: Context, action: str) -> int:
    with ctx.db.read() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == action)) or 0


def test_a_record_is_stored_once_however_often_it_is_sent(ctx: Context) -> None:
    first = offline_records.store(ctx, VISIT)
    again = offline_records.store(ctx, dict(VISIT))
    assert (first.outcome, again.outcome) == ("enregistre", "deja_recu") and first.record.id == again.record.id
    assert audited(ctx, "offline.record") == 1
    (listed,) = offline_records.to_bill(ctx)
    assert (listed.patient, listed.nir, listed.care_at, listed.note) == (
        "ESSAI Alain", "142196296516596", datetime(2025, 1, 14, 9, 50), VISIT["note"])
    assert listed.typed_at == datetime(2025, 1, 14, 9, 55)   # the browser's time, kept
    assert offline_records.count_to_bill(ctx) == 1
    edited = offline_records.store(ctx, {**VISIT, "note": "Visite longue."})
    assert edited.outcome == "modifie" and offline_records.detail(ctx, first.record.id).note == "Visite longue."
    assert audit.verify(ctx.db).ok


def test_the_form_rules_every_problem_at_once(ctx: Context) -> None:
    with pytest.raises(ValidationError) as refused:
        offline_records.store(ctx, {**VISIT, "nom": "", "cle": "95", "date_soins": "31/02/2025"})
    assert {(p.field, p.code) for p in refused.value.problems} == {
        ("nom", "required"), ("cle", "nir_key"), ("date_soins", "date_format")}
    with pytest.raises(ValidationError) as refused:
        offline_records.store(ctx, {**VISIT, "nir_connu": False, "nir": None, "cle": None,
                                    "patient_est_assure": "non"})
    assert {p.field for p in refused.value.problems} == {"date_naissance", "assure_nom", "assure_prenom"}
    child = offline_records.store(ctx, {**VISIT, "id_client": "0b7c9e8a-0002", "patient_est_assure": False,
                                        "prenom": "Zoé", "assure_nom": "Essai", "assure_prenom": "Alain",
                                        "date_naissance": "03/05/2015", "rang": "2",
                                        "actes": [{"code": "g"}, {"code": "ami", "coefficient": "4,5"}]})
    assert (child.record.birth_date, child.record.rank, child.record.acts) == (
        "03/05/2015", 2, ({"code": "G", "coefficient": None}, {"code": "AMI", "coefficient": "4.5"}))
    with pytest.raises(ValidationError, match="futur"):
        offline_records.store(ctx, {**VISIT, "id_client": "0b7c9e8a-0003", "date_soins": "2030-01-01T10:00"})
    with ctx.db.read() as session:   # nothing half-written by a refusal
        assert session.scalar(sa.select(sa.func.count()).select_from(OfflineRecord)) == 1


def test_billing_started_makes_an_edit_a_conflict_and_signing_takes_it_off_the_list(ctx: Context) -> None:
    practice(ctx)
    record = offline_records.store(ctx, VISIT).record
    draft = drafts.create_draft(ctx, consultation()).id
    offline_records.link_invoice(ctx, record.id, draft)
    assert offline_records.store(ctx, VISIT).outcome == "deja_recu"   # a late repeat is still fine
    with pytest.raises(ConflictError) as refused:
        offline_records.store(ctx, {**VISIT, "note": "changée ailleurs"})
    assert refused.value.code == "offline_record_billed"
    assert offline_records.detail(ctx, record.id).note == VISIT["note"]   # not overwritten
    assert [r.id for r in offline_records.to_bill(ctx)] == [record.id]     # a draft: still to bill
    rate_check.check_rates(ctx, draft)
    securing.secure(ctx, draft, "degrade", FakeReader().insert(CPS_MEDECIN))
    assert offline_records.to_bill(ctx) == [] and offline_records.count_to_bill(ctx) == 0
    with pytest.raises(ConflictError):
        offline_records.remove(ctx, record.id)


def test_a_draft_deleted_leaves_the_visit_to_bill_again(ctx: Context) -> None:
    practice(ctx)
    record = offline_records.store(ctx, VISIT).record
    draft = drafts.create_draft(ctx, consultation()).id
    offline_records.link_invoice(ctx, record.id, draft)
    cancel.delete_draft(ctx, draft)
    assert offline_records.store(ctx, {**VISIT, "note": "reprise"}).outcome == "modifie"
    assert [r.note for r in offline_records.to_bill(ctx)] == ["reprise"]


def test_deleting_is_kept_idempotent_and_refuses_a_later_edit(ctx: Context) -> None:
    record = offline_records.store(ctx, VISIT).record
    assert offline_records.remove(ctx, record.id).state == "supprimee"
    assert offline_records.remove(ctx, record.id).state == "supprimee"
    assert audited(ctx, "offline.record_delete") == 1 and offline_records.to_bill(ctx) == []
    assert offline_records.store(ctx, VISIT).outcome == "deja_recu"
    with pytest.raises(ConflictError) as refused:
        offline_records.store(ctx, {**VISIT, "note": "autre"})
    assert refused.value.code == "offline_record_deleted"
    assert offline_records.remove_sent(ctx, "jamais-recu-1") is None


def test_each_sees_his_own_and_his_professionals_records(ctx: Context) -> None:
    place = practice(ctx)
    doctor = user_ctx(ctx, "medecin", Role.TITULAIRE, place.medecin)
    nurse = user_ctx(ctx, "infirmier", Role.TITULAIRE, place.firmier)
    secretary = user_ctx(ctx, "secretaire", Role.SECRETAIRE)
    mine = offline_records.store(doctor, VISIT).record
    theirs = offline_records.store(nurse, VISIT).record          # the same browser id, another user: another
    hers = offline_records.store(secretary, {**VISIT, "id_client": "0b7c9e8a-0009"}).record
    assert mine.id != theirs.id
    assert [r.id for r in offline_records.to_bill(doctor)] == [mine.id]
    assert [r.id for r in offline_records.to_bill(secretary)] == [hers.id]
    assert {r.id for r in offline_records.to_bill(ctx)} == {mine.id, theirs.id, hers.id}   # the administrator
    with pytest.raises(NotFoundError):
        offline_records.detail(nurse, mine.id)


def test_billing_from_a_record_makes_the_draft_and_ties_them_in_one_go(ctx: Context) -> None:
    place = practice(ctx)
    record = offline_records.store(ctx, VISIT).record
    assert offline_records.find_patient(ctx, record.id) == place.patient       # by the insured's NIR
    view = offline_records.create_draft_for(ctx, record.id, consultation())
    assert offline_records.detail(ctx, record.id).invoice_id == view.id
    shown = offline_records.for_invoice(ctx, view.id)
    assert shown is not None and shown.note == VISIT["note"]
    assert offline_records.for_invoice(ctx, view.id + 1000) is None
    with pytest.raises(ValidationError):   # a refused draft ties nothing
        offline_records.create_draft_for(ctx, record.id, {**consultation(), "acts": []})
    assert offline_records.detail(ctx, record.id).invoice_id == view.id
    rate_check.check_rates(ctx, view.id)
    securing.secure(ctx, view.id, "degrade", FakeReader().insert(CPS_MEDECIN))
    with pytest.raises(ConflictError):     # signed: not billed twice
        offline_records.create_draft_for(ctx, record.id, consultation())


def test_the_patient_is_found_by_names_and_birth_date_without_a_nir(ctx: Context) -> None:
    place = practice(ctx)
    unknown_nir = offline_records.store(ctx, {**VISIT, "id_client": "0b7c9e8a-0101", "nir": "2690366000409",
                                              "cle": "02"}).record
    assert offline_records.find_patient(ctx, unknown_nir.id) is None
    by_names = offline_records.store(ctx, {**VISIT, "id_client": "0b7c9e8a-0102", "nir_connu": False,
                                           "nir": None, "cle": None, "nom": "ESSAI", "prenom": "alain",
                                           "date_naissance": "01/01/1942"}).record
    assert offline_records.find_patient(ctx, by_names.id) == place.patient
    nobody = offline_records.store(ctx, {**VISIT, "id_client": "0b7c9e8a-0103", "nir_connu": False, "nir": None,
                                         "cle": None, "date_naissance": "02/01/1942"}).record
    assert offline_records.find_patient(ctx, nobody.id) is None

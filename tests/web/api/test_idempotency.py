"""POST /api/patients once per Idempotency-Key (as POST /api/factures): the same key and body give the same patient
(201, then 200 with the same id), another body with that key is a 409 with the catalogue's code; the keys are per
user and per kind of creation; a key whose patient was deleted is spent again."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from fastapi import FastAPI

from feuille.auth import Context, Role, actor_for
from feuille.billing import drafts
from feuille.demo import load_demo
from feuille.errors import CATALOGUE
from feuille.practice import patients
from feuille.storage import Database
from tests.web import support
from tests.web.test_role_matrix import CONSULTATION

BODY = {"last_name": "CLEF", "first_name": "Ida", "birth_date": "02/04/1971", "phone": "0612345678"}


def _count(db: Database, name: str = "clef") -> int:
    return len(patients.search_patients(Context(db=db, actor=actor_for(db, "admin")), name, limit=50))


def test_same_key_same_body_one_patient(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    key = {"Idempotency-Key": "6b1f0c2e-0001"}
    first = signed.api("POST", "/api/patients", json=BODY, headers=key)
    assert first.status_code == 201, first.text
    assert first.json()["cree"] is True
    again = signed.api("POST", "/api/patients", json=dict(reversed(list(BODY.items()))), headers=key)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"] and again.json()["cree"] is False
    assert _count(db) == 1
    other = signed.api("POST", "/api/patients", json={**BODY, "phone": "0699999999"}, headers=key)
    assert other.status_code == 409, other.text
    answer = other.json()
    assert answer["code"] == "idempotency_key_reused" and answer["field"] == "Idempotency-Key"
    assert CATALOGUE["idempotency_key_reused"].http_status == 409 and "clé" in answer["message"]
    assert _count(db) == 1


def test_keys_belong_to_their_user_and_their_kind_of_creation(app: FastAPI, db: Database) -> None:
    secretary = support.sign_in(app, db, Role.SECRETAIRE)
    doctor = support.sign_in(app, db, Role.TITULAIRE)
    key = {"Idempotency-Key": "partagee"}
    assert secretary.api("POST", "/api/patients", json=BODY, headers=key).status_code == 201
    # another user's key is not this one: the same body is then the duplicate it is
    second = doctor.api("POST", "/api/patients", json=BODY, headers=key)
    assert second.status_code == 409 and second.json()["code"] == "patient_duplicate"
    # the same key for an invoice is not refused as « used for a patient »
    invoice = secretary.api("POST", "/api/factures", json={"date": "2025-01-14", "patient": {"id": 999999},
                                                           "acts": [{"code": "G"}]}, headers=key)
    assert invoice.json().get("code") != "idempotency_key_reused", invoice.text


def test_a_refused_body_spends_no_key_and_a_deleted_patient_frees_it(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.TITULAIRE)
    key = {"Idempotency-Key": "cle-2"}
    refused = signed.api("POST", "/api/patients", json={**BODY, "birth_date": "31/02/1971"}, headers=key)
    assert refused.status_code == 422 and refused.json()["field"] == "birth_date"
    made = signed.api("POST", "/api/patients", json=BODY, headers=key)
    assert made.status_code == 201, made.text
    patients.delete_patient(Context(db=db, actor=actor_for(db, "admin")), made.json()["id"])
    again = signed.api("POST", "/api/patients", json=BODY, headers=key)
    assert again.status_code == 201 and again.json()["cree"] is True   # created again, not « found »
    assert _count(db) == 1


def test_a_bad_key_is_a_french_422(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.TITULAIRE)
    for junk in (" ", "x" * 300, "a\tb"):
        answer = signed.api("POST", "/api/patients", json=BODY, headers={"Idempotency-Key": junk})
        assert answer.status_code == 422, (junk, answer.text)
        assert answer.json()["code"] == "idempotency_key" and answer.json()["field"] == "Idempotency-Key"
    assert _count(db) == 0


def test_the_keys_of_invoices_given_before_0022_keep_working(db: Database) -> None:
    """0022_api moves the keys of invoice_request_keys into request_keys (scope invoice), and back on downgrade."""
    admin = Context(db=db, actor=actor_for(db, "admin"))
    load_demo(admin)
    invoice = drafts.create_draft(admin, {**CONSULTATION, "date": date.today().isoformat()})
    db.downgrade("0021_idempotency")
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO invoice_request_keys (login, key, request_hash, invoice_id, created_at) "
                             "VALUES ('admin', 'ancienne', :hash, :invoice, :at)"),
                     {"hash": "a" * 64, "invoice": invoice.id, "at": datetime(2026, 12, 1)})
    db.upgrade()
    with db.engine.connect() as conn:
        moved = conn.execute(sa.text("SELECT login, scope, key, entity_id FROM request_keys")).all()
    assert [tuple(row) for row in moved] == [("admin", "invoice", "ancienne", invoice.id)]
    db.downgrade("0021_idempotency")
    with db.engine.connect() as conn:
        back = conn.execute(sa.text("SELECT login, key, invoice_id FROM invoice_request_keys")).all()
    assert [tuple(row) for row in back] == [("admin", "ancienne", invoice.id)]
    db.upgrade()

"""POST /api/factures: a draft created and priced from a JSON document, once per Idempotency-Key."""

from __future__ import annotations

from fastapi import FastAPI

from feuille.auth import Context, actor_for
from feuille.billing import queries
from feuille.storage import Database
from tests.web import support
from tests.web.wizard import helpers


def _document(patient_id: int) -> dict[str, object]:
    return {"date": "2025-01-14", "patient": {"id": patient_id}, "acts": [{"code": "GS"}]}


def _count(db: Database) -> int:
    ctx = Context(db=db, actor=actor_for(db, "admin"))
    return len(queries.list_invoices(ctx))


def test_create_priced_and_idempotent(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    signed = helpers.doctor(app, db)
    headers = {"Idempotency-Key": "3f2a-0001"}
    first = signed.api("POST", "/api/factures", json=_document(demo.patient_id), headers=headers)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["state"] == "draft" and body["lines"][0]["code"] == "GS"
    line = body["lines"][0]
    for key in ("total", "amo", "amc", "patient"):
        assert isinstance(line[key], str) and "." in line[key]
    assert body["totals"]["total"] == "30.00"
    again = signed.api("POST", "/api/factures", json=_document(demo.patient_id), headers=headers)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert _count(db) == 1
    other = signed.api("POST", "/api/factures", json={**_document(demo.patient_id), "place": "domicile"},
                       headers=headers)
    assert other.status_code == 409 and other.json()["field"] == "Idempotency-Key"
    fresh = signed.api("POST", "/api/factures", json=_document(demo.patient_id), headers={"Idempotency-Key": "k2"})
    assert fresh.status_code == 201 and fresh.json()["id"] != body["id"]
    assert _count(db) == 2


def test_bad_body_is_422_with_french_fields(app: FastAPI, db: Database) -> None:
    helpers.demo(db)
    signed = helpers.doctor(app, db)
    answer = signed.api("POST", "/api/factures", json={"date": "2025-01-14", "acts": [], "couleur": "bleu"})
    assert answer.status_code == 422
    fields = {problem["field"]: problem["message"] for problem in answer.json()["problems"]}
    assert fields["patient"] == "Champ obligatoire."
    assert fields["couleur"] == "Champ inconnu."
    assert fields["acts"] == "Pas assez d'éléments."
    refused = signed.api("POST", "/api/factures", json={"date": "2025-01-14", "patient": {"id": 999999},
                                                      "acts": [{"code": "GS"}]})
    assert refused.status_code in (404, 422) and refused.json()["message"]
    assert _count(db) == 0


def test_without_session_or_csrf_nothing_is_created(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    signed = helpers.doctor(app, db)
    forged = signed.client.post("/api/factures", json=_document(demo.patient_id))  # cookie, no CSRF token
    assert forged.status_code == 403 and forged.json()["code"] == "csrf"
    anonymous = support.TestClient(app).post("/api/factures", json=_document(demo.patient_id))
    assert anonymous.status_code == 401
    assert _count(db) == 0

"""GET /api/factures and /api/factures/{id}: the command line's JSON, the same filters, French errors."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from feuille.auth import Role
from feuille.storage import Database
from tests.web import support
from tests.web.invoices.data import some_invoices


def test_the_list_and_one_invoice(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    listed = signed.api("GET", "/api/factures")
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()] == [made.secured, made.priced, made.draft]
    first = listed.json()[0]
    assert first["state_label"] == "sécurisée" and first["totals"]["total"] == "23.00"
    assert first["patient_name"] == "Essai Alain" and first["number_label"].startswith("1 (")
    only = signed.api("GET", "/api/factures", params={"etat": "TP calculé", "du": "14/01/2025", "limite": 5})
    assert [item["id"] for item in only.json()] == [made.priced]
    one = signed.api("GET", f"/api/factures/{made.secured}")
    assert one.status_code == 200 and one.json()["number"] == 1 and one.json()["lines"][0]["code"] == "C"


def test_refusals_are_french_json(app: FastAPI, db: Database) -> None:
    some_invoices(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    state = signed.api("GET", "/api/factures", params={"etat": "perdue"})
    assert state.status_code == 422 and state.json()["field"] == "etat" and "inconnu" in state.json()["message"]
    limit = signed.api("GET", "/api/factures", params={"limite": 0})
    assert limit.status_code == 422 and limit.json()["problems"][0] == {
        "field": "limite", "code": "greater_than_equal", "message": "Valeur trop petite."}
    missing = signed.api("GET", "/api/factures/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "invoice_not_found"
    words = signed.api("GET", "/api/factures/abc")
    assert words.status_code == 422 and words.json()["problems"][0]["message"] == "Nombre entier attendu."
    assert TestClient(app).get("/api/factures").status_code == 401

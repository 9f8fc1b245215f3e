"""Records typed offline, sent over the API (once, however often), listed under « Factures à saisir »."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import FastAPI

from feuille.auth import Context, Role, actor_for
from feuille.billing import drafts, offline_records, rate_check, securing
from feuille.storage import Database
from tests.billing.support import CPS_MEDECIN, FakeReader, consultation, practice
from tests.web import support


def visit(n: int, **changes: Any) -> dict[str, Any]:
    today = date.today().isoformat()
    return {"id_client": f"navigateur-{n:04d}", "saisi_le": f"{today}T08:{n % 60:02d}:00.000Z", "nom": "Essai",
            "prenom": "Alain", "nir": "1421962965165", "cle": "96", "date_soins": f"{today}T08:{n % 60:02d}",
            "note": f"Visite {n}.", **changes}


def test_a_record_sent_twice_is_stored_once(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.TITULAIRE)
    first = signed.api("POST", "/api/hors-ligne/enregistrements", json=visit(1))
    again = signed.api("POST", "/api/hors-ligne/enregistrements", json=visit(1))
    assert (first.status_code, again.status_code) == (201, 200), first.text
    assert first.json()["resultat"] == "enregistre" and again.json()["resultat"] == "deja_recu"
    assert first.json()["enregistrement"]["id"] == again.json()["enregistrement"]["id"]
    listed = signed.api("GET", "/api/hors-ligne/enregistrements").json()
    assert [(r["id_client"], r["nir"], r["note"]) for r in listed] == [("navigateur-0001", "142196296516596",
                                                                         "Visite 1.")]
    assert signed.api("DELETE", "/api/hors-ligne/enregistrements/navigateur-0001").status_code == 204
    assert signed.api("DELETE", "/api/hors-ligne/enregistrements/navigateur-0001").status_code == 204
    assert signed.api("GET", "/api/hors-ligne/enregistrements").json() == []


def test_a_batch_answers_for_each_record(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    signed.api("POST", "/api/hors-ligne/enregistrements", json=visit(1))
    answer = signed.api("POST", "/api/hors-ligne/envoi", json={"enregistrements": [
        visit(1), visit(2), visit(3, cle="95", nom=""), visit(4)]})
    assert answer.status_code == 200, answer.text
    results = answer.json()["resultats"]
    assert [r["resultat"] for r in results] == ["deja_recu", "enregistre", "refuse", "enregistre"]
    refused = results[2]["erreur"]
    assert {(p["field"], p["code"]) for p in refused["problems"]} == {("cle", "nir_key"), ("nom", "required")}
    assert "clé" in refused["problems"][0]["message"] or "clé" in refused["problems"][1]["message"]
    assert len(signed.api("GET", "/api/hors-ligne/enregistrements").json()) == 3


def test_a_bad_body_is_a_french_422_and_too_many_records_are_refused(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.TITULAIRE)
    answer = signed.api("POST", "/api/hors-ligne/enregistrements", json={"id_client": 12, "inconnu": 1})
    assert answer.status_code == 422 and answer.json()["problems"]
    many = signed.api("POST", "/api/hors-ligne/envoi", json={"enregistrements": [visit(n) for n in range(201)]})
    assert many.status_code == 422


def test_an_edit_after_the_invoice_is_made_is_a_conflict_and_signing_ends_it(app: FastAPI, db: Database) -> None:
    admin = Context(db=db, actor=actor_for(db, "admin"))
    practice(admin)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    record = signed.api("POST", "/api/hors-ligne/enregistrements", json=visit(1)).json()["enregistrement"]
    draft = drafts.create_draft(admin, consultation()).id
    offline_records.link_invoice(admin, record["id"], draft)
    changed = signed.api("POST", "/api/hors-ligne/enregistrements", json=visit(1, note="autre"))
    assert changed.status_code == 409 and changed.json()["code"] == "offline_record_billed"
    assert "déjà en facturation" in changed.json()["message"]
    rate_check.check_rates(admin, draft)
    securing.secure(admin, draft, "degrade", FakeReader().insert(CPS_MEDECIN))
    assert signed.api("GET", "/api/hors-ligne/enregistrements").json() == []


def test_the_tile_the_list_the_record_and_deleting_it(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.TITULAIRE)
    record = signed.api("POST", "/api/hors-ligne/enregistrements",
                        json=visit(7, actes=[{"code": "G"}])).json()["enregistrement"]
    home = signed.client.get("/").text
    assert 'href="/factures/a-saisir"' in home
    listed = signed.client.get("/factures/a-saisir").text
    assert "ESSAI Alain" in listed and "1421962965165 96" in listed and "Visite 7." in listed
    shown = signed.client.get(f"/factures/a-saisir/{record['id']}").text
    assert "Soins de ESSAI Alain" in shown and "Visite 7." in shown and "<li>G</li>" in shown
    other = support.sign_in(app, db, Role.TITULAIRE, "autre")
    assert other.client.get(f"/factures/a-saisir/{record['id']}").status_code == 404   # not his
    assert "Aucune facture à saisir" in other.client.get("/factures/a-saisir").text
    gone = signed.post(f"/factures/a-saisir/{record['id']}/supprimer", follow_redirects=False)
    assert gone.status_code == 303
    assert "Aucune facture à saisir" in signed.client.get("/factures/a-saisir?ok=supprime").text

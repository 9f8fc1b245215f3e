"""Securing over HTTP, as the page and an API client do it: prepare with the cards read at the desk, sign at the
desk, commit; and the refusals (a forged signature, a repeat, a secretary's final signature, junk)."""

from __future__ import annotations

import base64
import json
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from feuille.auth import Role
from feuille.billing import drafts, queries, securing, signing, verification
from feuille.cards.agent_http import signature_json
from feuille.storage import Database
from feuille.storage.models import AuditEntry
from tests.billing.support import CPE_SECRETAIRE, CPS_MEDECIN, VITALE_ESSAI, FakeReader, consultation
from tests.conftest import context_as
from tests.web import support
from tests.web.securing.support import admin, cards, invoice


def prepare(signed: support.Signed, invoice_id: int, body: dict[str, Any], base: str = "") -> Any:
    url = f"/api/factures/{invoice_id}/preparation" if base == "api" else f"/factures/{invoice_id}/securiser/preparer"
    return signed.api("POST", url, json=body)


def commit(signed: support.Signed, invoice_id: int, body: dict[str, Any], base: str = "") -> Any:
    url = f"/api/factures/{invoice_id}/validation" if base == "api" else f"/factures/{invoice_id}/securiser/valider"
    return signed.api("POST", url, json=body)


def signed_by(reader: FakeReader, prepared: dict[str, Any]) -> dict[str, Any]:
    """What the page posts after the agent signed: the CPS's signature, then the Vitale card's when named."""
    data = base64.b64decode(prepared["donnees"])
    body: dict[str, Any] = {"preparation": prepared["preparation"],
                            "signature": signature_json(reader.sign(prepared["carte"], data))}
    if prepared["vitale"]:
        body["vitale"] = signature_json(reader.sign(prepared["vitale"], data))
    return body


def state_of(db: Database, invoice_id: int) -> str:
    return queries.show(admin(db), invoice_id).state


def test_the_page_shows_the_invoice_and_the_modes_the_rules_allow(app: FastAPI, db: Database) -> None:
    invoice_id = invoice(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    page = signed.client.get(f"/factures/{invoice_id}/securiser")
    assert page.status_code == 200
    for text in ("Sécuriser la facture", "SESAM-Vitale synchronisé", "SESAM-Vitale désynchronisé", "dégradé",
                 "SESAM sans Vitale", "23,00 €", "14/01/2025", 'data-finale="0"', "/static/securing.js"):
        assert text in page.text
    assert 'value="synchronise" checked' in page.text


def test_synchronised_through_the_api_then_repeated_gives_the_same_answer(app: FastAPI, db: Database) -> None:
    invoice_id = invoice(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    desk = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)
    prepared = prepare(signed, invoice_id, {"mode": "synchronise", "cartes": cards(desk)}, "api")
    assert prepared.status_code == 200, prepared.text
    body = prepared.json()
    assert body["termine"] is False and body["numero"] == 1 and body["carte"] == "CPS-MED"
    assert body["vitale"] == "VIT-ESSAI"
    sent = signed_by(desk, body)
    first = commit(signed, invoice_id, sent, "api")
    assert first.status_code == 200, first.text
    assert first.json()["facture"]["state"] == "secured" and first.json()["facture"]["number"] == 1
    again = commit(signed, invoice_id, sent, "api")  # the page posted twice (a double click, a retry)
    assert again.status_code == 200 and again.json() == first.json()
    assert verification.verify_invoice(admin(db), invoice_id).ok
    done = prepare(signed, invoice_id, {"mode": "synchronise", "cartes": cards(desk)}, "api")
    assert done.json()["termine"] is True and done.json()["facture"]["number"] == 1  # nothing prepared again
    page = signed.client.get(f"/factures/{invoice_id}/securiser?fait=1")
    assert "Facture n° 1 sécurisée (SESAM-Vitale synchronisé)" in page.text and 'id="securisation"' not in page.text


def test_a_forged_signature_is_refused_and_its_number_recorded_unused(app: FastAPI, db: Database) -> None:
    invoice_id = invoice(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    desk = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)
    prepared = prepare(signed, invoice_id, {"mode": "synchronise", "cartes": cards(desk)}).json()
    forged = signed_by(desk, {**prepared, "donnees": base64.b64encode(b"autre chose").decode()})
    refused = commit(signed, invoice_id, forged)
    assert refused.status_code == 409
    assert refused.json()["code"] == "signing_released"
    assert "ne se vérifie pas" in refused.json()["message"] and "non utilisé" in refused.json()["message"]
    assert [(u.invoice_id, u.number) for u in signing.unused_numbers(admin(db))] == [(invoice_id, 1)]
    assert state_of(db, invoice_id) == "priced"
    late = commit(signed, invoice_id, signed_by(desk, prepared))  # the right signature, too late: released
    assert late.status_code == 409 and state_of(db, invoice_id) == "priced"
    again = prepare(signed, invoice_id, {"mode": "synchronise", "cartes": cards(desk)}).json()
    assert again["numero"] == 2  # a new number: the unused one is never given to an invoice
    assert commit(signed, invoice_id, signed_by(desk, again)).json()["facture"]["number"] == 2


def test_a_card_that_refuses_releases_the_preparation(app: FastAPI, db: Database) -> None:
    invoice_id = invoice(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    desk = FakeReader().insert(CPS_MEDECIN)
    prepared = prepare(signed, invoice_id, {"mode": "degrade", "cartes": cards(desk, vitale=False)}).json()
    assert prepared["vitale"] is None
    answer = signed.api("POST", f"/factures/{invoice_id}/securiser/abandonner",
                        json={"preparation": prepared["preparation"], "raison": "Code porteur non vérifié"})
    assert answer.status_code == 200
    assert [u.reason for u in signing.unused_numbers(admin(db))] == ["carte : Code porteur non vérifié"]
    assert commit(signed, invoice_id, signed_by(desk, prepared)).status_code == 409


def test_a_preparation_is_committed_only_for_its_invoice(app: FastAPI, db: Database) -> None:
    invoice_id = invoice(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    desk = FakeReader().insert(CPS_MEDECIN)
    prepared = prepare(signed, invoice_id, {"mode": "degrade", "cartes": cards(desk, vitale=False)}).json()
    other = commit(signed, invoice_id + 1000, signed_by(desk, prepared))
    assert other.status_code == 404 and other.json()["field"] == "preparation"
    assert state_of(db, invoice_id) == "priced"


def test_a_secretarys_final_signature_is_refused(app: FastAPI, db: Database) -> None:
    invoice_id = invoice(db)
    secretary_ctx = context_as(db, Role.SECRETAIRE, "sec")
    securing.secure(secretary_ctx, invoice_id, "desynchronise", FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI))
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    page = signed.client.get(f"/factures/{invoice_id}/securiser")
    assert page.status_code == 200 and 'data-finale="1"' in page.text  # she sees it; the service decides
    desk = FakeReader().insert(CPS_MEDECIN)
    for base in ("", "api"):
        refused = prepare(signed, invoice_id, {"signature_finale": True, "cartes": cards(desk, vitale=False)}, base)
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
        assert refused.json()["message"][0].isupper()
    assert state_of(db, invoice_id) == "partly_secured"
    assert signing.unused_numbers(admin(db)) == []


def test_a_secretary_may_not_secure_synchronised_but_may_do_a_first_signature(app: FastAPI, db: Database) -> None:
    invoice_id = invoice(db)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    desk = FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI)
    refused = prepare(signed, invoice_id, {"mode": "synchronise", "cartes": cards(desk)})
    assert refused.status_code == 403 and state_of(db, invoice_id) == "priced"
    prepared = prepare(signed, invoice_id, {"mode": "desynchronise", "cartes": cards(desk)})
    assert prepared.status_code == 200, prepared.text
    done = commit(signed, invoice_id, signed_by(desk, prepared.json()))
    assert done.json()["facture"]["state"] == "partly_secured"
    listed = signed.client.get("/factures/a-securiser")
    assert listed.status_code == 200 and f'href="/factures/{invoice_id}/securiser"' in listed.text
    home = signed.client.get("/")
    assert 'href="/factures/a-securiser"' in home.text


def test_junk_is_answered_with_every_french_field_message(app: FastAPI, db: Database) -> None:
    invoice_id = invoice(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    for base in ("", "api"):
        bad = prepare(signed, invoice_id, {"mode": 3, "cartes": {"autre": 1}, "x": True}, base)
        assert bad.status_code == 422
        fields = {p["field"]: p["message"] for p in bad.json()["problems"]}
        assert fields == {"mode": "Texte attendu.", "cartes.autre": "Champ inconnu.", "x": "Champ inconnu."}
    card = {"numero_serie": "", "type": "vitale", "nom": None, "certificat": "pas du base64 !"}
    bad = prepare(signed, invoice_id, {"mode": "degrade", "cartes": {"professionnelle": card}})
    assert bad.status_code == 422
    fields = {p["field"]: p["message"] for p in bad.json()["problems"]}
    assert fields == {"cartes.professionnelle.numero_serie": "Numéro de série de la carte professionnelle : champ "
                                                             "obligatoire.",
                      "cartes.professionnelle.type": "Type de carte : cps, cpe attendu.",
                      "cartes.professionnelle.nom": "Nom du porteur : champ obligatoire.",
                      "cartes.professionnelle.certificat": "Certificat de la carte : base64 attendu."}
    none = prepare(signed, invoice_id, {"mode": "degrade", "cartes": {}})
    assert none.status_code == 409 and none.json()["code"] == "no_card"
    no_mode = prepare(signed, invoice_id, {"cartes": cards(FakeReader().insert(CPS_MEDECIN))})
    assert no_mode.status_code == 422 and no_mode.json()["field"] == "mode"
    junk = signed.api("POST", f"/factures/{invoice_id}/securiser/valider", content=b"\xff pas du JSON",
                      headers={"Content-Type": "application/json"})
    assert junk.status_code == 422 and junk.json()["code"] == "requete_invalide"
    assert state_of(db, invoice_id) == "priced" and signing.unused_numbers(admin(db)) == []


def test_the_vitale_card_of_someone_else_is_refused_in_french(app: FastAPI, db: Database) -> None:
    from tests.billing.support import VITALE_OTHER
    invoice_id = invoice(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    reader = FakeReader().insert(CPS_MEDECIN, VITALE_OTHER)
    refused = prepare(signed, invoice_id, {"mode": "synchronise", "cartes": cards(reader)})
    assert refused.status_code == 422 and refused.json()["code"] == "wrong_vitale"
    assert "n'est pas celle de l'assuré" in refused.json()["message"]


def test_the_pages_need_a_session_and_the_scripts_need_the_csrf_token(app: FastAPI, db: Database) -> None:
    invoice_id = invoice(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    no_token = signed.client.post(f"/factures/{invoice_id}/securiser/preparer", json={"cartes": {}})
    assert no_token.status_code == 403 and state_of(db, invoice_id) == "priced"
    anonymous = support.TestClient(app).get(f"/factures/{invoice_id}/securiser", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/connexion")


def refusals(db: Database) -> list[str]:
    with db.read() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "access.denied").order_by(AuditEntry.id))
        return [json.loads(row.data)["what"] for row in rows]


def test_the_final_step_is_neither_committed_nor_released_by_a_secretary(app: FastAPI, db: Database) -> None:
    invoice_id = invoice(db)
    securing.secure(context_as(db, Role.SECRETAIRE, "sec"), invoice_id, "desynchronise",
                    FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI))
    doctor = support.sign_in(app, db, Role.TITULAIRE)
    desk = FakeReader().insert(CPS_MEDECIN)
    prepared = prepare(doctor, invoice_id, {"signature_finale": True, "cartes": cards(desk, vitale=False)}).json()
    assert prepared["termine"] is False and prepared["vitale"] is None
    secretary = support.sign_in(app, db, Role.SECRETAIRE)
    tries = [commit(secretary, invoice_id, signed_by(desk, prepared)),
             commit(secretary, invoice_id, signed_by(desk, prepared), "api"),
             secretary.api("POST", f"/factures/{invoice_id}/securiser/abandonner",
                           json={"preparation": prepared["preparation"]}),
             secretary.api("POST", f"/api/factures/{invoice_id}/abandon",
                           json={"preparation": prepared["preparation"]})]
    assert [answer.status_code for answer in tries] == [403] * 4
    assert all(answer.json()["code"] == "permission_denied" for answer in tries)
    assert refusals(db) == [f"POST /factures/{invoice_id}/securiser/valider",
                            f"POST /api/factures/{invoice_id}/validation",
                            f"POST /factures/{invoice_id}/securiser/abandonner",
                            f"POST /api/factures/{invoice_id}/abandon"]
    assert state_of(db, invoice_id) == "partly_secured"
    done = commit(doctor, invoice_id, signed_by(desk, prepared))  # still pending: the doctor commits it
    assert done.status_code == 200 and done.json()["facture"]["state"] == "secured"
    assert verification.verify_invoice(admin(db), invoice_id).ok


def test_numbers_out_of_range_are_refused_not_failed(app: FastAPI, db: Database) -> None:
    invoice_id = invoice(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    desk = FakeReader().insert(CPS_MEDECIN)
    body = {"preparation": 10**30, "signature": signature_json(desk.sign("CPS-MED", b"M"))}
    for base in ("", "api"):
        refused = commit(signed, invoice_id, body, base)
        assert refused.status_code == 422 and refused.json()["problems"][0]["field"] == "preparation"
    far = prepare(signed, 10**12, {"mode": "degrade", "cartes": cards(desk, vitale=False)}, "api")
    assert far.status_code in (404, 422) and far.json()["message"][0].isupper()


def test_an_invoice_not_ready_says_why_and_offers_nothing(app: FastAPI, db: Database) -> None:
    invoice(db)
    draft = drafts.create_draft(admin(db), consultation()).id  # rates not checked
    signed = support.sign_in(app, db, Role.REMPLACANT)
    page = signed.client.get(f"/factures/{draft}/securiser")
    assert page.status_code == 200 and "contrôlez ses taux avant de la sécuriser" in page.text
    assert 'id="securisation"' not in page.text
    missing = signed.client.get("/factures/999999/securiser")
    assert missing.status_code == 404 and "introuvable" in missing.text

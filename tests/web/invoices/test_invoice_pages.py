"""The invoice list and an invoice's details over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from html import unescape

from fastapi import FastAPI

from feuille.auth import Role
from feuille.billing import payments, queries
from feuille.storage import Database
from tests.web import support
from tests.web.invoices.data import admin, some_invoices, state_of


def rows(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr data-facture="(\d+)"', html)]


def test_the_list_shows_the_newest_first_with_french_amounts_and_states(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    answer = signed.client.get("/factures")
    assert answer.status_code == 200
    assert rows(answer.text) == [made.secured, made.priced, made.draft]
    assert "23,00\u00a0€" in answer.text or "23,00 €" in answer.text
    for label in ("brouillon", "TP calculé", "sécurisée"):
        assert f">{label}</span>" in answer.text
    assert "<label for=\"etat\">État</label>" in answer.text and 'hx-get="/factures"' in answer.text


def test_filters_by_state_patient_professional_and_dates(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    assert rows(signed.client.get("/factures?etat=priced").text) == [made.priced]
    assert rows(signed.client.get("/factures?etat=sécurisée").text) == [made.secured]
    assert rows(signed.client.get(f"/factures?patient={made.patient}&pro={made.medecin}").text) == [
        made.secured, made.priced, made.draft]
    assert rows(signed.client.get(f"/factures?patient={made.patient + 99}").text) == []
    assert rows(signed.client.get("/factures?du=2025-01-14&au=2025-01-14").text) == [
        made.secured, made.priced, made.draft]
    assert rows(signed.client.get("/factures?du=15/01/2025").text) == []


def test_the_home_tile_address_lists_the_invoices_to_secure(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    answer = signed.client.get("/factures?etat=partly_secured")
    assert answer.status_code == 200 and rows(answer.text) == [] and "Aucune facture ne correspond." in answer.text
    assert made.secured not in rows(answer.text)


def test_htmx_filtering_answers_the_table_only(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    answer = signed.client.get("/factures?etat=brouillon", headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "<html" not in answer.text and rows(answer.text) == [made.draft]
    refused = signed.client.get("/factures?du=31/02/2025", headers={"HX-Request": "true"})
    assert refused.status_code == 200 and "<html" not in refused.text   # htmx swaps 2xx answers only
    assert "Du : la date « 31/02/2025 » n'existe pas." in unescape(refused.text) and rows(refused.text) == []


def test_bad_filters_show_each_message_beside_its_field(app: FastAPI, db: Database) -> None:
    some_invoices(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    answer = signed.client.get("/factures?du=hier")
    assert answer.status_code == 422
    assert re.search(r'id="du-erreur">Du : date attendue au format JJ/MM/AAAA, « hier » reçu.<', answer.text)
    state = signed.client.get("/factures?etat=perdue")
    assert state.status_code == 422 and 'id="etat-erreur">état : « perdue » inconnu' in state.text
    patient = signed.client.get("/factures?patient=Dupont")
    assert patient.status_code == 422 and 'id="patient-erreur">patient : « Dupont »' in patient.text
    unknown = signed.client.get("/factures?pro=424242")
    assert unknown.status_code in (404, 422) and 'id="pro-erreur">' in unknown.text


def test_details_show_the_invoice_its_shares_payments_and_history(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    payments.pay(admin(db), made.secured, "cb", "5.00")
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    answer = signed.client.get(f"/factures/{made.secured}")
    assert answer.status_code == 200
    text = unescape(answer.text)
    for expected in ("Détail de la facture", "Liste des soins réalisés", "Paiements assuré", "Historique",
                     "Essai Alain", "MEDECIN0043390 Virginie", "14/01/2025", "sécurisée", "CB : 5,00",
                     "sécurisation", "paiement ajouté",
                     "Total caisse (AMO)", "Total mutuelle (AMC)", "Total facture"):
        assert expected in text, expected
    assert "<dd>SESAM-Vitale synchronisé</dd>" in text and "synchronise (" not in text  # the label, no code
    assert f'href="/factures/{made.secured}/annuler"' in text          # signed: cancel, not delete
    assert f'href="/factures/{made.secured}/supprimer"' not in text
    draft = signed.client.get(f"/factures/{made.draft}").text
    assert f'href="/factures/{made.draft}/supprimer"' in draft and f'href="/factures/{made.draft}/annuler"' not in draft


def test_an_unknown_invoice_is_a_french_404_and_words_never_match_a_number(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.TITULAIRE)
    answer = signed.client.get("/factures/999999")
    assert answer.status_code == 404 and "Facture n° 999999 introuvable." in unescape(answer.text)
    assert signed.client.get("/factures/abc").status_code == 404


def test_pages_need_a_session(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    from fastapi.testclient import TestClient

    client = TestClient(app)
    for address in ("/factures", f"/factures/{made.secured}", "/factures/lecteur-portable"):
        answer = client.get(address, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/connexion"), address
    assert queries.show(admin(db), made.secured).state == "secured"
    assert state_of(db, made.draft) == "draft"

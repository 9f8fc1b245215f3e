"""The follow-up JSON API: the list with the CLI's filters and keys, the monthly report, the transfers; French
field errors; no session, no data."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from feuille.auth import Context, Role
from feuille.storage import Database
from tests.web import support
from tests.web.transmission.data import PERIOD, returned


def test_the_follow_up_list(app: FastAPI, db: Database, ctx: Context) -> None:
    data = returned(ctx)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    answer = signed.api("GET", "/api/suivi", params={**PERIOD, "etat": "rejete"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"] == 1 and [line["id"] for line in body["lignes"]] == [data.rejected]
    assert body["sesam_vitale"]["dossiers"] == 1 and body["pied"].startswith("1 dossier dont 1 sécurisé")
    refused = signed.api("GET", "/api/suivi", params={"du": "32/01/2025"})
    assert refused.status_code == 422 and refused.json()["field"] == "du"
    unknown = signed.api("GET", "/api/suivi", params={"etat": "perdu"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "etat"


def test_the_monthly_report_and_the_transfers(app: FastAPI, db: Database, ctx: Context) -> None:
    returned(ctx)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    monthly = signed.api("GET", "/api/rapports/mensuel", params=PERIOD)
    assert monthly.status_code == 200
    body = monthly.json()
    assert body["periode"] == {"du": "2024-12-01", "au": "2025-01-31"}
    assert sum(line["factures_rejetees"] for line in body["mois"]) == 1
    transfers = signed.api("GET", "/api/virements", params=PERIOD)
    assert transfers.status_code == 200
    [transfer] = transfers.json()["virements"]
    assert transfer["controle"]["conforme"] is True
    assert transfer["libelle_1"] == "VIR AMO 01 349"
    bad = signed.api("GET", "/api/virements", params={"au": "demain"})
    assert bad.status_code == 422 and bad.json()["field"] == "au"


def test_no_session_no_data(app: FastAPI, db: Database) -> None:
    client = TestClient(app)
    for address in ("/api/suivi", "/api/rapports/mensuel", "/api/virements"):
        answer = client.get(address)
        assert answer.status_code == 401 and answer.json()["code"] == "non_connecte"

"""Acts typed offline from the favourites (manual 000, issue 15 point 5): the page fetches the signed-in user's
favourites while the server answers; the acts chosen travel with the record and prefill the wizard's acts screen,
so that the draft arrives priced."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI

from feuille.auth import Context, Role, actor_for
from feuille.billing import offline_records, queries
from feuille.practice import favourites, patients
from feuille.storage import Database
from tests.web import support
from tests.web.wizard import helpers

TODAY = date.today()


def _admin(db: Database) -> Context:
    return Context(db=db, actor=actor_for(db, "admin"))


def _doctor_favourite(db: Database, signed: support.Signed) -> int:
    ctx = Context(db=db, actor=actor_for(db, signed.login))
    return favourites.create_favourite(ctx, None, "Consultation et déplacement",
                                       [{"code": "G"}, {"code": "AMI", "coefficient": "1.5", "indemnity": "IFD"}])


def test_the_page_fetches_the_users_own_favourites(app: FastAPI, db: Database) -> None:
    helpers.demo(db)
    signed = helpers.doctor(app, db)
    favourite = _doctor_favourite(db, signed)
    answer = signed.client.get("/hors-ligne/favoris")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    listed = {fav["id"]: fav for fav in answer.json()["favoris"]}
    assert listed[favourite] == {"id": favourite, "libelle": "Consultation et déplacement", "actes": [
        {"code": "G"}, {"code": "AMI", "coefficient": "1.5"}, {"code": "IFD"}]}
    owner = favourites.get_favourite(_admin(db), favourite).professional_id
    assert all(favourites.get_favourite(_admin(db), key).professional_id == owner for key in listed)
    other = support.sign_in(app, db, Role.SECRETAIRE)   # linked to no professional: none, no error
    assert other.client.get("/hors-ligne/favoris").json() == {"favoris": []}


def test_the_favourites_need_a_session(app: FastAPI) -> None:
    from fastapi.testclient import TestClient
    answer = TestClient(app).get("/hors-ligne/favoris", follow_redirects=False)
    assert answer.status_code in (303, 401)


def test_a_record_with_acts_is_billed_to_a_priced_draft(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    admin = _admin(db)
    durand = patients.get_patient(admin, demo.patient_id)
    assert durand.insured_nir
    signed = helpers.doctor(app, db)
    nir = durand.insured_nir.replace(" ", "")
    body = {"id_client": "poste-actes-1", "saisi_le": f"{TODAY.isoformat()}T07:00:00.000Z",
            "date_soins": f"{TODAY.isoformat()}T06:50", "nom": durand.last_name, "prenom": durand.first_name,
            "nir": nir[:13], "cle": nir[13:], "actes": [{"code": "G"}, {"code": "MD"}]}
    stored = signed.api("POST", "/api/hors-ligne/enregistrements", json=body)
    assert stored.status_code == 201, stored.text
    record = stored.json()["enregistrement"]
    assert "<li>G</li>" in signed.client.get(f"/factures/a-saisir/{record['id']}").text
    started = signed.post(f"/factures/a-saisir/{record['id']}/facturer", follow_redirects=False)
    query = parse_qs(urlsplit(started.headers["location"]).query)
    assert query["actes|1|acts.text.1"] == ["G"] and query["actes|1|acts.more"] == ["oui"]
    assert query["actes|2|acts.text.1"] == ["MD"] and query["actes|2|acts.more"] == ["non"]
    answer = signed.client.get(started.headers["location"])
    for _ in range(40):   # « Suivant » with what the address and the defaults say: no act typed here
        assert answer.status_code == 200, answer.text
        if 'value="creer"' in answer.text:
            break
        answer = helpers.next_page(signed, answer.text)
    else:
        raise AssertionError("the wizard never reached its end")
    created = helpers.next_page(signed, answer.text, action="creer")
    assert created.status_code == 303, created.text
    invoice_id = int(re.search(r"/factures/(\d+)/", created.headers["location"]).group(1))  # type: ignore[union-attr]
    lines = queries.show(admin, invoice_id).lines
    assert [line.code for line in lines] == ["G", "MD"]
    assert all(line.total > 0 for line in lines)   # priced by the tables
    assert offline_records.detail(admin, record["id"]).invoice_id == invoice_id

"""« Lancer la facturation » on a visit recorded offline: the wizard for its patient (found, or created from what
was typed), its date of care, its note at every step; the draft tied to it; degraded mode offered first; the record
gone once the invoice is secured."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI

from feuille.auth import Context, actor_for
from feuille.billing import offline_records, rate_check, securing
from feuille.practice import patients
from feuille.storage import Database
from tests.billing.support import CPS_MEDECIN, FakeReader
from tests.web.wizard import helpers
from tests.web.wizard.test_wizard_pages import _walk_from

TODAY = date.today()
NOTE = "Consultation classique. Paiement 7,95 € CB."


def _record(signed: object, **fields: str) -> dict[str, object]:
    body = {"id_client": "poste-hors-ligne-1", "saisi_le": f"{TODAY.isoformat()}T07:00:00.000Z",
            "date_soins": f"{TODAY.isoformat()}T06:50", "note": NOTE, **fields}
    answer = signed.api("POST", "/api/hors-ligne/enregistrements", json=body)  # type: ignore[attr-defined]
    assert answer.status_code == 201, answer.text
    return dict(answer.json()["enregistrement"])


def test_a_known_patient_is_billed_from_the_record_to_its_securing(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    admin = Context(db=db, actor=actor_for(db, "admin"))
    durand = patients.get_patient(admin, demo.patient_id)
    assert durand.insured_nir
    signed = helpers.doctor(app, db)
    nir = durand.insured_nir.replace(" ", "")
    record = _record(signed, nom=durand.last_name, prenom=durand.first_name or "", nir=nir[:13], cle=nir[13:],
                     date_naissance=durand.birth_date, rang=str(durand.rank))
    shown = signed.client.get(f"/factures/a-saisir/{record['id']}").text
    assert "Lancer la facturation" in shown
    started = signed.post(f"/factures/a-saisir/{record['id']}/facturer", follow_redirects=False)
    assert started.status_code == 303
    query = parse_qs(urlsplit(started.headers["location"]).query)
    assert query["patient"] == [str(demo.patient_id)] and query["soins|date"] == [f"{TODAY:%d/%m/%Y}"]
    first = signed.client.get(started.headers["location"])
    assert NOTE in first.text and f'value="{TODAY:%d/%m/%Y}"' in first.text
    end = _walk_from(signed, first, answers={"soins|date": f"{TODAY:%d/%m/%Y}"})
    assert NOTE in end.text   # the note at every step, the last one too
    created = helpers.next_page(signed, end.text, action="creer")
    assert created.status_code == 303, created.text
    invoice_id = int(re.search(r"/factures/(\d+)/", created.headers["location"]).group(1))  # type: ignore[union-attr]
    assert offline_records.detail(admin, record["id"]).invoice_id == invoice_id
    assert NOTE in signed.client.get(created.headers["location"]).text
    rate_check.check_rates(admin, invoice_id)
    assert NOTE in signed.client.get(f"/factures/{invoice_id}/synthese").text
    page = signed.client.get(f"/factures/{invoice_id}/securiser").text
    assert NOTE in page and re.search(r'id="mode-degrade"[^>]*checked', page)   # degraded offered first
    securing.secure(admin, invoice_id, "degrade", FakeReader().insert(CPS_MEDECIN))
    assert offline_records.to_bill(admin) == []
    assert "Aucune facture à saisir" in signed.client.get("/factures/a-saisir").text


def test_a_patient_not_in_the_practice_is_created_from_what_was_typed(app: FastAPI, db: Database) -> None:
    helpers.demo(db)
    signed = helpers.doctor(app, db)
    record = _record(signed, nom="Nouveau", prenom="Zoé", nir="2690366000409", cle="02", date_naissance="03/06/1969")
    started = signed.post(f"/factures/a-saisir/{record['id']}/facturer", follow_redirects=False)
    assert started.headers["location"] == f"/factures/nouvelle/patient?enregistrement={record['id']}"
    form = signed.client.get(started.headers["location"]).text
    assert 'value="Nouveau"' in form and 'value="03/06/1969"' in form and 'value="2690366000409 02"' in form
    assert NOTE in form
    fields = helpers.form_fields(form, "/factures/nouvelle/patient")
    fields.pop("csrf", None)
    created = signed.post("/factures/nouvelle/patient", fields, follow_redirects=False)
    assert created.status_code == 303, created.text
    query = parse_qs(urlsplit(created.headers["location"]).query)
    assert query["hors_ligne|enregistrement"] == [str(record["id"])]
    assert NOTE in signed.client.get(created.headers["location"]).text

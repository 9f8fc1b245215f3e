"""Creating what the wizard needs without leaving it: the patient step (the base searched, « Nouveau patient » with
the patient service's messages beside their fields) and « Créer » a prescriber in the prescription screen (by the
button, or after « Créer ce prescripteur ? » oui), every answer typed so far kept."""

from __future__ import annotations

import json
import re

from fastapi import FastAPI

from feuille.auth import Context, actor_for
from feuille.practice import patients, prescribers
from feuille.storage import Database
from feuille.storage.models import Invoice  # tests may read the models; interfaces may not
from tests.web.wizard import helpers
from tests.web.wizard.test_wizard_pages import _walk, _walk_from

PRESCRIBED = {"|prescription": "oui", "prescription.date": "10/01/2025"}
NEW = {"last_name": "NOUVEAU", "first_name": "Paul", "number": "991143561", "specialty": ""}


def _admin(db: Database) -> Context:
    return Context(db=db, actor=actor_for(db, "admin"))


def test_the_patient_step_searches_the_base(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    signed = helpers.doctor(app, db)
    assert 'href="/factures/nouvelle">Réaliser une facture</a>' in signed.client.get("/factures").text
    step = signed.client.get("/factures/nouvelle")
    assert step.status_code == 200 and "Lire la carte Vitale" in step.text and "Nouveau patient" in step.text
    assert '<label for="nom">Rechercher un patient' in step.text
    found = signed.client.get("/factures/nouvelle/patients", params={"nom": "DUR"})
    assert f'href="/factures/nouvelle?patient={demo.patient_id}">DURAND Denis' in found.text
    plain = signed.client.get("/factures/nouvelle", params={"nom": "DUR"})  # without JavaScript
    assert f'href="/factures/nouvelle?patient={demo.patient_id}"' in plain.text
    none = signed.client.get("/factures/nouvelle/patients", params={"nom": "ZZZQ"})
    assert "Aucun patient dont le nom commence par « ZZZQ »" in none.text


def test_a_new_patient_refused_beside_the_fields_then_billed(app: FastAPI, db: Database) -> None:
    helpers.demo(db)
    signed = helpers.doctor(app, db)
    form = signed.client.get("/factures/nouvelle/patient", params={"nom": "LEGRAND"})
    assert form.status_code == 200 and 'name="last_name" type="text" value="LEGRAND"' in form.text
    assert f'name="csrf" value="{signed.csrf}"' in form.text
    refused = signed.post("/factures/nouvelle/patient", {"last_name": "", "first_name": "Léa", "birth_date": "31/02/x",
                                                         "rank": "1", "quality": "0"})
    assert refused.status_code == 400
    assert re.search(r'id="last_name-erreur">Nom : champ obligatoire', refused.text)
    assert re.search(r'id="birth_date-erreur">', refused.text) and 'value="Léa"' in refused.text
    assert '<div class="alerte erreur" role="alert">' in refused.text
    made = signed.post("/factures/nouvelle/patient", {"last_name": "LEGRAND", "first_name": "Léa",
                                                      "birth_date": "02/03/1990", "rank": "1", "quality": "0"},
                       follow_redirects=False)
    assert made.status_code == 303
    wizard = signed.client.get(made.headers["location"])
    assert wizard.status_code == 200 and "Patient : <strong>LEGRAND Léa</strong>" in wizard.text
    assert "Patient enregistré : la facture est pour lui." in wizard.text and "<h2>Soins réalisés</h2>" in wizard.text
    assert [p.first_name for p in patients.search_patients(_admin(db), "LEGRAND", limit=5)] == ["Léa"]


def test_a_prescriber_created_from_the_prescription_screen(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    signed = helpers.doctor(app, db)
    screen = _walk(signed, demo.patient_id, until="prescriber.text.1", answers=PRESCRIBED)
    assert "Créer un prescripteur</button>" in screen.text
    opened = helpers.next_page(signed, screen.text, action="prescripteur")
    assert opened.status_code == 200 and "<h2>Créer un prescripteur</h2>" in opened.text
    assert 'name="prescription|prescription.date" value="10/01/2025"' in opened.text  # nothing typed is lost
    fields = {k: v for k, v in helpers.form_fields(opened.text).items() if k != "csrf"}
    refused = signed.post("/factures/nouvelle/prescripteur", {**fields, "last_name": "", "number": "12"})
    assert refused.status_code == 400
    assert re.search(r'id="last_name-erreur">', refused.text) and re.search(r'id="number-erreur">', refused.text)
    assert 'name="prescription|prescription.date" value="10/01/2025"' in refused.text
    made = signed.post("/factures/nouvelle/prescripteur", {**fields, **NEW})
    assert made.status_code == 200, made.text
    assert "Prescripteur NOUVEAU Paul créé et choisi pour cette facture." in made.text
    assert "<h2>Assurance</h2>" in made.text  # the prescription screen done: the wizard goes on
    new_id = prescribers.search_prescribers(_admin(db), "NOUVEAU")[0].id
    assert f'name="prescription|prescriber.choice.1" value="{new_id}"' in made.text
    end = _walk_from(signed, made)
    created = helpers.next_page(signed, end.text, action="creer")
    assert created.status_code == 303, created.text
    invoice_id = int(re.search(r"/factures/(\d+)/", created.headers["location"]).group(1))  # type: ignore[union-attr]
    with db.read() as session:  # the document the invoice keeps names him
        document = json.loads(session.get(Invoice, invoice_id).document)  # type: ignore[union-attr]
    assert document["prescription"]["prescriber"] == new_id


def test_create_this_prescriber_yes_opens_the_form_with_the_name(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    signed = helpers.doctor(app, db)
    asked = _walk(signed, demo.patient_id, until="prescriber.create.1",
                  answers={**PRESCRIBED, "prescriber.text.1": "NOUVEAU"})
    assert "aucun prescripteur dont le nom commence par « NOUVEAU »" in asked.text
    opened = helpers.next_page(signed, asked.text, {"prescriber.create.1": "oui"})
    assert opened.status_code == 200 and 'name="last_name" type="text" value="NOUVEAU"' in opened.text
    assert 'name="prescripteur_cle" value="prescription|prescriber.created.1"' in opened.text
    fields = {k: v for k, v in helpers.form_fields(opened.text).items() if k != "csrf"}
    cancelled = signed.post("/factures/nouvelle", {**fields, "aller": "annuler-prescripteur"})
    assert cancelled.status_code == 200 and 'name="prescription|prescriber.create.1"' in cancelled.text
    made = signed.post("/factures/nouvelle/prescripteur", {**fields, **NEW})
    assert made.status_code == 200 and "<h2>Assurance</h2>" in made.text, made.text
    new_id = prescribers.search_prescribers(_admin(db), "NOUVEAU")[0].id
    assert f'name="prescription|prescriber.choice.1" value="{new_id}"' in made.text

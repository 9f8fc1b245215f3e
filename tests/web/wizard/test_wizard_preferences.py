"""« Afficher le récapitulatif des actes/montants » decides whether the recap follows the draft (off: the rates
checked and the summary at once, the recap a link away), and the preferences applied are those of the professional
who bills — a secretary billing for the doctor gets the doctor's (« Mettre par défaut à domicile » too)."""

from __future__ import annotations

import re

from fastapi import FastAPI

from feuille.auth import Context, Role, actor_for
from feuille.billing import queries
from feuille.practice import preferences
from feuille.storage import Database
from tests.web import support
from tests.web.wizard import helpers
from tests.web.wizard.test_wizard_pages import _walk, _walk_from
from tests.web.wizard.test_wizard_secretary import _doctor_id


def _admin(db: Database) -> Context:
    return Context(db=db, actor=actor_for(db, "admin"))


def _invoice(location: str) -> int:
    return int(re.search(r"/factures/(\d+)/", location).group(1))  # type: ignore[union-attr]


def test_without_the_recap_the_draft_opens_its_summary(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    preferences.set_preferences(_admin(db), _doctor_id(db), {"show_amount_recap": False})
    signed = helpers.doctor(app, db)
    end = _walk(signed, demo.patient_id)
    assert "Le récapitulatif des actes et montants n'est pas affiché" in end.text
    created = helpers.next_page(signed, end.text, action="creer")
    assert created.status_code == 303 and "/synthese?cree=1&controle=1" in created.headers["location"]
    invoice_id = _invoice(created.headers["location"])
    assert queries.show(_admin(db), invoice_id).rate_checked
    summary = signed.client.get(created.headers["location"])
    assert f"Facture {invoice_id} créée" in summary.text and "Contrôle des taux fait." in summary.text
    assert f'href="/factures/{invoice_id}/recapitulatif">Récapitulatif : modifier les parts AMO / AMC' in summary.text
    recap = signed.client.get(f"/factures/{invoice_id}/recapitulatif")  # the per-line change stays reachable
    assert recap.status_code == 200 and "Part AMO ligne 1" in recap.text


def test_the_doctor_s_preferences_apply_when_his_secretary_bills(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    doctor_id = _doctor_id(db)
    preferences.set_preferences(_admin(db), doctor_id, {"show_amount_recap": False, "home_by_default": True})
    signed = support.sign_in(app, db, Role.SECRETAIRE, "secretaire")
    first = signed.client.get(f"/factures/nouvelle?patient={demo.patient_id}")
    dated = helpers.next_page(signed, first.text, {"|professional": str(doctor_id)})
    chosen = helpers.next_page(signed, dated.text, {"soins|date": "14/01/2025"})
    assert chosen.status_code == 200, chosen.text
    assert '<option value="domicile" selected>' in chosen.text  # the doctor's « à domicile par défaut »
    end = _walk_from(signed, chosen)
    created = helpers.next_page(signed, end.text, action="creer")
    assert created.status_code == 303 and "/synthese?" in created.headers["location"], created.text
    assert queries.show(_admin(db), _invoice(created.headers["location"])).professional_id == doctor_id


def test_with_the_recap_the_draft_opens_it(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    signed = support.sign_in(app, db, Role.SECRETAIRE, "secretaire")
    first = signed.client.get(f"/factures/nouvelle?patient={demo.patient_id}")
    dated = helpers.next_page(signed, first.text, {"|professional": str(_doctor_id(db))})
    chosen = helpers.next_page(signed, dated.text, {"soins|date": "14/01/2025"})
    assert '<option value="cabinet" selected>' in chosen.text
    end = _walk_from(signed, chosen)
    created = helpers.next_page(signed, end.text, action="creer")
    assert created.status_code == 303 and "/recapitulatif?cree=1" in created.headers["location"]


def test_the_acts_are_checked_for_the_professional_the_secretary_bills_for(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    signed = support.sign_in(app, db, Role.SECRETAIRE, "secretaire")
    first = signed.client.get(f"/factures/nouvelle?patient={demo.patient_id}")
    chosen = helpers.next_page(signed, first.text, {"|professional": str(_doctor_id(db))})
    acts = _walk_from(signed, chosen, until="acts.text.1")
    refused = helpers.next_page(signed, acts.text, {"acts.text.1": "AMI"})  # a nurse's act, not a doctor's
    assert refused.status_code == 400
    assert re.search(r'id="actes\|1\|acts.text.\d-erreur">[^<]*AMI n&#39;est pas autorisé pour un', refused.text)

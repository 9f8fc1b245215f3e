"""A secretary (no professional linked to her user) bills through the wizard for a professional of the practice:
« Professionnel qui facture » is asked on the first screen; a professional user is not asked (his own bills)."""

from __future__ import annotations

import re

from fastapi import FastAPI

from feuille.auth import Context, Role, actor_for
from feuille.billing import queries
from feuille.practice import professionals
from feuille.storage import Database
from tests.web import support
from tests.web.wizard import helpers
from tests.web.wizard.test_wizard_pages import _walk_from

QUESTION = "soins|professional"


def _doctor_id(db: Database) -> int:
    ctx = Context(db=db, actor=actor_for(db, "admin"))
    return next(p.id for p in professionals.list_professionals(ctx) if p.billing_number.startswith("001033901"))


def test_secretary_chooses_the_professional_who_bills(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    doctor_id = _doctor_id(db)
    signed = support.sign_in(app, db, Role.SECRETAIRE, "secretaire")
    first = signed.client.get(f"/factures/nouvelle?patient={demo.patient_id}")
    assert first.status_code == 200
    assert f'<label for="{QUESTION}"' in first.text and "Professionnel qui facture" in first.text
    assert "MEDECIN0043390" in first.text  # the practice's professionals are offered
    # a value that is no professional of the list: refused in French beside the field, nothing created
    refused = helpers.next_page(signed, first.text, {"|professional": "999999"})
    assert refused.status_code == 400
    assert re.search(r'id="soins\|professional-erreur">Professionnel qui facture : choisissez dans la liste',
                     refused.text), refused.text
    assert "data-valeurs-serveur" in refused.text
    # the doctor chosen, the wizard to its end, the invoice created for him
    chosen = helpers.next_page(signed, first.text, {"|professional": str(doctor_id)})
    end = _walk_from(signed, chosen)
    assert f'name="{QUESTION}" value="{doctor_id}"' in end.text  # carried by the form, as every answer
    created = helpers.next_page(signed, end.text, action="creer")
    assert created.status_code == 303, created.text
    invoice_id = int(re.search(r"/factures/(\d+)/", created.headers["location"]).group(1))  # type: ignore[union-attr]
    admin = Context(db=db, actor=actor_for(db, "admin"))
    assert queries.show(admin, invoice_id).professional_id == doctor_id


def test_a_professional_user_is_not_asked(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    signed = helpers.doctor(app, db)
    first = signed.client.get(f"/factures/nouvelle?patient={demo.patient_id}")
    assert first.status_code == 200 and "soins|date" in first.text
    assert "Professionnel qui facture" not in first.text and QUESTION not in first.text
    end = _walk_from(signed, first)
    assert QUESTION not in end.text

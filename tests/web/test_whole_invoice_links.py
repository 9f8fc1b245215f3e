"""The links that carry a desk from one step of an invoice to the next without typing an address: the patient's
record opens the wizard for that patient; the securing page leads back to the invoice (its care sheet, its
actions)."""

from __future__ import annotations

from fastapi import FastAPI

from feuille.auth import Role
from feuille.billing import queries
from feuille.storage import Database
from tests.web import support
from tests.web.securing.support import admin, invoice


def test_the_record_opens_the_wizard_and_the_securing_page_leads_to_the_invoice(app: FastAPI, db: Database) -> None:
    invoice_id = invoice(db)
    patient_id = queries.show(admin(db), invoice_id).patient_id
    signed = support.sign_in(app, db, Role.TITULAIRE)
    record = signed.client.get(f"/patients/{patient_id}")
    assert f'href="/factures/nouvelle?patient={patient_id}">Nouvelle facture</a>' in record.text
    wizard = signed.client.get(f"/factures/nouvelle?patient={patient_id}")
    assert wizard.status_code == 200 and "Patient : <strong>Essai Alain</strong>" in wizard.text
    securing = signed.client.get(f"/factures/{invoice_id}/securiser")
    assert f'href="/factures/{invoice_id}">Voir la facture {invoice_id}</a>' in securing.text

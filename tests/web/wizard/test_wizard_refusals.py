"""The recap, the photo and the payments refuse junk beside the field; a request without the page's CSRF token
gets the French 403 page and changes nothing; the wizard is for signed-in users only."""

from __future__ import annotations

import re

from fastapi import FastAPI

from feuille.auth import Context, actor_for
from feuille.billing import queries
from feuille.storage import Database
from tests.web import support
from tests.web.wizard import helpers

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _draft(signed: support.Signed, patient_id: int) -> int:
    answer = signed.api("POST", "/api/factures", json={"date": "2025-01-14", "patient": {"id": patient_id},
                                                       "acts": [{"code": "GS"}]})
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _show(db: Database, invoice_id: int) -> queries.views.InvoiceView:
    return queries.show(Context(db=db, actor=actor_for(db, "admin")), invoice_id)


def test_recap_and_payment_junk_beside_the_fields(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    signed = helpers.doctor(app, db)
    invoice_id = _draft(signed, demo.patient_id)
    before = _show(db, invoice_id)
    junk = signed.post(f"/factures/{invoice_id}/recapitulatif", {"amo-1": "douze", "amc-1": "1,2,3",
                                                                 "aller": "valider"})
    assert junk.status_code == 400
    assert re.search(r'id="amo-1-erreur">[^<]*part AMO invalide', junk.text)
    assert re.search(r'id="amc-1-erreur">[^<]*part AMC invalide', junk.text)
    assert 'value="douze"' in junk.text
    assert _show(db, invoice_id).totals == before.totals and not _show(db, invoice_id).rate_checked
    paid = signed.post(f"/factures/{invoice_id}/synthese/paiements", {"moyen": "cb", "montant": "beaucoup"})
    assert paid.status_code == 400 and re.search(r'id="montant-erreur">', paid.text)
    means = signed.post(f"/factures/{invoice_id}/synthese/paiements", {"moyen": "troc", "montant": "5"})
    assert means.status_code == 400 and re.search(r'id="moyen-erreur">', means.text)
    assert _show(db, invoice_id).payments == []


def test_prescription_photo_joined_on_the_recap(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    signed = helpers.doctor(app, db)
    invoice_id = _draft(signed, demo.patient_id)
    junk = signed.client.post(f"/factures/{invoice_id}/ordonnance", data={"csrf": signed.csrf},
                              files={"photo": ("ordonnance.txt", b"pas une image", "text/plain")})
    assert junk.status_code == 400 and re.search(r'<p class="message-champ">', junk.text)
    assert _show(db, invoice_id).attachments == []
    sent = signed.client.post(f"/factures/{invoice_id}/ordonnance", data={"csrf": signed.csrf},
                              files={"photo": ("ordonnance.png", PNG, "image/png")}, follow_redirects=False)
    assert sent.status_code == 303
    assert [a["kind"] for a in _show(db, invoice_id).attachments] == ["ordonnance"]


def test_without_the_csrf_token_nothing_changes(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    signed = helpers.doctor(app, db)
    invoice_id = _draft(signed, demo.patient_id)
    posts = {"/factures/nouvelle": {"patient": str(demo.patient_id), "aller": "creer"},
             f"/factures/{invoice_id}/recapitulatif": {"amo-1": "1,00", "aller": "valider"},
             f"/factures/{invoice_id}/synthese/paiements": {"moyen": "cb", "montant": "5"}}
    for url, data in posts.items():
        refused = signed.client.post(url, data=data)
        assert refused.status_code == 403 and "expiré" in refused.text, url
    after = _show(db, invoice_id)
    assert after.payments == [] and not after.rate_checked and after.lines[0].amo != 1
    assert len(queries.list_invoices(Context(db=db, actor=actor_for(db, "admin")))) == 1


def test_signed_in_users_only(app: FastAPI, db: Database) -> None:
    demo = helpers.demo(db)
    anonymous = support.TestClient(app)
    answer = anonymous.get(f"/factures/nouvelle?patient={demo.patient_id}", follow_redirects=False)
    assert answer.status_code in (302, 303, 307) and "/connexion" in answer.headers["location"]


def test_unknown_patient_is_a_french_404(app: FastAPI, db: Database) -> None:
    helpers.demo(db)
    signed = helpers.doctor(app, db)
    answer = signed.client.get("/factures/nouvelle?patient=999999")
    assert answer.status_code == 404 and "introuvable" in answer.text.lower()
    junk = signed.client.get("/factures/nouvelle?patient=douze")
    assert junk.status_code == 422 and "choisissez le patient" in junk.text

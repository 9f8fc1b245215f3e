"""What the details page does, over HTTP: payments, delete, cancel by a credit note, care sheet, pieces; each
refusal shown in French beside its field, each role refusal a 403 page with nothing changed."""

from __future__ import annotations

import io
import re
from html import unescape

from fastapi import FastAPI
from PIL import Image

from feuille.auth import Role
from feuille.billing import queries
from feuille.storage import Database
from tests.web import support
from tests.web.invoices.data import admin, secured, some_invoices, state_of, with_desk_cards


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(out, format="PNG")
    return out.getvalue()


def test_a_payment_is_added_then_removed(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    added = signed.post(f"/factures/{made.secured}/paiements", {"means": "cb", "amount": "5,50"},
                        follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == f"/factures/{made.secured}?fait=paiement"
    page = unescape(signed.client.get(added.headers["location"]).text)
    assert "Paiement enregistré." in page and "CB : 5,50 €" in page and re.search(r"data-solde>1,40 €<", page)
    [payment] = queries.show(admin(db), made.secured).payments
    removed = signed.post(f"/factures/{made.secured}/paiements/{payment['id']}/retirer", follow_redirects=False)
    assert removed.status_code == 303 and queries.show(admin(db), made.secured).payments == []


def test_a_bad_payment_shows_each_message_beside_its_field_and_keeps_what_was_typed(app: FastAPI,
                                                                                     db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    answer = signed.post(f"/factures/{made.secured}/paiements", {"means": "troc", "amount": "0"})
    assert answer.status_code == 422
    text = unescape(answer.text)
    assert 'id="means-erreur">Moyen de paiement « troc » inconnu (chèque, CB, espèces ou autre).<' in text
    assert 'id="amount-erreur">Montant du paiement : il doit être supérieur à zéro' in text
    assert 'value="0"' in text and "data-valeurs-serveur" in text
    junk = signed.post(f"/factures/{made.secured}/paiements", {"means": "cb", "amount": "beaucoup"})
    assert junk.status_code == 422 and 'id="amount-erreur">Montant du paiement « beaucoup » invalide' in unescape(
        junk.text)
    assert queries.show(admin(db), made.secured).payments == []


def test_a_payment_on_a_cancelled_invoice_is_refused(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(with_desk_cards(app), db, Role.TITULAIRE)
    assert signed.post(f"/factures/{made.secured}/annuler", {"pin": ""}, follow_redirects=False).status_code == 303
    answer = signed.post(f"/factures/{made.secured}/paiements", {"means": "cb", "amount": "1"})
    assert answer.status_code == 409 and "impossible d'enregistrer un paiement" in unescape(answer.text)


def test_a_draft_is_deleted_after_confirmation(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    question = signed.client.get(f"/factures/{made.draft}/supprimer")
    assert question.status_code == 200 and "Oui, supprimer" in question.text
    answer = signed.post(f"/factures/{made.draft}/supprimer", follow_redirects=False)
    assert answer.status_code == 303 and state_of(db, made.draft) == "deleted"
    assert "Facture supprimée." in unescape(signed.client.get(answer.headers["location"]).text)


def test_deleting_a_secured_invoice_is_refused_and_changes_nothing(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    answer = signed.post(f"/factures/{made.secured}/supprimer")
    assert answer.status_code == 409
    assert "une facture signée est immuable, elle s'annule par un avoir" in unescape(answer.text)
    assert state_of(db, made.secured) == "secured"


def test_a_titulaire_cancels_by_a_credit_note(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(with_desk_cards(app), db, Role.TITULAIRE)
    question = signed.client.get(f"/factures/{made.secured}/annuler")
    assert question.status_code == 200 and 'for="pin"' in question.text
    answer = signed.post(f"/factures/{made.secured}/annuler", {"pin": ""}, follow_redirects=False)
    assert answer.status_code == 303 and state_of(db, made.secured) == "cancelled"
    page = unescape(signed.client.get(answer.headers["location"]).text)
    assert "Facture annulée par un avoir." in page
    credit = int(re.search(r'href="/factures/(\d+)">avoir', page).group(1))  # type: ignore[union-attr]
    view = queries.show(admin(db), credit)
    assert view.credit_of == made.secured and view.state == "secured" and view.totals["total"] == "-23.00"


def test_a_wrong_pin_is_shown_beside_the_pin_field(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    from tests.billing.support import CPS_MEDECIN, FakeReader

    app.state.card_reader_factory = lambda: FakeReader().insert(CPS_MEDECIN, pin=None)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    answer = signed.post(f"/factures/{made.secured}/annuler", {"pin": "0000"})
    assert answer.status_code in (400, 409, 422) and 'id="pin-erreur"' in answer.text
    assert state_of(db, made.secured) == "secured"


def test_a_secretary_cannot_cancel_a_titulaire_can(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    opened: list[bool] = []

    def reader() -> object:
        opened.append(True)
        raise AssertionError("no card is read for a role refused")

    app.state.card_reader_factory = reader
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    answer = signed.post(f"/factures/{made.secured}/annuler", {"pin": "1234"})
    assert answer.status_code == 403 and "Accès refusé" in unescape(answer.text)
    assert state_of(db, made.secured) == "secured" and not opened
    assert [i.id for i in queries.list_invoices(admin(db))] == [made.secured, made.priced, made.draft]


def test_a_piece_is_uploaded_from_the_camera_and_downloaded(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    page = signed.client.get(f"/factures/{made.secured}").text
    assert 'accept="image/*,application/pdf" capture="environment"' in page
    content = png()
    answer = signed.client.post(f"/factures/{made.secured}/pieces", data={"csrf": signed.csrf, "type": "ordonnance"},
                                files={"fichier": ("ordonnance.png", content, "image/png")}, follow_redirects=False)
    assert answer.status_code == 303
    [piece] = queries.show(admin(db), made.secured).attachments
    assert (piece["kind"], piece["media_type"]) == ("ordonnance", "image/png")
    got = signed.client.get(f"/factures/{made.secured}/pieces/{piece['id']}")
    assert got.status_code == 200 and got.content == content and got.headers["content-type"] == "image/png"
    assert signed.client.get(f"/factures/{made.secured}/pieces/999").status_code == 404


def test_a_junk_piece_is_refused_beside_the_file_field(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    answer = signed.client.post(f"/factures/{made.secured}/pieces", data={"csrf": signed.csrf, "type": "ordonnance"},
                                files={"fichier": ("virus.exe", b"MZ....", "application/octet-stream")})
    assert answer.status_code == 422
    assert 'id="fichier-erreur">fichier : format non accepté (PDF, PNG ou JPEG).<' in unescape(answer.text)
    empty = signed.client.post(f"/factures/{made.secured}/pieces", data={"csrf": signed.csrf, "type": "photo"},
                               files={"fichier": ("vide.png", b"", "image/png")})
    assert empty.status_code == 422
    text = unescape(empty.text)
    assert 'id="type-erreur">type de pièce : « photo » inconnu' in text
    assert queries.show(admin(db), made.secured).attachments == []


def test_the_degraded_care_sheet_is_downloaded_and_attached(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    degraded = secured(admin(db), "degrade")
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    page = signed.client.get(f"/factures/{degraded}").text
    assert f'href="/factures/{degraded}/feuille-de-soins.pdf"' in page
    assert f"/factures/{made.secured}/feuille-de-soins.pdf" not in signed.client.get(f"/factures/{made.secured}").text
    pdf = signed.client.get(f"/factures/{degraded}/feuille-de-soins.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"
    assert not queries.show(admin(db), degraded).sendable
    attached = signed.post(f"/factures/{degraded}/feuille-de-soins/joindre", follow_redirects=False)
    assert attached.status_code == 303 and queries.show(admin(db), degraded).sendable
    refused = signed.client.get(f"/factures/{made.secured}/feuille-de-soins.pdf")
    assert refused.status_code == 409 and "mode dégradé" in unescape(refused.text)


def test_a_care_sheet_sent_on_paper(app: FastAPI, db: Database) -> None:
    some_invoices(db)
    degraded = secured(admin(db), "degrade")
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    assert signed.post(f"/factures/{degraded}/papier", follow_redirects=False).status_code == 303
    assert queries.show(admin(db), degraded).sendable


def test_a_change_without_the_csrf_token_is_refused(app: FastAPI, db: Database) -> None:
    made = some_invoices(db)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    answer = signed.client.post(f"/factures/{made.draft}/supprimer", data={})
    assert answer.status_code == 403 and state_of(db, made.draft) == "draft"


def test_the_final_signature_of_an_invoice_to_secure(app: FastAPI, db: Database) -> None:
    from feuille.billing import securing
    from tests.billing.support import CPE_SECRETAIRE, VITALE_ESSAI, FakeReader
    from tests.web.invoices.data import priced

    some_invoices(db)
    invoice = priced(admin(db))
    securing.secure(admin(db), invoice, "desynchronise", FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI))
    secretary = support.sign_in(with_desk_cards(app), db, Role.SECRETAIRE)
    assert f'href="/factures/{invoice}/finaliser"' in secretary.client.get(f"/factures/{invoice}").text
    refused = secretary.post(f"/factures/{invoice}/finaliser", {"pin": ""})
    assert refused.status_code == 403 and state_of(db, invoice) == "partly_secured"
    titulaire = support.sign_in(app, db, Role.TITULAIRE)
    done = titulaire.post(f"/factures/{invoice}/finaliser", {"pin": ""}, follow_redirects=False)
    assert done.status_code == 303 and state_of(db, invoice) == "secured"
    assert "Signature finale faite" in unescape(titulaire.client.get(done.headers["location"]).text)

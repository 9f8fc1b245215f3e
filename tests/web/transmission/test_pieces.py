"""SCOR pieces over HTTP: added from the invoice's page then « Le document est-il conforme ? » with the manual's
reasons, replaced when not conforming, the « Pièces jointes » tab with the manual's columns, its filter and its
actions (check, delete after « Supprimer ? », send by hand through the caisse de test)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI

from feuille.auth import Context, Role
from feuille.domain.scor import PieceKind, PieceState
from feuille.storage import Database
from feuille.transmission import mail_settings, scor_pieces
from tests.support.caisse import CaisseDeTest, start_caisse
from tests.transmission import scor_samples as s
from tests.transmission.test_scor_flow import ready_lot
from tests.transmission.test_scor_pieces import PRESCRIPTION, secured, sent
from tests.web import support

CONFORMITY = re.compile(r"/factures/(\d+)/pieces/(\d+)/conformite")


def states(ctx: Context, invoice: int) -> dict[PieceKind, list[PieceState]]:
    out: dict[PieceKind, list[PieceState]] = {}
    for view in scor_pieces.list_pieces(ctx):
        if view.invoice_id == invoice:
            out.setdefault(view.kind, []).append(view.state)
    return out


def add(signed: support.Signed, invoice: int, content: bytes, kind: str = "ordonnance",
        name: str = "ordo.png") -> tuple[int, str]:
    """Add a piece from the invoice's page: (its number, the conformity page's address)."""
    done = signed.client.post(f"/factures/{invoice}/pieces", data={"csrf": signed.csrf, "type": kind},
                              files={"fichier": (name, content, "image/png")}, follow_redirects=False)
    assert done.status_code == 303, done.text[:2000]
    found = CONFORMITY.search(done.headers["location"])
    assert found and int(found.group(1)) == invoice
    return int(found.group(2)), done.headers["location"]


def test_add_then_answer_the_conformity_then_replace(app: FastAPI, db: Database, ctx: Context) -> None:
    from tests.billing.support import practice

    practice(ctx)
    invoice = secured(ctx, prescription=PRESCRIPTION)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    piece, address = add(signed, invoice, s.good_png())
    shown = signed.client.get(address)
    assert shown.status_code == 200
    assert "Pièce « ordo.png » jointe : contrôlez-la." in shown.text and "Le document est-il conforme ?" in shown.text
    assert f'<img src="/factures/{invoice}/pieces/{piece}"' in shown.text
    assert "page non vide" in shown.text and "Plusieurs documents par page" in shown.text
    assert signed.client.get(f"/factures/{invoice}/pieces/{piece}").content == s.good_png()

    unanswered = signed.post(f"/factures/{invoice}/pieces/{piece}/conformite", {})
    assert unanswered.status_code == 422 and 'id="conforme-erreur"' in unanswered.text
    no_reason = signed.post(f"/factures/{invoice}/pieces/{piece}/conformite", {"conforme": "non"})
    assert no_reason.status_code == 422 and 'id="motifs-erreur"' in no_reason.text
    assert 'value="non" checked' in no_reason.text                          # what was chosen is kept
    both = signed.client.post(f"/factures/{invoice}/pieces/{piece}/conformite",
                              data={"csrf": signed.csrf, "conforme": "oui", "motifs": ["illisible", "doublee"]})
    assert both.status_code == 422 and 'value="illisible" checked' in both.text
    assert states(ctx, invoice)[PieceKind.PRESCRIPTION] == [PieceState.A_CONTROLER]

    judged = signed.client.post(f"/factures/{invoice}/pieces/{piece}/conformite",
                                data={"csrf": signed.csrf, "conforme": "non", "motifs": ["non_droite"]},
                                follow_redirects=False)
    assert judged.status_code == 303
    after = signed.client.get(judged.headers["location"])
    assert "Pièce NON CONFORME" in after.text and "document : page non droite (constaté)" in after.text
    assert '<strong id="etat-piece">NON CONFORME</strong>' in after.text and "Remplacer le document" in after.text

    junk = signed.client.post(f"/factures/{invoice}/pieces/{piece}/remplacer", data={"csrf": signed.csrf},
                              files={"fichier": ("x.png", b"\x89PNX", "image/png")})
    assert junk.status_code == 422 and 'id="fichier-erreur"' in junk.text
    replaced = signed.client.post(f"/factures/{invoice}/pieces/{piece}/remplacer", data={"csrf": signed.csrf},
                                  files={"fichier": ("propre.png", s.good_png(), "image/png")},
                                  follow_redirects=False)
    assert replaced.status_code == 303
    found = CONFORMITY.search(replaced.headers["location"])
    assert found
    new = int(found.group(2))
    assert "Pièce remplacée par « propre.png »" in signed.client.get(replaced.headers["location"]).text
    conforming = signed.post(f"/factures/{invoice}/pieces/{new}/conformite", {"conforme": "oui"})
    assert conforming.status_code == 200 and "Pièce CONFORME" in conforming.text
    assert states(ctx, invoice)[PieceKind.PRESCRIPTION] == [PieceState.CONFORME]


def test_the_tab_columns_filter_and_delete(app: FastAPI, db: Database, ctx: Context) -> None:
    from tests.billing.support import practice

    practice(ctx)
    invoice = secured(ctx, prescription=PRESCRIPTION)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    piece, _ = add(signed, invoice, s.good_png())
    care, _ = add(signed, invoice, s.good_png(), "feuille_de_soins", "fds.png")
    signed.post(f"/factures/{invoice}/pieces/{care}/conformite", {"conforme": "oui"})
    every = signed.client.get("/teletransmission/pieces", params={"etat": ""})
    assert every.status_code == 200
    headers = re.findall(r'<th scope="col">(?:<abbr title="\w+">)?([^<]+)', every.text)
    assert headers == ["Date envoi PJ", "N° Facture", "Etat SV", "Nom", "Prénom", "Etat PJ", "Type", "Délai", "V",
                       "A"]
    assert "<td>A CONTROLER</td>" in every.text and "<td>CONFORME</td>" in every.text
    assert f"/factures/{invoice}/pieces/{piece}/supprimer?retour=onglet" in every.text
    assert 'aria-label="Envoyer les pièces de la facture' in every.text
    conforming = signed.client.get("/teletransmission/pieces", params={"etat": "conforme"})
    assert "<td>CONFORME</td>" in conforming.text and "<td>A CONTROLER</td>" not in conforming.text

    question = signed.client.get(f"/factures/{invoice}/pieces/{piece}/supprimer", params={"retour": "onglet"})
    assert question.status_code == 200 and "<h1>Supprimer ?</h1>" in question.text
    assert ">Oui</button>" in question.text and 'href="/teletransmission/pieces?etat=">Non</a>' in question.text
    done = signed.post(f"/factures/{invoice}/pieces/{piece}/supprimer", follow_redirects=False)
    assert done.status_code == 303
    shown = signed.client.get(done.headers["location"])
    assert "Pièce supprimée de la facture" in shown.text and "(ordonnance : MANQUANT)" in shown.text
    assert states(ctx, invoice)[PieceKind.PRESCRIPTION] == [PieceState.MANQUANT]
    assert signed.post(f"/factures/{invoice}/pieces/{piece}/supprimer").status_code == 404


def test_a_sent_piece_is_not_deleted_and_sending_needs_a_lot(app: FastAPI, db: Database, ctx: Context) -> None:
    from tests.billing.support import practice

    practice(ctx)
    invoice = secured(ctx, prescription=PRESCRIPTION)
    view = scor_pieces.add_piece(ctx, invoice, "ordo.png", s.good_png(), "ordonnance")
    piece = view.attachment_id or 0
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    signed.post(f"/factures/{invoice}/pieces/{piece}/conformite", {"conforme": "oui"})
    no_lot = signed.post("/teletransmission/pieces/envoyer", {"facture": str(invoice)})
    assert no_lot.status_code == 409 and "pas encore mis en fichier" in no_lot.text
    junk = signed.post("/teletransmission/pieces/envoyer", {"facture": "douze"})
    assert junk.status_code == 422
    sent(ctx, invoice, piece, ctx.clock().date() + timedelta(days=90))
    refused = signed.post(f"/factures/{invoice}/pieces/{piece}/supprimer")
    assert refused.status_code == 409 and "Impossible de supprimer une pièce SCOR « ENVOYE »" in refused.text
    tab = signed.client.get("/teletransmission/pieces", params={"etat": "envoye"})
    purge = ctx.clock().date() + timedelta(days=90)
    assert "<td>ENVOYE</td>" in tab.text, tab.text[-3000:]
    # « Délai »: the days left before the purge, counted from the day the page is read (the app's own clock)
    assert f'<span title="purge le {purge:%d/%m/%Y}">{(purge - datetime.now().date()).days} j</span>' in tab.text
    assert f"/factures/{invoice}/pieces/{piece}/supprimer" not in tab.text
    assert signed.client.get(f"/factures/{invoice}/pieces/{piece}/conformite").status_code == 200


def test_a_forged_post_and_an_unknown_piece(app: FastAPI, db: Database, ctx: Context) -> None:
    from tests.billing.support import practice

    practice(ctx)
    invoice = secured(ctx, prescription=PRESCRIPTION)
    piece = scor_pieces.add_piece(ctx, invoice, "ordo.png", s.good_png(), "ordonnance").attachment_id
    signed = support.sign_in(app, db, Role.TITULAIRE)
    for action in ("conformite", "supprimer"):
        forged = signed.client.post(f"/factures/{invoice}/pieces/{piece}/{action}", data={"conforme": "oui"})
        assert forged.status_code == 403
    assert states(ctx, invoice)[PieceKind.PRESCRIPTION] == [PieceState.A_CONTROLER]
    assert signed.client.get(f"/factures/{invoice}/pieces/999/conformite").status_code == 404
    assert signed.client.get(f"/factures/{invoice}/pieces/999/supprimer").status_code == 404
    assert signed.post(f"/factures/{invoice}/pieces/999/conformite", {"conforme": "oui"}).status_code == 404


@pytest.fixture
def caisse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CaisseDeTest]:
    monkeypatch.setenv("FEUILLE_SECRETS_FILE", str(tmp_path / "secrets.json"))
    with start_caisse(tmp_path / "caisse") as running:
        yield running


def test_send_the_pieces_by_hand_to_the_caisse(app: FastAPI, db: Database, ctx: Context,
                                               caisse: CaisseDeTest) -> None:
    invoice, _ = ready_lot(ctx, caisse)
    mail_settings.connect_test_caisse(ctx, caisse.dir)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    done = signed.post("/teletransmission/pieces/envoyer", {"facture": str(invoice)}, follow_redirects=False)
    assert done.status_code == 303, done.text[:3000]
    shown = signed.client.get(done.headers["location"])
    assert re.search(r"Lot SCOR \d+ \(lot FSE 001, 2 pièce\(s\)\) : envoyé", shown.text), shown.text[-3000:]
    assert set(s for found in states(ctx, invoice).values() for s in found) <= {
        PieceState.ENVOYE, PieceState.SAUVEGARDE_PARTIELLE}
    again = signed.client.get(signed.post("/teletransmission/pieces/envoyer", {}, follow_redirects=False)
                              .headers["location"])
    assert "Aucune pièce SCOR à envoyer" in again.text


def test_a_draft_s_pdf_is_shown_and_judged_but_not_deleted_here(app: FastAPI, db: Database, ctx: Context) -> None:
    from feuille.billing import drafts
    from tests.billing.support import consultation, practice

    practice(ctx)
    draft = drafts.create_draft(ctx, consultation()).id
    signed = support.sign_in(app, db, Role.TITULAIRE)
    done = signed.client.post(f"/factures/{draft}/pieces", data={"csrf": signed.csrf, "type": "ordonnance"},
                              files={"fichier": ("ordo.pdf", s.pdf(s.text_page(2)), "application/pdf")},
                              follow_redirects=False)
    assert done.status_code == 303
    shown = signed.client.get(done.headers["location"])
    assert shown.status_code == 200 and 'type="application/pdf"' in shown.text and "<object data=" in shown.text
    found = CONFORMITY.search(done.headers["location"])
    assert found
    piece = int(found.group(2))
    judged = signed.post(f"/factures/{draft}/pieces/{piece}/conformite", {"conforme": "oui"})
    assert judged.status_code == 200 and '<strong id="etat-piece">CONFORME</strong>' in judged.text
    refused = signed.post(f"/factures/{draft}/pieces/{piece}/supprimer")
    assert refused.status_code == 409 and "une fois la facture signée" in refused.text

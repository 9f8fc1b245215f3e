"""The teletransmission tab over HTTP: invoices to send and why one is held, « Mettre en lot et envoyer » without
a mail transport (the service's French refusal), lots with their events and slip, SCOR pieces, the settings."""

from __future__ import annotations

import re

from fastapi import FastAPI

from feuille.auth import Context, Role
from feuille.storage import Database
from feuille.transmission import lot_views, pending
from feuille.transmission import settings as tsettings
from tests.transmission.support import practice, secured
from tests.web import support
from tests.web.transmission.data import returned


def test_invoices_to_send_and_sending_without_a_mailbox(app: FastAPI, db: Database, ctx: Context) -> None:
    practice(ctx)
    invoice = secured(ctx)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    listed = signed.client.get("/teletransmission")
    assert listed.status_code == 200
    assert "Mettre en lot et envoyer" in listed.text and "1 facture(s) prête(s) à mettre en lot sur 1." in listed.text
    refused = signed.post("/teletransmission/envoyer")
    assert refused.status_code == 409
    message = re.search(r'class="alerte erreur" role="alert">\s*<p><strong>([^<]+)</strong>', refused.text)
    assert message and "messagerie" in message.group(1).lower(), refused.text[:2000]
    assert [item.id for item in pending.listing(ctx)] == [invoice]       # nothing was lotted behind the refusal


def test_lots_their_detail_history_and_slip(app: FastAPI, db: Database, ctx: Context) -> None:
    data = returned(ctx)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    listed = signed.client.get("/teletransmission/lots")
    assert listed.status_code == 200 and f'href="/teletransmission/lots/{data.sent.lot_id}"' in listed.text
    state = lot_views.listing(ctx)[0].to_json()["etat_lot"]
    assert state in listed.text
    filtered = signed.client.get("/teletransmission/lots", params={"etat": "n-importe"})
    assert filtered.status_code == 422 and 'id="etat-erreur"' in filtered.text
    detail = signed.client.get(f"/teletransmission/lots/{data.sent.lot_id}")
    assert detail.status_code == 200
    assert "Historique" in detail.text and "BORDEREAU" in detail.text.upper()
    assert f"/suivi/factures/{data.paid}" in detail.text
    assert signed.client.get("/teletransmission/lots/99999").status_code == 404


def test_pieces_filtered_on_missing_and_one_added(app: FastAPI, db: Database, ctx: Context) -> None:
    from tests.transmission import scor_samples

    practice(ctx)
    degraded = secured(ctx, "degrade")
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    missing = signed.client.get("/teletransmission/pieces")        # the home tile's address: the missing ones
    assert missing.status_code == 200 and "MANQUANT" in missing.text
    assert '<option value="MANQUANT" selected>' in missing.text
    assert f"/teletransmission/pieces?facture={degraded}&amp;type=feuille_de_soins#ajout" in missing.text
    bad = signed.client.get("/teletransmission/pieces", params={"etat": "bleu"})
    assert bad.status_code == 422 and 'id="etat-erreur"' in bad.text
    no_file = signed.client.post("/teletransmission/pieces", data={"csrf": signed.csrf, "facture": str(degraded),
                                                                    "type": "feuille_de_soins"})
    assert no_file.status_code == 422 and 'id="fichier-erreur"' in no_file.text
    junk = signed.client.post("/teletransmission/pieces", data={"csrf": signed.csrf, "facture": str(degraded),
                                                                 "type": "photo"},
                              files={"fichier": ("x.png", b"\x89PNX\r\n", "image/png")})
    assert junk.status_code == 422 and 'id="type-erreur"' in junk.text
    assert f'value="{degraded}"' in junk.text
    done = signed.client.post("/teletransmission/pieces", data={"csrf": signed.csrf, "facture": str(degraded),
                                                                 "type": "feuille_de_soins"},
                              files={"fichier": ("fds.png", scor_samples.good_png(), "image/png")},
                              follow_redirects=False)
    assert done.status_code == 303, done.text
    after = signed.client.get(done.headers["location"])
    assert "Pièce « fds.png » jointe" in after.text and "Le document est-il conforme ?" in after.text
    assert "Aucune pièce dans cet état." in signed.client.get("/teletransmission/pieces").text
    every = signed.client.get("/teletransmission/pieces", params={"etat": ""})
    assert "<td>A CONTROLER</td>" in every.text and "fds.png" in every.text


def test_settings_of_the_tab(app: FastAPI, db: Database, ctx: Context) -> None:
    owner = support.sign_in(app, db, Role.TITULAIRE)
    shown = owner.client.get("/teletransmission/parametres")
    assert shown.status_code == 200 and "Délai d&#39;absence d&#39;ARL (jours)" in shown.text
    junk = owner.post("/teletransmission/parametres", {"delai_arl": "mille", "mode": "essai", "norme": "XX"})
    assert junk.status_code == 422
    for name in ("delai_arl", "mode", "norme"):
        assert f'id="{name}-erreur"' in junk.text
    assert 'value="mille"' in junk.text and "data-valeurs-serveur" in junk.text
    done = owner.post("/teletransmission/parametres", {"delai_arl": "5", "mode": "test"}, follow_redirects=False)
    assert done.status_code == 303
    assert tsettings.get(ctx).to_json()["delai_arl"] == 5


def test_a_secretary_may_not_change_the_settings(app: FastAPI, db: Database, ctx: Context) -> None:
    secretary = support.sign_in(app, db, Role.SECRETAIRE)
    refused = secretary.post("/teletransmission/parametres", {"delai_arl": "9"})
    assert refused.status_code == 403 and "Accès refusé" in refused.text
    assert tsettings.get(ctx).to_json()["delai_arl"] == tsettings.DEFAULTS.to_json()["delai_arl"]


def test_releasing_an_invoice_held_by_the_automatic_blocking(app: FastAPI, db: Database, ctx: Context) -> None:
    practice(ctx)
    invoice = secured(ctx)
    tsettings.update(ctx, {"blocage_automatique": "oui"})
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    listed = signed.client.get("/teletransmission")
    assert "blocage automatique" in listed.text and f'id="debloquer-{invoice}"' in listed.text
    nothing = signed.post("/teletransmission/debloquer", {})
    assert nothing.status_code == 422 and 'id="facture-erreur"' in nothing.text
    junk = signed.post("/teletransmission/debloquer", {"facture": "abc"})
    assert junk.status_code in (404, 422) and "alerte erreur" in junk.text
    done = signed.post("/teletransmission/debloquer", {"facture": str(invoice)}, follow_redirects=False)
    assert done.status_code == 303
    assert "1 facture(s) débloquée(s)" in signed.client.get(done.headers["location"]).text
    assert [item.sendable for item in pending.listing(ctx)] == [True]


def test_receiving_without_a_mailbox_says_why(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    refused = signed.post("/teletransmission/recevoir")
    assert refused.status_code == 409 and "Messagerie non configurée" in refused.text


def test_a_refused_lot_handled_by_hand(app: FastAPI, db: Database, ctx: Context) -> None:
    from feuille.domain.lots import LotState
    from tests.returns.support import send

    practice(ctx)
    sent = send(ctx, 1, state=LotState.ARL_NEGATIF)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    address = f"/teletransmission/lots/{sent.lot_id}"
    shown = signed.client.get(address)
    assert "Traitement manuel" in shown.text and "Réexpédier le lot" in shown.text
    relaunched = signed.post(f"{address}/relancer")
    assert relaunched.status_code == 409 and "Messagerie non configurée" in relaunched.text
    empty = signed.post(f"{address}/traiter", {"note": " "})
    assert empty.status_code == 422 and 'id="note-erreur"' in empty.text
    done = signed.post(f"{address}/traiter", {"note": "factures renvoyées sur papier", "rendre_factures": "1"},
                       follow_redirects=False)
    assert done.status_code == 303
    after = signed.client.get(done.headers["location"])
    assert "1 facture(s) de nouveau à télétransmettre" in after.text and "Réexpédier le lot" not in after.text
    assert [item.id for item in pending.listing(ctx)] == [sent.invoices[0].id]

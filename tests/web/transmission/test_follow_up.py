"""The follow-up screens over HTTP: the list and its filters, an invoice's returns, unmatched returns and manual
matching, rejects and « traiter », transfers, one-off operations, NOEMIE files, charts; refusals in French."""

from __future__ import annotations

import re

from fastapi import FastAPI

from feuille.auth import Context, Role
from feuille.returns import manual_matching, rejects
from feuille.storage import Database
from tests.web import support
from tests.web.transmission.data import PERIOD, returned


def _rows(html: str) -> int:
    return len(re.findall(r"<tr data-etat=", html))


def test_the_list_filters_by_state_and_shows_the_share_line(app: FastAPI, db: Database, ctx: Context) -> None:
    returned(ctx)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    everything = signed.client.get("/suivi", params=PERIOD)
    assert everything.status_code == 200
    assert _rows(everything.text) == 3
    assert "3 dossiers dont 3 sécurisés en sesam vitale soit 100 %" in everything.text
    only = signed.client.get("/suivi", params={**PERIOD, "etat": "rejete"})
    assert _rows(only.text) == 1 and "Rejeté" in only.text
    # htmx asks for the results alone
    partial = signed.client.get("/suivi", params={**PERIOD, "etat": ["paye", "partiellement_paye"]},
                                headers={"HX-Request": "true", "HX-Target": "suivi-resultats"})
    assert partial.status_code == 200 and _rows(partial.text) == 2 and "<html" not in partial.text


def test_a_bad_filter_date_is_refused_beside_its_field(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    answer = signed.client.get("/suivi", params={"du": "31/02/2024", "au": "hier"})
    assert answer.status_code == 422
    assert re.search(r'<p class="message-champ" id="du-erreur">[^<]*Du', answer.text)
    assert 'id="du" name="du" type="text" value="31/02/2024"' in answer.text
    unknown = signed.client.get("/suivi", params={"amo": "douze"})
    assert unknown.status_code == 422 and 'id="amo-erreur"' in unknown.text and "régime et caisse" in unknown.text


def test_an_invoice_detail_and_handling_its_reject(app: FastAPI, db: Database, ctx: Context) -> None:
    data = returned(ctx)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    listed = signed.client.get("/suivi/rejets", params=PERIOD)
    assert listed.status_code == 200 and "ASSURE INCONNU" in listed.text and f'id="note-{data.rejected}"' in listed.text
    bad = signed.client.get("/suivi/rejets", params={"au": "31/12", "patient": "?"})
    assert bad.status_code == 422 and 'id="au-erreur"' in bad.text
    detail = signed.client.get(f"/suivi/factures/{data.rejected}")
    assert detail.status_code == 200 and "ASSURE INCONNU" in detail.text and "Traitement manuel du rejet" in detail.text
    empty = signed.post(f"/suivi/factures/{data.rejected}/traiter", {"note": "  "})
    assert empty.status_code in (400, 422) and 'id="note-erreur"' in empty.text
    done = signed.post(f"/suivi/factures/{data.rejected}/traiter", {"note": "PEC renvoyée"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith(f"/suivi/factures/{data.rejected}")
    after = signed.client.get(done.headers["location"])
    assert "PEC renvoyée" in after.text and "marqué traité" in after.text
    handled = signed.client.get("/suivi/rejets", params={**PERIOD, "non_traites": "1"})
    assert handled.status_code == 200 and "Aucune facture rejetée ne correspond." in handled.text
    assert signed.client.get("/suivi/factures/999999").status_code == 404


def test_matching_an_unmatched_return_by_hand(app: FastAPI, db: Database, ctx: Context) -> None:
    data = returned(ctx)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    page = signed.client.get("/suivi/non-rapproches")
    assert page.status_code == 200
    waiting = manual_matching.list_unmatched(ctx).lines
    assert len(waiting) == 1
    return_id = waiting[0].return_id
    assert f'id="facture-{return_id}"' in page.text
    junk = signed.post(f"/suivi/non-rapproches/{return_id}/rapprocher", {"facture": "abc"})
    assert junk.status_code in (400, 404, 409, 422)
    assert f'id="facture-{return_id}-erreur"' in junk.text and 'value="abc"' in junk.text
    done = signed.post(f"/suivi/non-rapproches/{return_id}/rapprocher", {"facture": str(data.paid)},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    assert manual_matching.list_unmatched(ctx).total == 0
    undone = signed.post(f"/suivi/retours/{return_id}/dissocier", follow_redirects=False)
    assert undone.status_code == 303 and undone.headers["location"].startswith(f"/suivi/factures/{data.paid}")
    assert manual_matching.list_unmatched(ctx).total == 1


def test_transfers_operations_files_and_charts(app: FastAPI, db: Database, ctx: Context) -> None:
    data = returned(ctx)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    listed = signed.client.get("/suivi/virements", params=PERIOD)
    assert listed.status_code == 200 and "VIR AMO 01 349" in listed.text
    found = re.search(r'href="/suivi/virements/(\d+)"', listed.text)
    assert found
    detail = signed.client.get(f"/suivi/virements/{found.group(1)}")
    assert detail.status_code == 200 and "Contrôle" in detail.text and f"/suivi/factures/{data.paid}" in detail.text
    bad = signed.client.get("/suivi/virements", params={"du": "01/13/2024"})
    assert bad.status_code == 422 and 'id="du-erreur"' in bad.text
    assert signed.client.get("/suivi/operations", params=PERIOD).status_code == 200
    files = signed.client.get("/suivi/fichiers")
    assert files.status_code == 200 and "retour.txt" in files.text
    charts = signed.client.get("/suivi/graphiques", params=PERIOD)
    assert charts.status_code == 200 and "data-graphique=" in charts.text and "janv. 2025" in charts.text
    assert "/static/vendor/chart.umd.min.js" in charts.text


def test_integrating_an_uploaded_noemie_file(app: FastAPI, db: Database, ctx: Context) -> None:
    from tests.returns.support import answer, file_of, practice, send, write

    practice(ctx)
    sent = send(ctx, 1)
    content = write(file_of(sent, [answer(sent.invoices[0], sent)]))
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    missing = signed.client.post("/suivi/fichiers", data={"csrf": signed.csrf}, files={})
    assert missing.status_code == 422 and 'id="fichier-erreur"' in missing.text
    junk = signed.client.post("/suivi/fichiers", data={"csrf": signed.csrf},
                              files={"fichier": ("junk.txt", b"pas un fichier NOEMIE", "text/plain")})
    assert junk.status_code == 422 and 'id="fichier-erreur"' in junk.text and "Choisissez" not in junk.text
    done = signed.client.post("/suivi/fichiers", data={"csrf": signed.csrf},
                              files={"fichier": ("rsp.txt", content, "text/plain")}, follow_redirects=False)
    assert done.status_code == 303
    shown = signed.client.get(done.headers["location"])
    assert "Fichier intégré : 1 retour(s), 1 rapproché(s)" in shown.text and "rsp.txt" in shown.text


def test_a_post_without_the_csrf_token_changes_nothing(app: FastAPI, db: Database, ctx: Context) -> None:
    """Every role may read and handle returns (the services grant it to all): the refusal by role is the settings'
    (tests/web/transmission/test_teletransmission.py); a forged post is refused here."""
    data = returned(ctx)
    secretary = support.sign_in(app, db, Role.SECRETAIRE)
    forged = secretary.client.post(f"/suivi/factures/{data.rejected}/traiter", data={"note": "x"})
    assert forged.status_code == 403 and "Accès refusé" in forged.text
    assert not rejects.list_rejects(ctx).lines[0].line.handled
    unmatched = manual_matching.list_unmatched(ctx).lines[0].return_id
    forged_match = secretary.client.post(f"/suivi/non-rapproches/{unmatched}/rapprocher",
                                         data={"facture": str(data.paid)})
    assert forged_match.status_code == 403 and manual_matching.list_unmatched(ctx).total == 1


def test_a_rejected_invoice_paid_outside_the_flow(app: FastAPI, db: Database, ctx: Context) -> None:
    data = returned(ctx)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    address = f"/suivi/factures/{data.rejected}"
    shown = signed.client.get(address)
    assert 'id="note_etat"' in shown.text and 'id="note"' in shown.text and "Corriger" in shown.text
    no_note = signed.post(f"{address}/etat", {"etat": "paye", "note_etat": " "})
    assert no_note.status_code == 422 and 'id="note_etat-erreur"' in no_note.text
    junk = signed.post(f"{address}/etat", {"etat": "partiellement_paye", "montant": "beaucoup", "note_etat": "vu"})
    assert junk.status_code == 422 and 'id="montant-erreur"' in junk.text
    assert 'value="beaucoup"' in junk.text and 'id="note"' not in junk.text   # only the form that was sent
    assert "Rejeté" in signed.client.get(address).text
    done = signed.post(f"{address}/etat", {"etat": "paye", "note_etat": "chèque de la caisse"},
                       follow_redirects=False)
    assert done.status_code == 303
    after = signed.client.get(done.headers["location"])
    assert "« Payé »" in after.text and "chèque de la caisse" in after.text


def test_correcting_a_rejected_invoice(app: FastAPI, db: Database, ctx: Context) -> None:
    data = returned(ctx)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    done = signed.post(f"/suivi/factures/{data.rejected}/corriger", follow_redirects=False)
    assert done.status_code == 303
    assert "Correction créée" in signed.client.get(done.headers["location"]).text
    again = signed.post(f"/suivi/factures/{data.rejected}/corriger")
    assert again.status_code == 409 and "déjà une correction" in again.text
    not_rejected = signed.post(f"/suivi/factures/{data.paid}/corriger")
    assert not_rejected.status_code == 409 and "n&#39;est pas rejetée" in not_rejected.text


def test_one_off_payments_and_their_detail(app: FastAPI, db: Database, ctx: Context) -> None:
    from decimal import Decimal

    from feuille.formats.noemie_file import OneOffDetail, OneOffPayment
    from feuille.returns import integration
    from tests.returns.support import answer, file_of, practice, send, write

    practice(ctx)
    sent = send(ctx, 1)
    payment = OneOffPayment("00001", Decimal("40.00"), (OneOffDetail("CODE1", "LIBELLE1", amount=Decimal("40.00")),))
    content = write(file_of(sent, [answer(sent.invoices[0], sent)], payments=(payment,)))
    assert integration.integrate_file(ctx, content).outcome == "integre"
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    listed = signed.client.get("/suivi/operations", params=PERIOD)
    assert listed.status_code == 200 and "LIBELLE1" in listed.text and "40,00" in listed.text
    found = re.search(r'href="/suivi/operations/(\d+)"', listed.text)
    assert found
    detail = signed.client.get(f"/suivi/operations/{found.group(1)}")
    assert detail.status_code == 200 and "Date comptable" in detail.text
    bad = signed.client.get("/suivi/operations", params={"du": "jamais"})
    assert bad.status_code == 422 and 'id="du-erreur"' in bad.text

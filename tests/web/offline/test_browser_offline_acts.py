"""The offline page in Debian's Chromium: acts chosen from the favourites with the server down travel with the
record; 1,000 records kept in the browser are sent in 5 requests of 200 when the server is back, each stored once."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from playwright.sync_api import BrowserType, Page, Request, expect

from feuille.auth import Role
from feuille.storage import Database
from tests.web import support
from tests.web.offline.switchable import SwitchableServer
from tests.web.offline.test_browser_offline import (
    ROWS,
    inject,
    signed_in_profile,
    stored,
    type_record,
    visit,
)
from tests.web.wizard import helpers


def favourites_kept(page: Page) -> None:
    """Wait until the page has fetched the user's favourites and kept them in IndexedDB."""
    page.wait_for_function("() => window.feuilleStockage.setting('favoris:' + window.feuilleHorsLigne.login())"
                           ".then(f => f && f.length > 0)")


def type_with_the_consultation(page: Page) -> None:
    """Essai Alain typed with the favourite « Consultation (GS) » ticked."""
    page.get_by_role("button", name="+ Ajouter").click()
    page.get_by_label("Consultation (GS)").check()
    page.get_by_label("Nom*", exact=True).fill("Essai")
    page.get_by_label("Prénom*", exact=True).fill("Alain")
    page.get_by_label("NIR*").fill("1421962965165")
    page.get_by_label("Clé*").fill("96")
    page.get_by_role("button", name="Enregistrer").click()


def test_acts_chosen_from_the_favourites_offline_are_sent_with_the_record(
        app: FastAPI, db: Database, server: SwitchableServer, browser_type: BrowserType, tmp_path: Path) -> None:
    helpers.demo(db)   # the demo's doctor has favourites (« Consultation » : GS, …)
    login = support.user(db, Role.TITULAIRE, helpers.DOCTOR)
    context, page = signed_in_profile(browser_type, tmp_path / "profil", server.base, login)
    expect(page.locator("#hl-cache")).to_have_attribute("data-pret", "oui")
    favourites_kept(page)
    server.stop()
    page.reload()   # from the service worker's cache: the favourites come from IndexedDB
    page.get_by_role("button", name="+ Ajouter").click()
    fieldset = page.get_by_role("group", name="Actes (favoris)")
    fieldset.get_by_label("Consultation (GS)").check()
    support.screenshot(page, "hors_ligne_actes_favoris")
    page.get_by_role("button", name="Annuler").click()
    type_with_the_consultation(page)
    expect(page.locator(ROWS)).to_have_count(1)
    expect(page.locator(ROWS)).to_contain_text("Actes : GS")
    type_record(page, "Martin", "Zoé", "2950375056123", "Sans acte.")   # no favourite chosen: no acts
    server.start()
    expect(page.locator(ROWS)).to_have_count(0, timeout=20000)
    records = {r["nom"]: r for r in stored(app, db, login)}
    assert records["Essai"]["actes"] == [{"code": "GS", "coefficient": None}]
    assert records["Martin"]["actes"] == []
    context.close()


def test_a_favourite_deleted_after_typing_still_brings_its_acts(
        app: FastAPI, db: Database, server: SwitchableServer, browser_type: BrowserType, tmp_path: Path) -> None:
    """The record keeps a copy of the favourites it chose: saved again after the favourite left the browser's list
    (deleted on the server, the list fetched anew), it still carries the same acts, and says the favourite is gone."""
    helpers.demo(db)
    login = support.user(db, Role.TITULAIRE, helpers.DOCTOR)
    context, page = signed_in_profile(browser_type, tmp_path / "profil", server.base, login)
    expect(page.locator("#hl-cache")).to_have_attribute("data-pret", "oui")
    favourites_kept(page)
    server.stop()
    page.reload()
    type_with_the_consultation(page)
    expect(page.locator(ROWS)).to_contain_text("Actes : GS")
    # what the page keeps after fetching the list once the favourite is deleted: the others only
    page.evaluate("() => window.feuilleStockage.setting('favoris:' + window.feuilleHorsLigne.login()).then(f => "
                  "window.feuilleStockage.setSetting('favoris:' + window.feuilleHorsLigne.login(), "
                  "f.filter(x => x.libelle !== 'Consultation')))")
    page.reload()
    page.get_by_role("button", name="Modifier l'enregistrement 1").click()
    gone = page.get_by_label("Consultation — favori supprimé depuis (GS)")
    expect(gone).to_be_checked()
    page.get_by_label("Note").fill("Revue après la suppression du favori.")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(ROWS)).to_contain_text("Actes : GS")
    server.start()
    expect(page.locator(ROWS)).to_have_count(0, timeout=20000)
    (record,) = stored(app, db, login)
    assert record["actes"] == [{"code": "GS", "coefficient": None}]
    assert record["note"] == "Revue après la suppression du favori."
    context.close()


def test_a_thousand_records_typed_offline_are_sent_in_five_batches(
        app: FastAPI, db: Database, server: SwitchableServer, browser_type: BrowserType, tmp_path: Path) -> None:
    login = support.user(db, Role.TITULAIRE)
    context, page = signed_in_profile(browser_type, tmp_path / "profil", server.base, login)
    expect(page.locator("#hl-cache")).to_have_attribute("data-pret", "oui")
    server.stop()
    page.reload()
    sent: list[Request] = []
    page.on("request", lambda request: sent.append(request) if request.url.endswith("/api/hors-ligne/envoi")
            else None)
    type_record(page, "Essai", "Alain", "1421962965165", "Tapée à la main.")   # through the form
    inject(page, login, [visit(n) for n in range(2, 1001)])   # the rest through the page's own store
    page.reload()
    expect(page.locator("#hl-compte")).to_have_text("1000 enregistrement(s) dans ce navigateur")
    assert sent == []   # nothing left while the server was down
    server.start()
    expect(page.locator(ROWS)).to_have_count(0, timeout=60000)
    expect(page.locator("#hl-synchro")).to_contain_text("1000 enregistrement(s) envoyé(s)")
    records = stored(app, db, login)
    assert len(records) == 1000 and len({r["id_client"] for r in records}) == 1000
    assert len(sent) == 5 and [len((r.post_data_json or {})["enregistrements"]) for r in sent] == [200] * 5
    context.close()

"""The offline page in Debian's Chromium: records typed with the server down survive a reload and a browser
restart, and are sent once when the server is back; a sync cut in the middle loses nothing and stores nothing
twice; a record the server refuses stays with its message."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.sync_api import BrowserContext, BrowserType, Page, Route, expect

from feuille.auth import Context, Role, actor_for
from feuille.billing import offline_records
from feuille.domain.identifiers import nir_key
from feuille.storage import Database
from tests.web import support
from tests.web.offline.switchable import SwitchableServer

PATIENTS = (("Essai", "Alain", "1421962965165"), ("Adrdeux", "Laurent", "1810175123456"),
            ("Martin", "Zoé", "2950375056123"))
ROWS = "#hl-liste tbody tr"


def open_profile(browser_type: BrowserType, profile: Path) -> BrowserContext:
    context = browser_type.launch_persistent_context(
        str(profile), executable_path=support.CHROMIUM, args=support.CHROMIUM_ARGS, locale="fr-FR",
        timezone_id="Europe/Paris", viewport={"width": 1280, "height": 900})
    context.add_init_script("window.FEUILLE_PING_MS = 500;")   # the indicator pings often in tests
    return context


def sign_in_to(page: Page, base: str, login: str) -> None:
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(support.PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/hors-ligne")


def signed_in_profile(browser_type: BrowserType, profile: Path, base: str, login: str
                      ) -> tuple[BrowserContext, Page]:
    """A browser on its own profile, signed in through the offline page's own link back to it."""
    context = open_profile(browser_type, profile)
    page = context.new_page()
    page.goto(f"{base}/connexion?suite=/hors-ligne")
    sign_in_to(page, base, login)
    return context, page


def type_record(page: Page, last: str, first: str, nir: str, note: str) -> None:
    page.get_by_role("button", name="+ Ajouter").click()
    page.get_by_label("Nom*", exact=True).fill(last)
    page.get_by_label("Prénom*", exact=True).fill(first)
    page.get_by_label("NIR*").fill(nir)
    page.get_by_label("Clé*").fill(f"{int(nir_key(nir)):02d}")
    page.get_by_label("Note").fill(note)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#hl-formulaire")).to_be_hidden()


def stored(app: FastAPI, db: Database, login: str) -> list[dict[str, Any]]:
    """What the database holds, as ``login`` sees it under « Factures à saisir » (read through the service: signing
    in again would set the password again, which ends the browser's session)."""
    return [view.to_json() for view in offline_records.to_bill(Context(db=db, actor=actor_for(db, login)))]


def inject(page: Page, login: str, records: list[dict[str, Any]]) -> None:
    """Records put in IndexedDB as the page would, bypassing the form (its checks included)."""
    page.evaluate("""([login, records]) => Promise.all(records.map((r, i) => window.feuilleStockage.put(
        Object.assign({utilisateur: login, numero: i + 1, etat: "a_envoyer", patient_est_assure: true,
                       nir_connu: true, saisi_le: new Date().toISOString()}, r))))""", [login, records])


def visit(n: int, **changes: Any) -> dict[str, Any]:
    return {"id_client": f"injecte-{n:04d}", "nom": "Essai", "prenom": "Alain", "nir": "1421962965165",
            "cle": "96", "date_soins": "2026-01-15T09:30", "note": f"Visite {n}.", **changes}


def test_records_typed_with_the_server_down_are_sent_once_when_it_is_back(
        app: FastAPI, db: Database, server: SwitchableServer, browser_type: BrowserType, tmp_path: Path) -> None:
    login = support.user(db, Role.TITULAIRE)
    context, page = signed_in_profile(browser_type, tmp_path / "profil", server.base, login)
    expect(page.locator("#hl-cache")).to_have_attribute("data-pret", "oui")
    expect(page.locator("[data-connexion]")).to_have_text("La plateforme est accessible depuis les 5 dernières "
                                                          "minutes")
    # persist() asked, its answer shown (a headless Chromium says no: no site engagement)
    expect(page.locator("#hl-stockage")).to_have_attribute("data-durable", re.compile("^(oui|non)$"))
    server.stop()
    expect(page.locator("[data-connexion]")).to_have_text("La connexion n'a pas été stable dans les 5 dernières "
                                                          "minutes")
    page.get_by_role("button", name="+ Ajouter").click()   # checked in the browser: a wrong key is refused
    page.get_by_label("Nom*", exact=True).fill("Essai")
    page.get_by_label("Prénom*", exact=True).fill("Alain")
    page.get_by_label("NIR*").fill("1421962965165")
    page.get_by_label("Clé*").fill("11")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator('[data-champ="cle"] .message-champ')).to_contain_text("attendue 96")
    page.get_by_role("button", name="Annuler").click()
    for n, (last, first, nir) in enumerate(PATIENTS, start=1):
        type_record(page, last, first, nir, f"Visite {n} hors connexion.")
    expect(page.locator(ROWS)).to_have_count(3)
    support.screenshot(page, "hors_ligne_liste")
    page.reload()   # served by the service worker: the server is down
    expect(page.locator(ROWS)).to_have_count(3)
    expect(page.locator(ROWS).first).to_contain_text("MARTIN Zoé")
    context.close()

    context = open_profile(browser_type, tmp_path / "profil")   # the browser restarted, the server still down
    context.clear_cookies()   # and the session gone with it: the page asks to sign in, the records stay
    page = context.new_page()
    page.goto(f"{server.base}/hors-ligne")
    expect(page.locator(ROWS)).to_have_count(3)
    support.screenshot(page, "hors_ligne_serveur_arrete")
    server.start()
    expect(page.locator("#hl-connectez")).to_be_visible()
    expect(page.locator("#hl-connectez")).to_contain_text("Connectez-vous pour envoyer vos enregistrements")
    expect(page.locator(ROWS)).to_have_count(3)
    assert stored(app, db, login) == []
    page.locator("#hl-connectez a").click()
    sign_in_to(page, server.base, login)
    expect(page.locator(ROWS)).to_have_count(0)
    expect(page.locator("#hl-synchro")).to_contain_text("3 enregistrement(s) envoyé(s)")
    support.screenshot(page, "hors_ligne_envoye")
    records = stored(app, db, login)
    assert sorted((r["nom"], r["note"]) for r in records) == [
        ("Adrdeux", "Visite 2 hors connexion."), ("Essai", "Visite 1 hors connexion."),
        ("Martin", "Visite 3 hors connexion.")]
    context.close()


def test_a_sync_cut_in_the_middle_stores_each_record_once_and_loses_none(
        app: FastAPI, db: Database, server: SwitchableServer, browser_type: BrowserType, tmp_path: Path) -> None:
    login = support.user(db, Role.TITULAIRE)
    context, page = signed_in_profile(browser_type, tmp_path / "profil", server.base, login)
    calls: list[str] = []
    network = {"up": False}

    def cut(route: Route) -> None:   # 1st batch answered; 2nd reaches the server but its answer is lost; then down
        calls.append(route.request.url)
        if len(calls) == 1 or network["up"]:
            route.fulfill(response=route.fetch())
        elif len(calls) == 2:
            route.fetch()
            route.abort("connectionreset")
        else:
            route.abort("internetdisconnected")

    page.route("**/api/hors-ligne/envoi", cut)
    inject(page, login, [visit(n) for n in range(1, 251)])
    page.evaluate("window.feuilleConnexion.verifier()")
    expect(page.locator("#hl-synchro")).to_contain_text("Envoi interrompu")
    page.reload()
    expect(page.locator(ROWS)).to_have_count(50)   # the first batch was answered: gone; the rest stays
    assert len(stored(app, db, login)) == 250   # the second batch reached the server, its answer did not come back
    network["up"] = True
    expect(page.locator(ROWS)).to_have_count(0)
    records = stored(app, db, login)
    assert len(records) == 250 and len({r["id_client"] for r in records}) == 250
    context.close()


def test_a_record_the_server_refuses_stays_with_its_message(
        app: FastAPI, db: Database, server: SwitchableServer, browser_type: BrowserType, tmp_path: Path) -> None:
    login = support.user(db, Role.TITULAIRE)
    context, page = signed_in_profile(browser_type, tmp_path / "profil", server.base, login)
    ctx = Context(db=db, actor=actor_for(db, login))   # sent earlier, then deleted under « Factures à saisir »
    gone = offline_records.store(ctx, {**visit(9), "saisi_le": "2026-01-15T09:31:00Z"})
    offline_records.remove(ctx, gone.record.id)
    inject(page, login, [visit(1, cle="11"), visit(2), visit(9, note="Modifiée depuis.")])
    page.evaluate("window.feuilleConnexion.verifier()")
    expect(page.locator(ROWS)).to_have_count(2)
    conflict = page.locator('tr[data-etat="conflit"]')   # shown on the record, not overwritten
    expect(conflict).to_contain_text("a été supprimé : la modification n'est pas reprise")
    refused = page.locator('tr[data-etat="refuse"]')
    expect(refused).to_have_attribute("data-etat", "refuse")
    expect(refused).to_contain_text("la clé de « 1421962965165 11 » est fausse (attendue 96)")
    refused.get_by_role("button", name="Modifier").click()   # the server's message beside the field it names
    expect(page.locator('[data-champ="cle"] .message-champ')).to_contain_text("est fausse")
    support.screenshot(page, "hors_ligne_refuse")
    page.get_by_label("Clé*").fill("96")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(ROWS)).to_have_count(1)
    expect(page.locator(ROWS)).to_have_attribute("data-etat", "conflit")
    assert sorted(r["id_client"] for r in stored(app, db, login)) == ["injecte-0001", "injecte-0002"]
    context.close()


def test_too_many_acts_are_told_beside_the_acts(
        db: Database, server: SwitchableServer, browser_type: BrowserType, tmp_path: Path) -> None:
    login = support.user(db, Role.TITULAIRE)
    context, page = signed_in_profile(browser_type, tmp_path / "profil", server.base, login)
    inject(page, login, [visit(1, actes=[{"code": "GS", "coefficient": None}] * 21)])
    page.evaluate("window.feuilleConnexion.verifier()")
    refused = page.locator('tr[data-etat="refuse"]')
    expect(refused).to_contain_text("20 actes au plus")
    refused.get_by_role("button", name="Modifier").click()
    expect(page.locator('[data-champ="actes"] .message-champ')).to_contain_text("20 actes au plus")
    expect(page.get_by_role("group", name="Actes (favoris)")).to_have_attribute("aria-invalid", "true")
    context.close()


def test_home_indicator_own_records_only_delete_hide_intro_export_and_import(
        app: FastAPI, db: Database, server: SwitchableServer, browser_type: BrowserType, tmp_path: Path) -> None:
    login = support.user(db, Role.TITULAIRE)
    context = open_profile(browser_type, tmp_path / "profil")
    page = context.new_page()
    support.browser_sign_in(page, server.base, login)
    expect(page.locator(".bandeau [data-connexion]")).to_contain_text("La plateforme est accessible depuis les 5 "
                                                                      "dernières minutes")
    page.get_by_role("link", name="mode hors connexion", exact=True).click()   # from the home, by hand
    page.wait_for_url(f"{server.base}/hors-ligne")
    page.route("**/api/hors-ligne/**", lambda route: route.abort("internetdisconnected"))   # nothing is sent
    page.get_by_role("button", name="Masquer").click()
    expect(page.locator("#hl-introduction")).to_be_hidden()
    inject(page, login, [visit(1), visit(2, nom="Martin", prenom="Zoé")])
    inject(page, "une-autre", [visit(3, nom="Autre", prenom="Personne")])   # another professional, same browser
    page.reload()
    expect(page.locator("#hl-introduction")).to_be_hidden()   # « Masquer » is remembered
    expect(page.locator(ROWS)).to_have_count(2)
    expect(page.locator("#hl-liste")).not_to_contain_text("AUTRE")
    with page.expect_download() as download:
        page.get_by_role("button", name="Exporter (fichier JSON)").click()
    saved = tmp_path / "export.json"
    download.value.save_as(saved)
    row = page.locator(ROWS).filter(has_text="MARTIN Zoé")
    row.get_by_role("button", name="Supprimer").click()
    row.get_by_role("button", name="Confirmer la suppression").click()
    expect(page.locator(ROWS)).to_have_count(1)
    page.get_by_label("Importer un fichier exporté").set_input_files(str(saved))
    expect(page.locator("#hl-fichier-message")).to_have_text("1 enregistrement(s) importé(s), 1 déjà présent(s).")
    expect(page.locator(ROWS)).to_have_count(2)
    support.screenshot(page, "hors_ligne_import")
    page.unroute("**/api/hors-ligne/**")
    page.evaluate("window.feuilleConnexion.verifier()")
    expect(page.locator(ROWS)).to_have_count(0)
    assert sorted(r["id_client"] for r in stored(app, db, login)) == ["injecte-0001", "injecte-0002"]
    context.close()


def test_a_batch_the_server_cannot_read_is_sent_again_record_by_record(
        app: FastAPI, db: Database, server: SwitchableServer, browser_type: BrowserType, tmp_path: Path) -> None:
    login = support.user(db, Role.TITULAIRE)
    context, page = signed_in_profile(browser_type, tmp_path / "profil", server.base, login)
    # A field the API does not know makes the whole batch a 422: only that record must stay behind.
    inject(page, login, [visit(1), visit(2, champ_inconnu="x"), visit(3)])
    page.evaluate("window.feuilleConnexion.verifier()")
    expect(page.locator(ROWS)).to_have_count(1)
    expect(page.locator(ROWS)).to_have_attribute("data-etat", "refuse")
    expect(page.locator(ROWS)).to_contain_text("Visite 2.")
    expect(page.locator(ROWS)).to_contain_text("Champ inconnu.")   # the server's French message
    assert sorted(r["id_client"] for r in stored(app, db, login)) == ["injecte-0001", "injecte-0003"]
    context.close()


def test_the_browser_checks_the_nir_key_as_the_server_does(page: Page, live: str) -> None:
    page.goto(f"{live}/hors-ligne")   # public: the shell opens without a session
    bodies = ["1421962965165", "1810175123456", "2950375056123", "185022A123456", "285022B654321",
              "1991299999999", "2000101000001"]
    keys = page.evaluate("bodies => bodies.map(b => window.feuilleStockage.nirKey(b))", bodies)
    assert keys == [int(nir_key(body)) for body in bodies]
    problems = page.evaluate("""() => window.feuilleStockage.check({nom: "", prenom: "Zoé", nir_connu: false,
        patient_est_assure: false, assure_nom: "Martin", assure_prenom: "", date_soins: "2026-01-15T09:30"})""")
    assert [(p["field"], p["message"]) for p in problems] == [
        ("nom", "Nom : champ obligatoire."), ("assure_prenom", "Prénom de l'assuré : champ obligatoire."),
        ("date_naissance", "Date de naissance : champ obligatoire quand le NIR n'est pas connu.")]
    page.get_by_role("button", name="+ Ajouter").click()
    expect(page.get_by_label("Date des soins*")).not_to_have_value("")   # prefilled: now
    expect(page.get_by_label("Nom de l'assuré*", exact=True)).to_be_hidden()
    page.get_by_label("Le NIR est connu").uncheck()   # the fields follow the two boxes
    expect(page.get_by_label("NIR*")).to_be_hidden()
    expect(page.get_by_label("Date de naissance*")).to_be_visible()
    page.get_by_label("Le patient est l'assuré").uncheck()
    expect(page.get_by_label("Nom de l'assuré*", exact=True)).to_be_visible()

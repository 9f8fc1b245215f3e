"""In a real browser: pairing the page with the card agent at the desk, reading the cards through it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from feuille.auth import Role
from feuille.cards.agent_http import LoopbackAgent
from feuille.storage import Database
from tests.billing.support import CPS_MEDECIN, VITALE_ESSAI, FakeReader
from tests.web import support
from tests.web.cards.support import APCV_ESSAI


def test_the_page_pairs_with_the_agent_and_reads_the_cards(page: Page, live: str, db: Database) -> None:
    support.browser_sign_in(page, live, support.user(db, Role.TITULAIRE))
    desk = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)
    with LoopbackAgent(desk, live) as agent:
        page.goto(f"{live}/lecteur")
        expect(page.get_by_role("status")).to_have_text("Ce poste n'est pas encore appairé.")
        page.get_by_label("Adresse de l'interface du lecteur").fill(agent.url)
        page.get_by_label("Jeton d'appairage").fill("mauvais-jeton")
        page.get_by_role("button", name="Appairer ce poste").click()
        expect(page.get_by_role("status")).to_contain_text("Jeton d'appairage absent ou erroné")
        page.get_by_label("Jeton d'appairage").fill(agent.token)
        page.get_by_role("button", name="Appairer ce poste").click()
        expect(page.get_by_role("status")).to_have_text("Lecteur joignable.")
        expect(page.locator("#cartes-lues")).to_contain_text("Carte Vitale : ")
        expect(page.locator("#cartes-lues")).to_contain_text("Carte professionnelle : ")
        support.screenshot(page, "lecteur")
        desk.insert(CPS_MEDECIN, APCV_ESSAI)  # the patient shows his Vitale app instead
        page.get_by_role("button", name="Lire les cartes").click()
        expect(page.locator("#cartes-lues")).to_contain_text("Appli carte Vitale (NFC) : 1 bénéficiaire(s)")
        page.reload()
        expect(page.get_by_role("status")).to_contain_text(f"Ce poste est appairé avec {agent.url}")
    page.get_by_role("button", name="Lire les cartes").click()
    expect(page.get_by_role("status")).to_contain_text("Le lecteur de cartes ne répond pas")

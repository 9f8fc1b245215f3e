"""In a real browser (Debian's Chromium): sign in, the home tiles, sign out; what was typed survives an expired
session."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from feuille.auth import Role
from feuille.storage import Database
from tests.web import support


def test_sign_in_shows_the_home_tiles_then_sign_out(page: Page, live: str, db: Database) -> None:
    login = support.user(db, Role.TITULAIRE)
    page.goto(f"{live}/")
    expect(page).to_have_url(f"{live}/connexion")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill("faux")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Identifiant ou mot de passe incorrect.")
    expect(page.get_by_label("Identifiant")).to_have_value(login)
    page.get_by_label("Mot de passe").fill(support.PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live}/")
    for label in ("Factures à transmettre", "Documents à ajouter", "Retours NOEMIE à rapprocher",
                  "Factures à sécuriser", "Factures à saisir"):
        expect(page.locator(".tuile", has_text=label)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    support.screenshot(page, "accueil")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(f"{live}/connexion")
    page.goto(f"{live}/")
    expect(page).to_have_url(f"{live}/connexion")


def test_the_home_fits_a_tablet(page: Page, live: str, db: Database) -> None:
    page.set_viewport_size({"width": 768, "height": 1024})
    support.browser_sign_in(page, live, support.user(db, Role.SECRETAIRE))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 768
    support.screenshot(page, "accueil-tablette")

"""In a real browser: the settings screens, a prescriber created and found, a remplaçant's days by keyboard."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from feuille.auth import Role
from feuille.practice import prescribers, replacements
from feuille.storage import Database
from tests.web import support
from tests.web.settings.helpers import admin, titulaire_and_remplacant


def test_a_prescriber_and_a_remplacants_days_by_keyboard(page: Page, live: str, db: Database) -> None:
    tit, rempl = titulaire_and_remplacant(db)
    support.browser_sign_in(page, live, support.user(db, Role.ADMINISTRATEUR))
    page.goto(f"{live}/parametres")
    expect(page.get_by_role("heading", name="Paramètres", exact=True)).to_be_visible()
    support.screenshot(page, "parametres")

    page.get_by_role("link", name="Prescripteurs").first.click()
    page.get_by_role("textbox", name="Nom", exact=True).fill("ROY")
    page.get_by_role("textbox", name="Prénom", exact=True).fill("Patrick")
    page.get_by_label("N° identification").fill("991000696")
    page.get_by_label("N° identification").press("Enter")
    expect(page.get_by_role("status")).to_have_text("Prescripteur enregistré.")
    assert [p.last_name for p in prescribers.search_prescribers(admin(db))] == ["ROY"]
    page.get_by_role("link", name="Prescripteurs").first.click()
    expect(page.get_by_role("textbox", name="Nom", exact=True)).to_have_value("")   # the sent draft is forgotten
    search = page.get_by_label("Rechercher un prescripteur")
    search.fill("zz")
    expect(page.locator("#prescripteurs-liste")).to_contain_text("Aucun prescripteur")
    search.fill("ro")
    expect(page.locator("#prescripteurs-liste").get_by_role("link", name="ROY")).to_be_visible()

    page.goto(f"{live}/parametres/professionnels")
    expect(page.get_by_role("link", name="REMPLA Nathalie")).to_be_visible()
    support.screenshot(page, "professionnels")
    page.goto(f"{live}/parametres/professionnels/{rempl}/calendrier/{tit}?mois=2026-12")
    monday = page.get_by_role("button", name="lundi 7 décembre 2026")
    monday.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Jours de remplacement ajoutés.")
    expect(page.get_by_role("button", name="lundi 7 décembre 2026")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="lundi 7 décembre 2026").focus()
    page.keyboard.press("Tab")   # the next day, Tuesday 8
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name="mardi 8 décembre 2026")).to_have_attribute("aria-pressed", "true")
    assert [str(d) for d in replacements.list_links(admin(db), rempl)[0].days] == ["2026-12-07", "2026-12-08"]
    page.set_viewport_size({"width": 768, "height": 1024})
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    support.screenshot(page, "calendrier")
    page.goto(f"{live}/parametres/professionnels/{rempl}")
    expect(page.get_by_role("heading", name="Liste des titulaires")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    support.screenshot(page, "professionnel-remplacant")


def test_the_users_and_the_audit_log_screens(page: Page, live: str, db: Database) -> None:
    support.browser_sign_in(page, live, support.user(db, Role.ADMINISTRATEUR))
    page.goto(f"{live}/parametres/utilisateurs")
    page.get_by_label("Identifiant").fill("marie")
    page.get_by_label("Nom affiché").fill("Marie Curie")
    page.get_by_label("Rôle").select_option("secretaire")
    page.get_by_role("button", name="Créer l'utilisateur").click()
    expect(page.get_by_role("status")).to_have_text("Utilisateur créé.")
    page.goto(f"{live}/parametres/utilisateurs")
    expect(page.get_by_role("cell", name="Marie Curie")).to_be_visible()
    support.screenshot(page, "utilisateurs")
    page.goto(f"{live}/parametres/journal")
    page.get_by_role("button", name="Vérifier le journal").click()
    expect(page.get_by_role("status")).to_contain_text("Journal intègre")
    expect(page.get_by_role("cell", name="user.create").first).to_be_visible()
    support.screenshot(page, "journal")

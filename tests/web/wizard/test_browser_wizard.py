"""In a real browser, by keyboard: one invoice through the wizard's screens up to the recap (screenshots of the
context, the acts with their search as you type, the recap)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from feuille.auth import Role
from feuille.storage import Database
from tests.web import support
from tests.web.wizard import helpers


def test_one_invoice_by_keyboard_up_to_the_recap(page: Page, live: str, db: Database) -> None:
    demo = helpers.demo(db)
    page.set_viewport_size({"width": 768, "height": 1024})
    support.browser_sign_in(page, live, support.user(db, Role.TITULAIRE, helpers.DOCTOR))
    page.goto(f"{live}/factures/nouvelle?patient={demo.patient_id}")
    expect(page.get_by_role("heading", name="Soins réalisés")).to_be_visible()
    date = page.get_by_label("Date de facturation (JJ/MM/AAAA)")
    expect(date).to_be_focused()
    date.fill("32/01/2025")
    helpers.press_and_swap(page, date)  # « Suivant » is the form's first button
    expect(page.locator(".message-champ")).to_contain_text("date invalide")
    page.get_by_label("Date de facturation (JJ/MM/AAAA)").fill("14/01/2025")
    helpers.next_screen(page)
    expect(page.get_by_label("Lieu des soins (cabinet ou domicile)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    support.screenshot(page, "assistant-contexte")
    helpers.next_until(page, page.get_by_label("Code de l'acte (NGAP, COx ou CCAM)"))
    code = page.get_by_label("Code de l'acte (NGAP, COx ou CCAM)")
    expect(code).to_be_focused()
    code.press_sequentially("AFLB")
    found = page.get_by_role("button", name="AFLB001", exact=False)
    expect(found.first).to_be_visible()
    support.screenshot(page, "assistant-actes")
    found.first.focus()
    page.keyboard.press("Enter")
    expect(code).to_have_value("AFLB001")
    helpers.next_until(page, page.get_by_role("group", name="Autre acte ?"))
    helpers.next_until(page, page.get_by_role("heading", name="Création de la facture"))
    with page.expect_navigation():
        page.get_by_role("button", name="Créer la facture").press("Enter")
    expect(page.get_by_role("heading", name="Récapitulatif de la facture", exact=False)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("créée")
    expect(page.get_by_label("Part AMO ligne 1")).to_be_visible()
    expect(page.get_by_role("cell", name="AFLB001")).to_be_visible()
    support.screenshot(page, "assistant-recapitulatif")

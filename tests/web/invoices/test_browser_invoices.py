"""In a real browser: the list filtered without a reload, the details, a refused then accepted payment, the
cancellation by a credit note; the list and the details fit a tablet's width."""

from __future__ import annotations

from fastapi import FastAPI
from playwright.sync_api import Page, expect

from feuille.auth import Role
from feuille.storage import Database
from tests.web import support
from tests.web.invoices.data import some_invoices, state_of, with_desk_cards


def test_list_details_payment_and_credit_note(page: Page, app: FastAPI, live: str, db: Database) -> None:
    made = some_invoices(db)
    with_desk_cards(app)
    support.browser_sign_in(page, live, support.user(db, Role.TITULAIRE))
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Factures").click()
    expect(page).to_have_url(f"{live}/factures")
    expect(page.locator("tr[data-facture]")).to_have_count(3)
    support.screenshot(page, "factures-liste")
    page.evaluate("window.__sans_rechargement = true")
    page.get_by_label("État").select_option("secured")
    expect(page.locator("tr[data-facture]")).to_have_count(1)
    assert page.evaluate("window.__sans_rechargement") is True   # htmx swapped the table: no reload
    expect(page).to_have_url(f"{live}/factures?etat=secured&patient=&pro=&du=&au=")

    page.get_by_role("link", name=f"Facture {made.secured}").click()
    expect(page).to_have_url(f"{live}/factures/{made.secured}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("sécurisée")
    page.get_by_label("Moyen de paiement").select_option("cb")
    page.get_by_label("Montant").fill("zéro")
    page.get_by_role("button", name="Ajouter un paiement").click()
    expect(page.locator("#amount-erreur")).to_contain_text("Montant du paiement « zéro » invalide")
    expect(page.get_by_label("Montant")).to_have_value("zéro")
    page.get_by_label("Montant").fill("6,90")
    page.get_by_label("Montant").press("Enter")
    expect(page.get_by_role("status")).to_have_text("Paiement enregistré.")
    expect(page.locator("[data-solde]")).to_have_text("0,00\u00a0€")
    expect(page.get_by_label("Montant")).to_have_value("")     # accepted: the draft of the form is forgotten
    support.screenshot(page, "facture-detail")

    page.get_by_role("link", name="Annuler par un avoir").click()
    page.get_by_role("button", name="Oui, annuler par un avoir").click()
    expect(page.get_by_role("status")).to_have_text("Facture annulée par un avoir.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("annulée")
    assert state_of(db, made.secured) == "cancelled"
    page.get_by_role("link", name="avoir").first.click()
    expect(page.get_by_text(f"Avoir de la facture {made.secured}.")).to_be_visible()


def test_the_invoice_screens_fit_a_tablet(page: Page, live: str, db: Database) -> None:
    made = some_invoices(db)
    page.set_viewport_size({"width": 768, "height": 1024})
    support.browser_sign_in(page, live, support.user(db, Role.SECRETAIRE))
    for address in ("/factures", f"/factures/{made.secured}", "/factures/lecteur-portable"):
        page.goto(f"{live}{address}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 768, address
    support.screenshot(page, "lecteur-portable")

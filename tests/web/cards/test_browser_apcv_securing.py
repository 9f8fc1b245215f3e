"""In a real browser: an invoice secured in synchronised mode with the patient's Vitale app instead of his card,
the app read the way it is shown (NFC here); the other way is refused before anything is prepared."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from feuille.auth import Role
from feuille.billing import verification
from feuille.cards.agent_http import LoopbackAgent
from feuille.storage import Database
from tests.billing.support import CPS_MEDECIN, FakeReader
from tests.web import support
from tests.web.cards.support import APCV_ESSAI
from tests.web.invoices.data import state_of
from tests.web.securing.support import admin, invoice
from tests.web.securing.test_browser_securing import pair


def test_synchronised_with_the_vitale_app_by_nfc(page: Page, live: str, db: Database) -> None:
    invoice_id = invoice(db)
    support.browser_sign_in(page, live, support.user(db, Role.TITULAIRE))
    desk = FakeReader().insert(CPS_MEDECIN, APCV_ESSAI)
    with LoopbackAgent(desk, live) as agent:
        pair(page, live, agent)
        page.goto(f"{live}/factures/{invoice_id}/securiser")
        expect(page.get_by_label("Carte Vitale", exact=True)).to_be_checked()
        page.get_by_label("Appli carte Vitale – QR code").check()
        page.get_by_role("button", name="Sécuriser").click()
        expect(page.locator("#etat-securisation")).to_have_text(
            "L'appli carte Vitale présentée se lit en NFC, pas en QR code : choisissez « Appli carte Vitale – NFC ».")
        assert state_of(db, invoice_id) == "priced" and desk.signed == []
        page.get_by_label("Appli carte Vitale – NFC").check()
        support.screenshot(page, "securisation-appli")
        page.get_by_role("button", name="Sécuriser").click()
        page.wait_for_url(f"{live}/factures/{invoice_id}/securiser?fait=1")
    expect(page.get_by_role("status")).to_contain_text("sécurisée (SESAM-Vitale synchronisé)")
    assert len(desk.signed) == 1 and desk.vitale_signed == desk.signed  # the CPS, then the app, same bytes
    assert verification.verify_invoice(admin(db), invoice_id).ok

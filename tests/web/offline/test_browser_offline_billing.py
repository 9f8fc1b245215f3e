"""In a real browser, the end of the offline visit (manual 000): a record typed on the offline page and sent,
found under « Factures à saisir », « Lancer la facturation », the wizard with its note, secured in degraded mode
with the CPS through the desk's card agent, and gone from the list. (The server stopped and restarted around the
typing is ``test_browser_offline.py``'s part.)"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from feuille.auth import Context, Role, actor_for
from feuille.billing import offline_records, queries
from feuille.cards.agent_http import LoopbackAgent
from feuille.demo import load_demo
from feuille.storage import Database
from tests.billing.support import CPS_MEDECIN, FakeReader
from tests.web import support
from tests.web.offline.test_browser_offline import type_record
from tests.web.test_whole_invoice import DOCTOR, MODES, _pair
from tests.web.wizard import helpers

NOTE = "Visite longue. Paiement 7,95 € CB."


def test_a_record_sent_is_billed_in_degraded_mode_and_leaves_the_list(page: Page, live: str, db: Database) -> None:
    admin = Context(db=db, actor=actor_for(db, "admin"))
    load_demo(admin)
    login = support.user(db, Role.TITULAIRE, DOCTOR)
    support.browser_sign_in(page, live, login)
    page.goto(f"{live}/hors-ligne")
    type_record(page, "Essai", "Alain", "1421962965165", NOTE)   # the server answers: sent at once
    expect(page.locator("#hl-synchro")).to_contain_text("envoyé", timeout=20000)
    page.goto(f"{live}/")
    tile = page.locator('[data-tuile="a_saisir"]')
    expect(tile).to_contain_text("1")
    tile.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Factures à saisir")).to_be_visible()
    page.get_by_role("row").filter(has_text="ESSAI Alain").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Soins de ESSAI Alain")).to_be_visible()
    desk = FakeReader()
    desk.insert(CPS_MEDECIN)   # the CPS alone: the patient's card was not there
    with LoopbackAgent(desk, live) as agent:
        page.get_by_role("button", name="Lancer la facturation").click()
        expect(page.get_by_role("heading", name="Soins réalisés")).to_be_visible()
        expect(page.locator(".note-hors-ligne")).to_contain_text(NOTE)
        helpers.next_until(page, page.get_by_label("Code de l'acte (NGAP, COx ou CCAM)"))
        expect(page.locator(".note-hors-ligne")).to_contain_text(NOTE)   # at every step
        page.get_by_label("Code de l'acte (NGAP, COx ou CCAM)").press_sequentially("G")
        helpers.next_until(page, page.get_by_role("group", name="Autre acte ?"))
        helpers.next_until(page, page.get_by_role("heading", name="Création de la facture"))
        with page.expect_navigation():
            page.get_by_role("button", name="Créer la facture").click()
        expect(page.locator(".note-hors-ligne")).to_contain_text(NOTE)
        invoice_id = int(page.url.split("/factures/")[1].split("/")[0])
        with page.expect_navigation():
            page.get_by_role("button", name="Valider le récapitulatif »").click()
        with page.expect_navigation():
            page.get_by_role("link", name="Sécuriser la facture »").click()
        expect(page.get_by_label(MODES["degrade"])).to_be_checked()   # degraded first for a visit typed offline
        _pair(page, live, agent)
        page.goto(f"{live}/factures/{invoice_id}/securiser")
        page.get_by_role("button", name="Sécuriser").click()
        page.wait_for_url(f"{live}/factures/{invoice_id}/securiser?fait=1")
    assert queries.show(admin, invoice_id).state == "secured" and desk.vitale_signed == []
    assert offline_records.to_bill(admin) == []
    page.goto(f"{live}/factures/a-saisir")
    expect(page.get_by_text("Aucune facture à saisir.")).to_be_visible()
    support.screenshot(page, "hors_ligne_facture_degradee")

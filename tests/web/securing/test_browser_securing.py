"""In a real browser, with the virtual cards behind the desk's card agent: a synchronised, a desynchronised (first
signature by the secretary's CPE, final signature later by the doctor's CPS, from the « Factures à sécuriser »
tile) and a degraded invoice secured through the page, each verified afterwards."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from feuille.auth import Role
from feuille.billing import queries, securing, verification
from feuille.cards.agent_http import LoopbackAgent
from feuille.storage import Database
from tests.billing.support import CPE_SECRETAIRE, CPS_MEDECIN, VITALE_ESSAI, FakeReader
from tests.billing.test_securing import priced
from tests.web import support
from tests.web.securing.support import admin, invoice


def pair(page: Page, live: str, agent: LoopbackAgent) -> None:
    page.goto(f"{live}/lecteur")
    page.get_by_label("Adresse de l'interface du lecteur").fill(agent.url)
    page.get_by_label("Jeton d'appairage").fill(agent.token)
    page.get_by_role("button", name="Appairer ce poste").click()
    expect(page.locator("#etat-lecteur")).to_have_text("Lecteur joignable.")


def test_synchronised_invoice_secured_through_the_page(page: Page, live: str, db: Database) -> None:
    invoice_id = invoice(db)
    support.browser_sign_in(page, live, support.user(db, Role.TITULAIRE))
    desk = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)
    with LoopbackAgent(desk, live) as agent:
        pair(page, live, agent)
        page.goto(f"{live}/factures/{invoice_id}/securiser")
        expect(page.get_by_label("SESAM-Vitale synchronisé (CPS et carte Vitale)")).to_be_checked()
        support.screenshot(page, "securisation")
        page.get_by_role("button", name="Sécuriser").click()
        page.wait_for_url(f"{live}/factures/{invoice_id}/securiser?fait=1")
    expect(page.get_by_role("status")).to_have_text(
        "Facture n° 1 sécurisée (SESAM-Vitale synchronisé) : elle est prête à être télétransmise.")
    expect(page.get_by_role("button", name="Sécuriser")).to_have_count(0)
    assert len(desk.signed) == 1 and desk.vitale_signed == desk.signed  # the CPS, then the Vitale card, same bytes
    assert verification.verify_invoice(admin(db), invoice_id).ok


def test_desynchronised_first_then_final_signature(page: Page, live: str, db: Database) -> None:
    invoice_id = invoice(db)
    support.browser_sign_in(page, live, support.user(db, Role.SECRETAIRE))
    desk = FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI)
    with LoopbackAgent(desk, live) as agent:
        pair(page, live, agent)
        page.goto(f"{live}/factures/{invoice_id}/securiser")
        page.get_by_label("SESAM-Vitale désynchronisé (CPS et carte Vitale)").check()
        page.get_by_role("button", name="Sécuriser").click()
        page.wait_for_url(f"{live}/factures/{invoice_id}/securiser?fait=1")
        expect(page.get_by_role("status").filter(has_text="la facture n° 1 est « à sécuriser »")).to_be_visible()
        page.get_by_role("button", name="Se déconnecter").click()

        support.browser_sign_in(page, live, support.user(db, Role.TITULAIRE))
        tile = page.locator('[data-tuile="a_securiser"]')
        expect(tile).to_contain_text("1")
        tile.get_by_role("link").click()
        expect(page.get_by_role("heading", name="Factures à sécuriser")).to_be_visible()
        support.screenshot(page, "securisation-a-securiser")
        page.get_by_role("link", name=f"Signature finale de la facture {invoice_id}").click()

        desk.insert(CPS_MEDECIN, pin=None)  # the doctor's CPS, its code not typed yet at the desk
        page.get_by_role("button", name="Signature finale").click()
        expect(page.locator("#etat-securisation")).to_contain_text("Le code porteur de la CPS n'est pas vérifié")
        expect(page.locator("#etat-securisation")).to_contain_text("La facture n'est pas sécurisée : recommencez.")
        support.screenshot(page, "securisation-code-porteur")
        desk.insert(CPS_MEDECIN)  # inserted again with its code
        page.get_by_role("button", name="Signature finale").click()
        page.wait_for_url(f"{live}/factures/{invoice_id}/securiser?fait=1")
    expect(page.get_by_role("status")).to_have_text(
        "Facture n° 1 sécurisée (SESAM-Vitale désynchronisé) : elle est prête à être télétransmise.")
    checked = verification.verify_invoice(admin(db), invoice_id)
    assert checked.ok
    page.goto(f"{live}/factures/a-securiser")
    expect(page.get_by_text("Aucune facture à sécuriser.")).to_be_visible()


def test_degraded_invoice_secured_with_the_cps_alone(page: Page, live: str, db: Database) -> None:
    invoice_id = invoice(db)
    support.browser_sign_in(page, live, support.user(db, Role.TITULAIRE))
    desk = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)
    with LoopbackAgent(desk, live) as agent:
        pair(page, live, agent)
        page.set_viewport_size({"width": 768, "height": 1024})  # a tablet at the desk
        page.goto(f"{live}/factures/{invoice_id}/securiser")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.get_by_label("dégradé (CPS seule, sans carte Vitale)").check()
        page.get_by_role("button", name="Sécuriser").click()
        page.wait_for_url(f"{live}/factures/{invoice_id}/securiser?fait=1")
    expect(page.get_by_role("status")).to_contain_text("Facture n° 1 sécurisée en mode dégradé : joignez sa "
                                                       "feuille de soins")
    support.screenshot(page, "securisation-degrade")
    assert len(desk.signed) == 1 and desk.vitale_signed == []  # the Vitale card was in the reader, not used
    assert verification.verify_invoice(admin(db), invoice_id).ok


def test_final_signature_of_a_selection_from_the_list(page: Page, live: str, db: Database) -> None:
    first = invoice(db)
    ctx = admin(db)
    ids = [first, priced(ctx), priced(ctx)]
    for invoice_id in ids:
        securing.secure(ctx, invoice_id, "desynchronise", FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI))
    support.browser_sign_in(page, live, support.user(db, Role.TITULAIRE))
    desk = FakeReader().insert(CPS_MEDECIN)
    with LoopbackAgent(desk, live) as agent:
        pair(page, live, agent)
        page.goto(f"{live}/factures/a-securiser")
        page.get_by_label(f"Sélectionner la facture {ids[1]}").uncheck()
        page.get_by_role("button", name="Signer la sélection").click()
        expect(page.locator("#etat-lot")).to_have_text("2 facture(s) signée(s), 0 non signée(s).")
        support.screenshot(page, "securisation-lot")
    assert [row.text_content() for row in page.locator("td[data-resultat]").all()] == [
        "Sécurisée", f"Signature finale de la facture {ids[1]}", "Sécurisée"]  # newest first
    assert [queries.show(ctx, i).state for i in ids] == ["secured", "partly_secured", "secured"]
    assert all(verification.verify_invoice(ctx, i).ok for i in (ids[0], ids[2]))

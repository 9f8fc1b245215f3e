"""In a real browser, with the cards behind the desk's card agent (it plays the portable reader): invoices loaded
on the reader, the patient's Vitale card read to list his invoices, a selection signed, the recap, the reader
unloaded; the same with the Vitale app read by NFC; « Supprimer les factures » asks first."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from feuille.auth import Role
from feuille.billing import portable, verification
from feuille.cards.agent_http import LoopbackAgent
from feuille.storage import Database
from tests.billing.support import CPE_SECRETAIRE, CPS_MEDECIN, VITALE_ESSAI, VITALE_OTHER, FakeReader
from tests.web import support
from tests.web.cards.support import ADDRESS, APCV_ESSAI, loaded
from tests.web.invoices.data import admin, priced, some_invoices, state_of
from tests.web.securing.test_browser_securing import pair


def test_load_read_the_card_sign_a_selection_then_unload(page: Page, live: str, db: Database) -> None:
    ctx = admin(db)
    first, second = some_invoices(db).priced, priced(ctx)
    support.browser_sign_in(page, live, support.user(db, Role.SECRETAIRE))
    desk = FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI)
    with LoopbackAgent(desk, live) as agent:
        pair(page, live, agent)
        page.goto(f"{live}{ADDRESS}")
        expect(page.get_by_text("Le lecteur ne porte aucune facture.")).to_be_visible()
        page.get_by_label(f"Charger la facture {first}").check()
        page.get_by_label(f"Charger la facture {second}").check()
        page.get_by_role("button", name="Charger sur le lecteur").click()
        expect(page.get_by_role("status").first).to_have_text("Factures chargées sur le lecteur portable.")

        sign = page.get_by_role("button", name="Signer les factures")
        expect(sign).to_be_disabled()
        expect(page.get_by_role("button", name="Afficher toutes les factures du lecteur")).to_be_hidden()
        desk.insert(CPE_SECRETAIRE, VITALE_OTHER)  # another insured person's card: none of his invoices here
        page.get_by_role("button", name="Lire la carte Vitale").click()
        expect(page.locator("#etat-lecteur-portable")).to_have_text(
            "Carte Vitale lue (assuré 255069999999934) : 0 facture(s) de l'assuré sur le lecteur.")
        expect(page.locator("tr[data-facture]")).to_have_count(2)
        expect(page.locator("tr[data-facture]:visible")).to_have_count(0)
        page.get_by_role("button", name="Afficher toutes les factures du lecteur").click()
        expect(page.locator("tr[data-facture]:visible")).to_have_count(2)
        desk.insert(CPE_SECRETAIRE, VITALE_ESSAI)
        page.get_by_role("button", name="Lire la carte Vitale").click()
        expect(page.locator("#etat-lecteur-portable")).to_have_text(
            "Carte Vitale lue (assuré 142196296516596) : 2 facture(s) de l'assuré sur le lecteur. Choisissez "
            "celles à signer.")
        expect(page.get_by_role("button", name="Afficher toutes les factures du lecteur")).to_be_visible()
        page.get_by_label(f"Facture {first}", exact=True).check()
        expect(sign).to_be_enabled()
        support.screenshot(page, "lecteur-portable")
        sign.click()
        page.wait_for_url(f"{live}{ADDRESS}?lecteur=portable&fait=signe&factures={first}#recapitulatif")
        expect(page.get_by_role("heading", name="Récapitulatif de la signature")).to_be_visible()
        expect(page.locator(f'[data-signee="{first}"]')).to_contain_text("à sécuriser au poste")
        expect(page.get_by_role("status").first).to_have_text(
            "Signature terminée : 1 facture(s) signée(s), 0 non signée(s).")
        expect(page.locator(".compteurs .compte")).to_have_text(["1", "1"])  # signed, not signed
        support.screenshot(page, "lecteur-portable-recapitulatif")
        assert len(desk.signed) == 1 and desk.vitale_signed == desk.signed

        page.get_by_role("button", name="Décharger le lecteur").click()
        expect(page.get_by_role("heading", name="Récapitulatif du déchargement")).to_be_visible()
        expect(page.get_by_role("status").first).to_have_text(
            "Lecteur déchargé : 1 facture(s) signée(s), à sécuriser au poste ; 1 inchangée(s).")
    assert state_of(db, first) == "partly_secured" and state_of(db, second) == "priced"
    assert portable.listing(ctx) == [] and verification.verify_invoice(ctx, first).ok


def test_the_vitale_app_by_nfc_signs_every_invoice_of_the_insured(page: Page, live: str, db: Database) -> None:
    ids = loaded(db)
    support.browser_sign_in(page, live, support.user(db, Role.TITULAIRE))
    desk = FakeReader().insert(CPS_MEDECIN, APCV_ESSAI)
    with LoopbackAgent(desk, live) as agent:
        pair(page, live, agent)
        page.goto(f"{live}{ADDRESS}")
        page.get_by_role("button", name="Appli carte Vitale – QR code").click()
        expect(page.locator("#etat-lecteur-portable")).to_have_text(
            "L'appli carte Vitale présentée se lit en NFC, pas en QR code : choisissez « Appli carte Vitale – NFC ».")
        page.get_by_role("button", name="Appli carte Vitale – NFC").click()
        expect(page.locator("#etat-lecteur-portable")).to_contain_text("Appli carte Vitale lue (assuré")
        page.get_by_role("button", name="Choisir toutes les factures affichées").click()
        for invoice in ids:
            expect(page.get_by_label(f"Facture {invoice}", exact=True)).to_be_checked()
        page.get_by_role("button", name="Signer les factures").click()
        expect(page.get_by_role("status").first).to_have_text(
            "Signature terminée : 2 facture(s) signée(s), 0 non signée(s).")
        support.screenshot(page, "lecteur-portable-appli")
    assert [state_of(db, i) for i in ids] == ["partly_secured", "partly_secured"]
    assert len(desk.vitale_signed) == 2  # the app signed each invoice with the professional card


def test_deleting_asks_first(page: Page, live: str, db: Database) -> None:
    first, second = loaded(db)
    support.browser_sign_in(page, live, support.user(db, Role.SECRETAIRE))
    page.set_viewport_size({"width": 768, "height": 1024})  # a tablet
    page.goto(f"{live}{ADDRESS}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_label(f"Facture {second}", exact=True).check()
    page.get_by_role("button", name="Supprimer les factures choisies").click()
    expect(page.get_by_role("dialog")).to_contain_text("Supprimer 1 facture(s) du lecteur ?")
    support.screenshot(page, "lecteur-portable-suppression")
    page.get_by_role("button", name="Non", exact=True).click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert len(portable.listing(admin(db))) == 2
    page.get_by_role("button", name="Supprimer les factures choisies").click()
    page.get_by_role("button", name="Oui", exact=True).click()
    expect(page.get_by_role("status").first).to_have_text("Factures supprimées du lecteur portable.")
    assert [item.id for item in portable.listing(admin(db))] == [first] and state_of(db, second) == "deleted"

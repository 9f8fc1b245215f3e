"""In a real browser, the whole invoice as a desk makes it (issue 14): from the home page to the patient's record,
every screen of the wizard by keyboard, the recap, the summary with a payment, then secured through the desk's card
agent (the virtual cards) in each of the three modes, and verified afterwards.

* synchronised: the doctor's CPS and the patient's Vitale card, secured at once;
* desynchronised: the first signature by the secretary's CPE (in the desk's reader) with the Vitale card, the
  invoice « à sécuriser », then the doctor's final signature with the CPS alone from the home tile « Factures à
  sécuriser »;
* degraded: no Vitale card in the reader, the CPS alone; the care sheet PDF downloaded from the invoice page.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from feuille.auth import Context, Role, actor_for
from feuille.billing import queries, verification
from feuille.cards.agent_http import LoopbackAgent
from feuille.demo import load_demo
from feuille.storage import Database
from tests.billing.support import CPE_SECRETAIRE, CPS_MEDECIN, VITALE_ESSAI, FakeReader
from tests.web import support
from tests.web.wizard import helpers

DOCTOR = "vmedecin"  # the demo's titulaire, MEDECIN0043390 Virginie (001033901): the CPS_MEDECIN card

MODES = {
    "synchronise": "SESAM-Vitale synchronisé (CPS et carte Vitale)",
    "desynchronise": "SESAM-Vitale désynchronisé (CPS et carte Vitale)",
    "degrade": "dégradé (CPS seule, sans carte Vitale)",
}


def date_today() -> str:
    return datetime.date.today().strftime("%d/%m/%Y")


def _admin(db: Database) -> Context:
    return Context(db=db, actor=actor_for(db, "admin"))


def _pair(page: Page, live: str, agent: LoopbackAgent) -> None:
    page.get_by_role("link", name="Lecteur de cartes").first.click()
    page.wait_for_url(f"{live}/lecteur")
    page.wait_for_load_state()   # the page's script has run (it pairs; the form alone sends nothing)
    page.get_by_label("Adresse de l'interface du lecteur").fill(agent.url)
    page.get_by_label("Jeton d'appairage").fill(agent.token)
    page.get_by_role("button", name="Appairer ce poste").click()
    expect(page.locator("#etat-lecteur")).to_have_text("Lecteur joignable.")


def _wizard_to_summary(page: Page, live: str) -> int:
    """Home -> patient search -> ESSAI Alain's record -> « Nouvelle facture » -> every screen -> recap -> summary
    with a payment in cash; returns the invoice's id (read from the page's address)."""
    page.goto(f"{live}/")
    search = page.get_by_label("Rechercher un patient")
    search.fill("ESSAI")
    with page.expect_navigation():
        search.press("Enter")
    page.get_by_role("row").filter(has_text="Alain").get_by_role("link", name="ESSAI").click()
    expect(page.get_by_role("heading", name="ESSAI Alain")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Nouvelle facture").press("Enter")

    expect(page.get_by_role("heading", name="Soins réalisés")).to_be_visible()
    date = page.get_by_label("Date de facturation (JJ/MM/AAAA)")
    expect(date).to_be_focused()
    expect(date).to_have_value(date_today())  # the care given today, as the page proposes
    with page.expect_navigation():
        date.press("Enter")  # « Suivant » is the form's first button
    helpers.next_until(page, page.get_by_label("Code de l'acte (NGAP, COx ou CCAM)"))
    code = page.get_by_label("Code de l'acte (NGAP, COx ou CCAM)")
    expect(code).to_be_focused()
    code.press_sequentially("C")
    helpers.next_until(page, page.get_by_role("group", name="Autre acte ?"))
    helpers.next_until(page, page.get_by_role("heading", name="Création de la facture"))
    with page.expect_navigation():
        page.get_by_role("button", name="Créer la facture").press("Enter")

    expect(page.get_by_role("heading", name="Récapitulatif de la facture", exact=False)).to_be_visible()
    expect(page.get_by_role("cell", name="C", exact=True)).to_be_visible()
    invoice_id = int(page.url.split("/factures/")[1].split("/")[0])
    with page.expect_navigation():
        page.get_by_role("button", name="Valider le récapitulatif »").press("Enter")

    expect(page.get_by_role("heading", name=f"Résumé de la facture {invoice_id}")).to_be_visible()
    page.get_by_label("Moyen de paiement").select_option(label="espèces")
    amount = page.get_by_label("Montant payé")
    amount.fill("5,00")
    with page.expect_navigation():
        amount.press("Enter")
    expect(page.get_by_role("table", name="Paiements du patient")).to_contain_text("5,00")
    with page.expect_navigation():
        page.get_by_role("link", name="Sécuriser la facture »").press("Enter")
    expect(page.get_by_role("heading", name=f"Sécuriser la facture {invoice_id}")).to_be_visible()
    return invoice_id


@pytest.mark.parametrize("mode", ["synchronise", "desynchronise", "degrade"])
def test_whole_invoice_from_home_to_secured(page: Page, live: str, db: Database, mode: str) -> None:
    load_demo(_admin(db))
    page.set_viewport_size({"width": 768, "height": 1024})  # a tablet at the desk
    support.browser_sign_in(page, live, support.user(db, Role.TITULAIRE, DOCTOR))
    desk = FakeReader()
    if mode == "synchronise":
        desk.insert(CPS_MEDECIN, VITALE_ESSAI)
    elif mode == "desynchronise":
        desk.insert(CPE_SECRETAIRE, VITALE_ESSAI)
    else:
        desk.insert(CPS_MEDECIN)  # no Vitale card in the reader
    with LoopbackAgent(desk, live) as agent:
        _pair(page, live, agent)
        invoice_id = _wizard_to_summary(page, live)
        expect(page.get_by_label(MODES["synchronise"])).to_be_checked()  # the page's default
        if mode == "degrade":  # the default tried first: the reader has no Vitale card, said in French
            page.get_by_role("button", name="Sécuriser").click()
            expect(page.locator("#etat-securisation")).to_contain_text(
                "carte Vitale : le mode SESAM-Vitale synchronisé demande la carte Vitale (ou l'appli) du patient.")
            assert queries.show(_admin(db), invoice_id).state == "priced" and desk.signed == []
        page.get_by_label(MODES[mode]).check()
        page.get_by_role("button", name="Sécuriser").click()
        page.wait_for_url(f"{live}/factures/{invoice_id}/securiser?fait=1")
        status = page.get_by_role("status").first
        if mode == "synchronise":
            expect(status).to_contain_text("sécurisée (SESAM-Vitale synchronisé) : elle est prête à être "
                                           "télétransmise.")
            assert len(desk.signed) == 1 and desk.vitale_signed == desk.signed
        elif mode == "degrade":
            expect(status).to_contain_text("sécurisée en mode dégradé : joignez sa feuille de soins")
            assert len(desk.signed) == 1 and desk.vitale_signed == []
        else:
            expect(page.get_by_role("status").filter(has_text="est « à sécuriser »")).to_be_visible()
            assert queries.show(_admin(db), invoice_id).state == "partly_secured"
            page.get_by_role("link", name="Accueil").click()  # later, back at the desk
            tile = page.locator('[data-tuile="a_securiser"]')
            expect(tile).to_contain_text("1")
            tile.get_by_role("link").click()
            expect(page.get_by_role("heading", name="Factures à sécuriser")).to_be_visible()
            desk.insert(CPS_MEDECIN)  # the CPS alone: the Vitale card is gone with the patient
            page.get_by_role("link", name=f"Signature finale de la facture {invoice_id}").click()
            page.get_by_role("button", name="Signature finale").click()
            page.wait_for_url(f"{live}/factures/{invoice_id}/securiser?fait=1")
            expect(page.get_by_role("status").first).to_contain_text(
                "sécurisée (SESAM-Vitale désynchronisé) : elle est prête à être télétransmise.")
    assert queries.show(_admin(db), invoice_id).state == "secured"
    assert verification.verify_invoice(_admin(db), invoice_id).ok
    page.get_by_role("link", name=f"Voir la facture {invoice_id}").click()
    expect(page.get_by_role("heading", name="Actions")).to_be_visible()
    if mode == "degrade":
        with page.expect_download() as download:
            page.get_by_role("link", name="Télécharger la feuille de soins (PDF)").click()
        assert download.value.suggested_filename == f"feuille-de-soins-{invoice_id}.pdf"
        assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
    support.screenshot(page, f"facture-complete-{mode}")

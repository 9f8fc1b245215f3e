"""In a real browser, by keyboard: the patient step (« Nouveau patient »), then the wizard's screens swapped in place
by htmx (no page loaded between two screens; Back and reload show the same screen), a prescriber created from the
prescription screen, up to the invoice created. And « Lire la carte Vitale » in the patient step, through the desk's
card agent (the virtual cards)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from feuille.auth import Role
from feuille.cards.agent_http import LoopbackAgent
from feuille.storage import Database
from tests.billing.support import CPS_MEDECIN, VITALE_ESSAI, FakeReader
from tests.web import support
from tests.web.wizard import helpers

CODE = "Code de l'acte (NGAP, COx ou CCAM)"


def _new_patient(page: Page, live: str) -> None:
    page.goto(f"{live}/factures/nouvelle")
    expect(page.get_by_role("heading", name="Patient", exact=True)).to_be_visible()
    search = page.get_by_label("Rechercher un patient (début du nom)")
    expect(search).to_be_focused()
    search.press_sequentially("LEGR")
    expect(page.locator("#patients-trouves")).to_contain_text("Aucun patient dont le nom commence par « LEGR »")
    support.screenshot(page, "assistant-patient")
    with page.expect_navigation():
        page.get_by_role("link", name="Nouveau patient").press("Enter")
    expect(page.get_by_role("heading", name="Nouveau patient")).to_be_visible()
    name = page.get_by_label("Nom", exact=True)
    expect(name).to_be_focused()
    name.fill("LEGRAND")
    page.get_by_label("Prénom").fill("Léa")
    birth = page.get_by_label("Date de naissance")
    birth.fill("31/02/1990")
    with page.expect_navigation():
        birth.press("Enter")
    expect(page.locator("#birth_date-erreur")).to_be_visible()  # refused beside its field, what was typed kept
    expect(page.get_by_label("Prénom")).to_have_value("Léa")
    support.screenshot(page, "assistant-nouveau-patient")
    page.get_by_label("Date de naissance").fill("02/03/1990")
    with page.expect_navigation():
        page.get_by_label("Date de naissance").press("Enter")
    expect(page.get_by_role("status")).to_have_text("Patient enregistré : la facture est pour lui.")
    expect(page.get_by_text("Patient : LEGRAND Léa")).to_be_visible()


def test_new_patient_then_the_wizard_in_place_with_a_prescriber_created(page: Page, live: str, db: Database) -> None:
    helpers.demo(db)
    page.set_viewport_size({"width": 768, "height": 1024})
    support.browser_sign_in(page, live, support.user(db, Role.TITULAIRE, helpers.DOCTOR))
    _new_patient(page, live)
    page.evaluate("window.pasRecharge = true")  # gone if a whole page were loaded
    date = page.get_by_label("Date de facturation (JJ/MM/AAAA)")
    expect(date).to_be_focused()
    helpers.press_and_swap(page, date)
    place = page.get_by_label("Lieu des soins (cabinet ou domicile)")
    expect(place).to_be_focused()
    helpers.press_and_swap(page, place)
    expect(page.get_by_role("heading", name="Prescription")).to_be_visible()
    page.keyboard.press("ArrowUp")  # « Nécessite une prescription ? » : from « non » to « oui »
    expect(page.get_by_role("radio", name="oui")).to_be_checked()
    helpers.press_and_swap(page, page.get_by_role("radio", name="oui"))
    helpers.press_and_swap(page, page.get_by_label("Prescription du (JJ/MM/AAAA)"))
    prescriber = page.get_by_label("Prescripteur : début du nom")
    expect(prescriber).to_be_focused()
    helpers.press_and_swap(page, page.get_by_role("button", name="Créer un prescripteur"))
    expect(page.get_by_role("heading", name="Créer un prescripteur")).to_be_visible()
    name = page.get_by_label("Nom du prescripteur")
    expect(name).to_be_focused()
    name.fill("NOUVEAU")
    page.get_by_label("Prénom").fill("Paul")
    number = page.get_by_label("N° de facturation (9 chiffres) ou RPPS (11 chiffres)")
    number.fill("12")
    helpers.press_and_swap(page, number)
    expect(page.locator("#number-erreur")).to_be_visible()
    expect(number).to_be_focused()  # focus on the field refused
    expect(page.get_by_role("alert")).to_be_visible()
    support.screenshot(page, "assistant-prescripteur")
    number.fill("991143561")
    helpers.press_and_swap(page, number)
    expect(page.locator("#etape").get_by_role("status")).to_contain_text("Prescripteur NOUVEAU Paul créé et choisi")
    expect(page.get_by_role("heading", name="Assurance")).to_be_visible()
    assert page.evaluate("window.pasRecharge") is True
    page.reload()  # the address pushed carries the answers: the same screen again
    expect(page.get_by_role("heading", name="Assurance")).to_be_visible()
    page.go_back()
    expect(page.get_by_role("heading", name="Prescription")).to_be_visible()
    page.go_forward()
    expect(page.get_by_role("heading", name="Assurance")).to_be_visible()
    page.evaluate("window.pasRecharge = true")
    helpers.next_until(page, page.get_by_label(CODE))
    code = page.get_by_label(CODE)
    expect(code).to_be_focused()
    code.press_sequentially("C")
    helpers.next_until(page, page.get_by_role("heading", name="Création de la facture"))
    assert page.evaluate("window.pasRecharge") is True
    with page.expect_navigation():
        page.get_by_role("button", name="Créer la facture").press("Enter")
    expect(page.get_by_role("heading", name="Récapitulatif de la facture", exact=False)).to_be_visible()


def test_the_vitale_card_read_in_the_patient_step(page: Page, live: str, db: Database) -> None:
    helpers.demo(db)
    support.browser_sign_in(page, live, support.user(db, Role.TITULAIRE, helpers.DOCTOR))
    with LoopbackAgent(FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI), live) as agent:
        page.goto(f"{live}/lecteur")
        page.get_by_label("Adresse de l'interface du lecteur").fill(agent.url)
        page.get_by_label("Jeton d'appairage").fill(agent.token)
        page.get_by_role("button", name="Appairer ce poste").click()
        expect(page.locator("#etat-lecteur")).to_have_text("Lecteur joignable.")
        page.goto(f"{live}/factures/nouvelle")
        page.get_by_role("button", name="Lire la carte Vitale").press("Enter")
        expect(page.locator("#etat-carte")).to_contain_text("Carte Vitale lue")
        choose = page.get_by_role("button", name="Facturer ESSAI Alain", exact=False)
        expect(choose).to_be_focused()
        support.screenshot(page, "assistant-carte-vitale")
        with page.expect_navigation():
            choose.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Patient lu sur la carte Vitale : la facture est pour lui.")
    expect(page.get_by_text("Patient : ESSAI Alain", exact=False)).to_be_visible()
    expect(page.get_by_label("Date de facturation (JJ/MM/AAAA)")).to_be_focused()

"""In a real browser: creating a patient with the keyboard only, the search as you type, the record; what was
typed survives an expired session; a patient created from the virtual Vitale card read through the desk's agent;
the rights lookup signed by the CPS at the desk, then the « Choix informations AMO » screen."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from feuille.auth import Context, Role, actor_for
from feuille.cards.agent_http import LoopbackAgent
from feuille.cards.port import BeneficiaryData, CardKind, VitaleCardData
from feuille.cards.virtual import VirtualCardReader
from feuille.practice import demo_patients, patients
from feuille.storage import Database
from tests.billing.support import FakeReader
from tests.rights.test_lookup import connect
from tests.support.adri import RunningAdri
from tests.web import support

RDTBUT = VitaleCardData(serial="3001000003", kind=CardKind.VITALE, insured_nir="1690366000409 52", beneficiaries=(
    BeneficiaryData({"last_name": "RDTBUT QUATRE", "first_name": "Adu A", "birth_date": "01/03/1969", "rank": 1,
                     "quality": "0", "insured_nir": "1690366000409 52", "amo_regime": "01", "amo_caisse": "349",
                     "amo_centre": "9881"}),
    BeneficiaryData({"last_name": "RDTBUT QUATRE", "first_name": "Adu B", "birth_date": "01/03/1975", "rank": 1,
                     "quality": "2", "insured_nir": "1690366000409 52", "insured_last_name": "RDTBUT QUATRE",
                     "insured_first_name": "Adu A", "amo_regime": "01", "amo_caisse": "349",
                     "amo_centre": "9881"}),
))


def test_create_a_patient_with_the_keyboard_then_find_it(page: Page, live: str, db: Database) -> None:
    support.browser_sign_in(page, live, support.user(db, Role.SECRETAIRE))
    page.goto(f"{live}/patients/nouveau")
    page.get_by_label("Nom *", exact=True).focus()
    page.keyboard.type("Lefèvre")
    page.keyboard.press("Tab")
    page.keyboard.type("Anne")                       # Prénom
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")                       # N° de sécurité sociale du bénéficiaire: none
    page.keyboard.type("31/02/1975")                 # Date de naissance: not on the calendar
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("n'existe pas")
    expect(page.locator("#birth_date-erreur")).to_contain_text("Date de naissance")
    expect(page.get_by_label("Prénom", exact=True)).to_have_value("Anne")
    page.get_by_label("Date de naissance").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("02/03/1975")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Enregistrement correctement effectué.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lefèvre Anne")
    expect(page.get_by_role("link", name="Factures du patient")).to_be_visible()
    support.screenshot(page, "patient-fiche")
    page.get_by_role("link", name="Patients", exact=True).click()
    page.get_by_label("Rechercher un patient").type("lef")
    expect(page.locator("#resultats").get_by_role("link", name="Lefèvre")).to_be_visible()
    page.get_by_label("Rechercher un patient").fill("")
    page.get_by_label("Rechercher un patient").type("02/03/1975")
    expect(page.locator("#resultats")).to_contain_text("recherche par date de naissance")
    support.screenshot(page, "patients-recherche")
    page.locator("#resultats").get_by_role("link", name="Lefèvre").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lefèvre Anne")
    page.set_viewport_size({"width": 768, "height": 1024})      # a tablet: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    page.get_by_role("link", name="Modifier dossier").click()
    expect(page.get_by_label("Nom *", exact=True)).to_have_value("Lefèvre")
    assert page.evaluate("document.documentElement.scrollWidth") <= 768


def test_what_was_typed_survives_an_expired_session(page: Page, live: str, db: Database) -> None:
    login = support.user(db, Role.SECRETAIRE)
    support.browser_sign_in(page, live, login)
    page.goto(f"{live}/patients/nouveau")
    page.get_by_label("Nom *", exact=True).fill("Martin")
    page.get_by_label("Prénom", exact=True).fill("Louise")
    page.get_by_label("Téléphone principal").fill("06 11 22 33 44")
    page.context.clear_cookies()                     # the session is gone (expired, signed out elsewhere)
    page.get_by_role("button", name="Valider >").click()
    expect(page).to_have_url(f"{live}/connexion?suite=%2Fpatients%2Fnouveau")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(support.PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{live}/patients/nouveau")
    expect(page.get_by_label("Nom *", exact=True)).to_have_value("Martin")
    expect(page.get_by_label("Prénom", exact=True)).to_have_value("Louise")
    expect(page.get_by_label("Téléphone principal")).to_have_value("06 11 22 33 44")


def test_create_a_patient_from_the_virtual_vitale_card(page: Page, live: str, db: Database) -> None:
    support.browser_sign_in(page, live, support.user(db, Role.SECRETAIRE))
    with LoopbackAgent(FakeReader().insert(None, RDTBUT), live) as agent:
        page.goto(f"{live}/patients/carte")
        support.pair_agent(page, agent)
        page.get_by_role("button", name="Lire la carte").click()
        expect(page.get_by_role("status")).to_contain_text("Carte Vitale lue : 2 bénéficiaire(s)")
        page.get_by_role("button", name="Enregistrer RDTBUT QUATRE Adu B").click()
        expect(page.get_by_role("dialog")).to_contain_text("Enregistrer RDTBUT QUATRE Adu B (né(e) le 01/03/1975)")
        support.screenshot(page, "patient-carte")
        page.get_by_role("button", name="OK").click()
        expect(page.get_by_role("status")).to_have_text("Patient enregistré depuis la carte Vitale.")
        expect(page.get_by_role("heading", level=1)).to_have_text("RDTBUT QUATRE Adu B")
        expect(page.locator("main")).to_contain_text("lu sur la carte")
        page.goto(f"{live}/patients/carte")
        page.get_by_role("button", name="Lire la carte").click()
        page.get_by_role("button", name="Enregistrer RDTBUT QUATRE Adu B").click()
        page.get_by_role("button", name="OK").click()
        expect(page.get_by_role("status")).to_have_text("Dossier du patient mis à jour depuis la carte Vitale.")


def test_rights_lookup_signed_by_the_cps_at_the_desk(page: Page, live: str, db: Database, adri: RunningAdri,
                                                     cps_reader: VirtualCardReader, tmp_path: Path) -> None:
    ctx = Context(db=db, actor=actor_for(db, "admin"))
    patient = patients.create_patient_from_card(ctx, demo_patients.DESMAUX_CARD).id
    support.browser_sign_in(page, live, support.user(db, Role.TITULAIRE))
    with LoopbackAgent(cps_reader, live) as agent:
        page.goto(f"{live}/patients/{patient}/droits")
        support.pair_agent(page, agent)
        page.get_by_role("button", name="Interroger l'ADRi").click()
        expect(page.get_by_role("alert")).to_contain_text("Service ADRi non configuré")
        connect(ctx, adri, tmp_path)
        page.get_by_role("button", name="Interroger l'ADRi").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Choix informations AMO")
    support.screenshot(page, "patient-choix-amo")
    page.get_by_label("Informations provenant de l'ADRI (toutes)").check()
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("status")).to_have_text("Informations AMO reprises de l'ADRi.")


def test_rights_lookup_with_the_vitale_app_shown_by_qr_code(page: Page, live: str, db: Database, adri: RunningAdri,
                                                            cps_reader: VirtualCardReader, tmp_path: Path) -> None:
    ctx = Context(db=db, actor=actor_for(db, "admin"))
    connect(ctx, adri, tmp_path)
    cps_reader.insert("apcv-durand")   # DURAND Denis shows the QR code of his Vitale app
    shown = cps_reader.vitale_card()
    assert shown is not None
    durand = patients.create_patient_from_card(ctx, {**shown.beneficiaries[0].fields,
                                                     "insured_nir": shown.insured_nir}).id
    desmaux = patients.create_patient_from_card(ctx, demo_patients.DESMAUX_CARD).id
    support.browser_sign_in(page, live, support.user(db, Role.TITULAIRE))
    with LoopbackAgent(cps_reader, live) as agent:
        page.goto(f"{live}/patients/{desmaux}/droits")
        support.pair_agent(page, agent)
        page.get_by_role("button", name="Avec l'appli carte Vitale – QR code").click()
        expect(page.get_by_role("alert")).to_contain_text("celle d'un autre assuré que ce patient")
        page.goto(f"{live}/patients/{durand}/droits")
        page.get_by_role("button", name="Avec l'appli carte Vitale – NFC").click()
        expect(page.get_by_role("alert")).to_contain_text("se lit en QR code, pas en NFC")
        page.get_by_role("button", name="Avec l'appli carte Vitale – QR code").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Choix informations AMO")
    support.screenshot(page, "patient-choix-amo-appli")

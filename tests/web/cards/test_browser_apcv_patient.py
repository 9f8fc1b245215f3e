"""In a real browser, with the virtual cards behind the desk's card agent: « Appli carte Vitale » on « Lire la carte
Vitale » reads the patient's Vitale app (the way it is shown: QR code or NFC), lists its beneficiaries, and creates
then refreshes the patient, his AMO proof being the app."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from feuille.auth import Role
from feuille.cards.agent_http import LoopbackAgent
from feuille.cards.virtual import VirtualCardReader
from feuille.practice import patients
from feuille.storage import Database
from tests.web import support
from tests.web.invoices.data import admin


def test_the_vitale_app_creates_then_refreshes_the_patient(page: Page, live: str, db: Database,
                                                            reader: VirtualCardReader) -> None:
    reader.insert("apcv-durand")  # DURAND Denis shows the QR code of his Vitale app
    support.browser_sign_in(page, live, support.user(db, Role.SECRETAIRE))
    with LoopbackAgent(reader, live) as agent:
        page.goto(f"{live}/patients/carte")
        support.pair_agent(page, agent)
        page.get_by_role("button", name="Appli carte Vitale – NFC").click()
        expect(page.locator("#etat-carte")).to_have_text(
            "L'appli carte Vitale présentée se lit en QR code, pas en NFC : choisissez « Appli carte Vitale – QR "
            "code ».")
        page.get_by_role("button", name="Appli carte Vitale – QR code").click()
        expect(page.locator("#etat-carte")).to_contain_text("Appli carte Vitale lue : 1 bénéficiaire(s)")
        expect(page.get_by_role("row").nth(1)).to_contain_text("DURAND")
        support.screenshot(page, "patient-appli-carte-vitale")
        page.get_by_role("button", name="Enregistrer DURAND Denis").click()
        expect(page.get_by_role("dialog")).to_contain_text("Enregistrer DURAND Denis")
        page.get_by_role("button", name="OK").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("DURAND Denis")
        [durand] = patients.search_patients(admin(db), "DURAND")
        assert page.url.endswith(f"/patients/{durand.id}?ok=appli_cree")
        expect(page.get_by_role("status")).to_have_text("Patient enregistré depuis l'appli carte Vitale.")
        assert patients.get_patient(admin(db), durand.id).amo_proof == "apcv"

        page.goto(f"{live}/patients/carte")
        page.get_by_role("button", name="Appli carte Vitale – QR code").click()
        page.get_by_role("button", name="Enregistrer DURAND Denis").click()
        page.get_by_role("button", name="OK").click()
        page.wait_for_url(f"{live}/patients/{durand.id}?ok=appli_maj")  # the same patient, refreshed
    assert len(patients.search_patients(admin(db), "DURAND")) == 1

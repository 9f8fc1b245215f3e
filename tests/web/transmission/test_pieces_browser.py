"""In a real browser: a prescription added from the invoice's page, « Le document est-il conforme ? » answered
« Non conforme » with a reason, the document replaced and found conforming, seen in the « Pièces jointes » tab,
then deleted after « Supprimer ? »; and a NOEMIE file's own page reached from the list."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from feuille.auth import Context, Role
from feuille.storage import Database
from tests.transmission import scor_samples as s
from tests.transmission.test_scor_pieces import PRESCRIPTION, secured
from tests.web import support
from tests.web.transmission.data import returned


def png(name: str) -> dict[str, object]:
    return {"name": name, "mimeType": "image/png", "buffer": s.good_png()}


def test_add_a_piece_answer_its_conformity_and_delete_it(page: Page, live: str, db: Database, ctx: Context) -> None:
    from tests.billing.support import practice

    practice(ctx)
    invoice = secured(ctx, prescription=PRESCRIPTION)
    support.browser_sign_in(page, live, support.user(db, Role.SECRETAIRE))
    page.goto(f"{live}/factures/{invoice}")
    page.get_by_label("Photo ou PDF").set_input_files(png("ordo.png"))
    page.get_by_label("Type de pièce").select_option("ordonnance")
    page.get_by_role("button", name="Joindre", exact=True).click()
    expect(page.get_by_role("heading", name="Etat de la conformité")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("ordo.png"))).to_be_visible()
    assert page.get_by_role("img", name=re.compile("ordo.png")).evaluate("img => img.naturalWidth") > 0
    expect(page.locator("#etat-piece")).to_have_text("A CONTROLER")
    support.screenshot(page, "piece-conformite")

    page.get_by_role("button", name="Valider").click()      # nothing chosen: the browser asks for an answer
    expect(page.locator("#etat-piece")).to_have_text("A CONTROLER")
    page.get_by_label("Non conforme").check()
    page.get_by_role("button", name="Valider").click()      # « non » without a reason: the service says why
    expect(page.locator("#motifs-erreur")).to_contain_text("au moins un motif")
    expect(page.get_by_label("Non conforme")).to_be_checked()
    page.get_by_label("Page non droite").check()
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("#etat-piece")).to_have_text("NON CONFORME")
    expect(page.get_by_role("status")).to_contain_text("page non droite (constaté)")

    page.get_by_label("Nouveau document (photo ou PDF)").set_input_files(png("propre.png"))
    page.get_by_role("button", name="Remplacer").click()
    expect(page.get_by_role("status")).to_contain_text("Pièce remplacée par « propre.png »")
    expect(page.locator("#etat-piece")).to_have_text("A CONTROLER")
    page.get_by_label("Conforme", exact=True).check()
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("#etat-piece")).to_have_text("CONFORME")

    page.get_by_role("link", name="Pièces jointes").first.click()
    page.get_by_label("État de la pièce").select_option("")
    page.get_by_role("button", name="Filtrer").click()
    row = page.locator("tbody tr", has_text="CONFORME")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Ordonnance")
    expect(page.locator("thead th")).to_have_text(["Date envoi PJ", "N° Facture", "Etat SV", "Nom", "Prénom",
                                                   "Etat PJ", "Type", "Délai", "V", "A"])
    support.screenshot(page, "pieces-jointes")
    row.get_by_role("link", name=re.compile("^Supprimer la pièce propre.png")).click()
    expect(page.get_by_role("heading", name="Supprimer ?")).to_be_visible()
    support.screenshot(page, "piece-supprimer")
    page.get_by_role("link", name="Non").click()
    expect(page.locator("tbody tr", has_text="CONFORME")).to_have_count(1)
    page.locator("tbody tr", has_text="CONFORME").get_by_role("link", name=re.compile("^Supprimer")).click()
    page.get_by_role("button", name="Oui").click()
    expect(page.get_by_role("status")).to_contain_text("Pièce supprimée de la facture")
    expect(page.locator("tbody tr", has_text="CONFORME")).to_have_count(0)
    expect(page.locator("tbody tr", has_text="Ordonnance")).to_contain_text("MANQUANT")


def test_a_noemie_file_from_the_list_to_its_page(page: Page, live: str, db: Database, ctx: Context) -> None:
    data = returned(ctx)
    support.browser_sign_in(page, live, support.user(db, Role.SECRETAIRE))
    page.goto(f"{live}/suivi/fichiers")
    page.get_by_role("link", name=re.compile(r"^Fichier NOEMIE n° \d+$")).first.click()
    expect(page.get_by_role("heading", name=re.compile(r"^Fichier NOEMIE n° \d+$"))).to_be_visible()
    expect(page.locator("#paiements")).to_have_text("3")
    expect(page.locator("#rejets")).to_have_text("1")
    support.screenshot(page, "fichier-noemie")
    page.set_viewport_size({"width": 768, "height": 1024})      # a tablet: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator(f'a[href="/suivi/factures/{data.rejected}"]').click()
    expect(page).to_have_url(f"{live}/suivi/factures/{data.rejected}")

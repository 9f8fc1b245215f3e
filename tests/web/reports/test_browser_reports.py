"""In a real browser: « Rapports » filtered by months, its charts drawn by Chart.js with French months, a report
downloaded as CSV; the follow-up list's export link following the filters typed (htmx); one chart per organism."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, expect

from feuille.auth import Context, Role
from feuille.returns import reports
from feuille.storage import Database
from feuille.web.templating import euros
from tests.web import support
from tests.web.transmission.data import returned


def test_the_reports_page_with_its_charts_and_a_csv(page: Page, live: str, db: Database, ctx: Context) -> None:
    data = returned(ctx)
    support.browser_sign_in(page, live, support.user(db, Role.SECRETAIRE))
    page.goto(f"{live}/suivi")
    page.get_by_label("Du (JJ/MM/AAAA)").fill("01/12/2024")
    page.get_by_label("Au (JJ/MM/AAAA)").fill("31/01/2025")
    page.get_by_label("Rejeté").check()
    expect(page.locator("#suivi-resultats tbody tr")).to_have_count(1)
    export = page.get_by_role("link", name="Exporter (CSV) : toutes les factures du suivi, avec ses filtres")
    expect(export).to_have_attribute("href", "/suivi/export.csv?du=01%2F12%2F2024&au=31%2F01%2F2025&selon=facture"
                                             "&patient=&amo=&amc=&etat=rejete")

    page.goto(f"{live}/factures")
    page.get_by_label("État").select_option("rejected")
    expect(page.locator("#resultats tbody tr")).to_have_count(1)
    invoices = page.get_by_role("link", name="Exporter (CSV) : les factures de la liste, avec ses filtres")
    expect(invoices).to_have_attribute("href", re.compile(r"^/factures/export\.csv\?etat=rejected&"))
    with page.expect_download() as downloading:
        invoices.click()
    listed = list(csv.reader(io.StringIO(Path(downloading.value.path()).read_text(encoding="utf-8-sig"),
                                         newline=""), delimiter=";"))
    assert [row[0] for row in listed[1:]] == [str(data.rejected)]
    support.screenshot(page, "factures-export")

    page.goto(f"{live}/suivi/graphiques")
    page.get_by_role("navigation", name="Suivi").get_by_role("link", name="Rapports").click()
    expect(page).to_have_url(f"{live}/suivi/rapports")
    page.get_by_label("Du (mois, MM/AAAA)").fill("12/2024")
    page.get_by_label("Au (mois, MM/AAAA)").fill("01/2025")
    page.get_by_role("button", name="Afficher").click()
    chart = page.locator("#graphique-rapport-mois")
    expect(chart).to_have_attribute("data-dessine", "oui")
    assert page.evaluate("document.getElementById('graphique-rapport-mois').chart.data.labels") == ["janv. 2025"]
    expect(page.locator("#graphique-rapport-sv")).to_have_attribute("data-dessine", "oui")
    assert page.evaluate("document.getElementById('graphique-rapport-sv').chart.options.scales.y.stacked") is True
    organisms = reports.by_organism(ctx, date(2024, 12, 1), date(2025, 1, 31))
    expect(page.locator("#table-organismes tfoot")).to_contain_text(euros(organisms.remaining))
    expect(page.locator("#part-sv")).to_have_text("3 facture(s), dont 3 sécurisée(s) en SESAM-Vitale soit 100 %.")
    support.screenshot(page, "rapports")

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Exporter (CSV) : attendu, payé et restant dû par organisme").click()
    raw = Path(downloading.value.path()).read_bytes()
    assert downloading.value.suggested_filename == "rapport-organismes.csv"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert raw.startswith("\ufeff".encode())
    assert rows[0] == ["Part", "Organisme", "Factures", "Attendu", "Payé", "Restant dû"]
    assert len(rows) == len(organisms.lines) + 1

    page.get_by_label("Du (mois, MM/AAAA)").fill("03/2025")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("#au-erreur")).to_contain_text("précède")
    expect(page.get_by_label("Du (mois, MM/AAAA)")).to_have_value("03/2025")

    page.get_by_role("link", name="Graphiques").click()
    page.get_by_label("Du (JJ/MM/AAAA)").fill("01/12/2024")
    page.get_by_label("Au (JJ/MM/AAAA)").fill("31/01/2025")
    page.get_by_role("button", name="Afficher").click()
    first = page.locator("#graphique-organisme-1")
    expect(first).to_have_attribute("data-dessine", "oui")
    assert page.evaluate("document.getElementById('graphique-organisme-1').chart.data.labels") == ["janv. 2025"]
    page.set_viewport_size({"width": 768, "height": 1024})      # a tablet: nothing wider than the screen
    # Chart.js redraws its canvases to the new width on its own, a moment later: nothing stays wider
    page.wait_for_function("document.documentElement.scrollWidth <= 768", timeout=5000)
    support.screenshot(page, "graphiques-par-organisme")

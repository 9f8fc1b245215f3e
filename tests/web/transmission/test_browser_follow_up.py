"""In a real browser: the teletransmission tab, the follow-up list filtered as one types (htmx), an invoice's
returns, and the charts drawn by Chart.js with their numbers in a table."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from feuille.auth import Context, Role
from feuille.storage import Database
from tests.web import support
from tests.web.transmission.data import returned


def test_through_the_follow_up_to_a_chart(page: Page, live: str, db: Database, ctx: Context) -> None:
    data = returned(ctx)
    support.browser_sign_in(page, live, support.user(db, Role.SECRETAIRE))
    page.get_by_role("link", name="Télétransmission").first.click()
    expect(page.get_by_role("button", name="Mettre en lot et envoyer")).to_be_visible()
    support.screenshot(page, "teletransmission")

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Suivi").click()
    expect(page).to_have_url(f"{live}/suivi")
    page.get_by_label("Du (JJ/MM/AAAA)").fill("01/12/2024")
    page.get_by_label("Au (JJ/MM/AAAA)").fill("31/01/2025")
    rows = page.locator("#suivi-resultats tbody tr")
    expect(rows).to_have_count(3)
    page.get_by_label("Rejeté").check()
    expect(rows).to_have_count(1)
    expect(page).to_have_url(f"{live}/suivi?du=01%2F12%2F2024&au=31%2F01%2F2025&selon=facture&patient=&amo=&amc=&etat=rejete")
    page.get_by_label("Du (JJ/MM/AAAA)").fill("31/02/2024")
    expect(page.locator("#suivi-resultats [role=alert]")).to_contain_text("Du")
    expect(page.locator("#du-vif")).to_contain_text("n'existe pas")     # beside its field
    page.get_by_label("Du (JJ/MM/AAAA)").fill("01/12/2024")
    expect(rows).to_have_count(1)
    expect(page.locator("#du-vif")).to_have_text("")
    support.screenshot(page, "suivi")
    page.set_viewport_size({"width": 768, "height": 1024})      # a tablet: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    page.set_viewport_size({"width": 1280, "height": 900})
    rows.first.get_by_role("link").click()
    expect(page).to_have_url(f"{live}/suivi/factures/{data.rejected}")
    expect(page.get_by_text("ASSURE INCONNU").first).to_be_visible()

    page.get_by_role("link", name="Graphiques").click()
    page.get_by_label("Du (JJ/MM/AAAA)").fill("01/12/2024")
    page.get_by_label("Au (JJ/MM/AAAA)").fill("31/01/2025")
    page.get_by_role("button", name="Afficher").click()
    chart = page.locator("#graphique-mois")
    expect(chart).to_have_attribute("data-dessine", "oui")
    assert page.evaluate("document.getElementById('graphique-mois').chart.data.labels") == ["janv. 2025"]
    expect(page.get_by_role("table").filter(has_text="Par mois").get_by_role("row", name="janv. 2025")).to_be_visible()
    support.screenshot(page, "graphiques")

"""« Rapports » over HTTP: every figure is the service's, the filters (months, professional) are kept and refused
in French beside their field, the charts speak French months."""

from __future__ import annotations

import html
import json
import re
from datetime import date

from fastapi import FastAPI

from feuille.auth import Context, Role
from feuille.returns import report_modes, reports
from feuille.storage import Database
from feuille.web.templating import euros
from tests.web import support
from tests.web.transmission.data import returned

MONTHS = {"du": "2024-12", "au": "2025-01"}
START, END = date(2024, 12, 1), date(2025, 1, 31)


def _table(text: str, table_id: str) -> str:
    found = re.search(rf'<table id="{table_id}">(.*?)</table>', text, re.S)
    assert found, table_id
    return found.group(1)


def _cells(fragment: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", fragment, re.S)]


def _foot(text: str, table_id: str) -> list[str]:
    found = re.search(r"<tfoot>(.*?)</tfoot>", _table(text, table_id), re.S)
    assert found
    return _cells(found.group(1))


def test_the_reports_show_the_services_figures(app: FastAPI, db: Database, ctx: Context) -> None:
    data = returned(ctx)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    answer = signed.client.get("/suivi/rapports", params=MONTHS)
    assert answer.status_code == 200
    text = answer.text
    monthly = reports.monthly(ctx, START, END)
    months = monthly.totals_by("month")
    assert [m.key for m in months] == ["2025-01"]
    body = _cells(_table(text, "table-mois").split("<tbody>")[1].split("</tbody>")[0])
    assert body == ["janv. 2025", euros(months[0].billed), euros(months[0].paid), euros(months[0].rejected)]
    organisms = reports.by_organism(ctx, START, END)
    assert _foot(text, "table-organismes") == ["Total", euros(organisms.expected), euros(organisms.paid),
                                               euros(organisms.remaining)]
    assert organisms.paid > 0 and organisms.remaining > 0        # something was paid, something is still due
    modes = report_modes.modes_by_month(ctx, START, END).total
    assert modes.total == 3 and modes.sesam_vitale == 3
    assert "3 facture(s), dont 3 sécurisée(s) en SESAM-Vitale soit 100 %." in text
    ageing = reports.ageing(ctx, None, START, END)
    assert f"<td>{euros(ageing.totals[0].remaining)}</td>" in text.replace(' class="montant"', "")
    # the charts are drawn from the same figures, the months in French
    chart = json.loads(html.unescape(re.search(r'id="graphique-rapport-mois"[^>]*data-graphique="([^"]*)"',
                                               text).group(1)))  # type: ignore[union-attr]
    assert chart["labels"] == ["janv. 2025"] and chart["series"][0]["values"] == [f"{months[0].billed:.2f}"]
    modes_chart = json.loads(html.unescape(re.search(r'id="graphique-rapport-sv"[^>]*data-graphique="([^"]*)"',
                                                     text).group(1)))  # type: ignore[union-attr]
    assert modes_chart["unit"] == "nombre" and modes_chart["stacked"] is True
    assert modes_chart["series"][0] == {"label": "SESAM-Vitale", "values": ["3"]}
    # each export keeps the filters
    assert 'href="/suivi/rapports/mensuel.csv?du=2024-12&amp;au=2025-01"' in text
    assert data.paid   # the fixture's invoices are the ones counted


def test_one_professional_or_another(app: FastAPI, db: Database, ctx: Context) -> None:
    returned(ctx)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    page = signed.client.get("/suivi/rapports", params=MONTHS).text
    options = re.findall(r'<option value="(\d+)"', page)
    assert options, "the professionals of the practice are offered"
    counted = {pro: reports.sesam_vitale(ctx, START, END, professional=pro).share.total for pro in options}
    assert sum(counted.values()) == 3
    for pro, total in counted.items():
        answer = signed.client.get("/suivi/rapports", params={**MONTHS, "professionnel": pro})
        assert answer.status_code == 200
        assert f'<option value="{pro}" selected>' in answer.text
        assert f"{total} facture(s), dont {total} sécurisée(s)" in answer.text


def test_bad_months_and_an_unknown_professional_are_refused_beside_their_field(
        app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    answer = signed.client.get("/suivi/rapports", params={"du": "2025-13", "au": "décembre"})
    assert answer.status_code == 422
    assert 'id="du-erreur"' in answer.text and 'id="au-erreur"' in answer.text
    assert "mois attendu" in answer.text and 'value="2025-13"' in answer.text
    backwards = signed.client.get("/suivi/rapports", params={"du": "2025-03", "au": "2025-01"})
    assert backwards.status_code == 422 and 'id="au-erreur"' in backwards.text and "précède" in backwards.text
    unknown = signed.client.get("/suivi/rapports", params={**MONTHS, "professionnel": "98765"})
    assert unknown.status_code == 404 and 'id="professionnel-erreur"' in unknown.text


def test_the_charts_page_has_one_chart_per_organism_in_french_months(
        app: FastAPI, db: Database, ctx: Context) -> None:
    returned(ctx)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    text = signed.client.get("/suivi/graphiques", params={"du": "01/12/2024", "au": "31/01/2025"}).text
    per_organism = reports.monthly(ctx, START, END).per_organism()
    assert per_organism
    for index, organism in enumerate(per_organism, start=1):
        found = re.search(rf'id="graphique-organisme-{index}"[^>]*data-graphique="([^"]*)"', text)
        assert found, organism
        drawn = json.loads(html.unescape(found.group(1)))
        assert drawn["labels"] == ["janv. 2025"]
        assert [s["values"] for s in drawn["series"]] == [[f"{m.billed:.2f}" for m in organism.months],
                                                          [f"{m.paid:.2f}" for m in organism.months],
                                                          [f"{m.rejected:.2f}" for m in organism.months]]
        assert f"{organism.share} {organism.organism}" in html.unescape(text)
    assert '<th scope="row">janv. 2025</th>' in text and "2025-01" not in text

"""« Exporter (CSV) » over HTTP: each file, read back with the csv module, is the list its page shows (same
service, same filters), in a French spreadsheet's conventions; a refused filter sends back to the list."""

from __future__ import annotations

import csv
import html
import io
from datetime import date
from typing import Any

from fastapi import FastAPI

from feuille.auth import Context, Role
from feuille.billing import queries
from feuille.formats.csv_export import csv_cell
from feuille.money import format_amount_fr
from feuille.returns import exports, follow_up, one_off, reports, transfers
from feuille.storage import Database
from tests.web import support
from tests.web.transmission.data import PERIOD, returned


def _read(answer: Any) -> list[list[str]]:
    """The file as a French spreadsheet reads it: UTF-8 with BOM, « ; » between cells."""
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    raw: bytes = answer.content
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


def _expected(rows: list[object], columns: tuple[object, ...]) -> list[list[str]]:
    return [[c.header for c in columns]] + [[csv_cell(c.read(row)) for c in columns]  # type: ignore[attr-defined]
                                            for row in rows]


def test_the_follow_up_file_is_the_list_with_its_filters(app: FastAPI, db: Database, ctx: Context) -> None:
    data = returned(ctx)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    everything = _read(signed.client.get("/suivi/export.csv", params=PERIOD))
    lines = follow_up.list_follow_up(ctx, follow_up.parse_filters(since=PERIOD["du"], until=PERIOD["au"])).lines
    assert everything == _expected(list(lines), exports.FOLLOW_UP_COLUMNS)
    assert everything[0][:3] == ["Id", "Reçu le", "Nom du client"]
    assert len(everything) == 4
    by_id = {row[0]: row for row in everything[1:]}
    partly = next(line for line in lines if line.invoice_id == data.partly_paid)
    assert by_id[str(data.partly_paid)][7] == format_amount_fr(partly.paid)       # « 1234,56 »
    assert "," in by_id[str(data.partly_paid)][7] and "€" not in by_id[str(data.partly_paid)][7]
    # the link on the list carries the filters one sees
    page = signed.client.get("/suivi", params={**PERIOD, "etat": "rejete"}).text
    link = html.unescape(page.split('href="/suivi/export.csv?', 1)[1].split('"', 1)[0])
    assert "etat=rejete" in link and "du=01%2F12%2F2024" in link
    rejected = _read(signed.client.get(f"/suivi/export.csv?{link}"))
    assert [row[0] for row in rejected[1:]] == [str(data.rejected)]


def test_a_refused_filter_goes_back_to_the_list(app: FastAPI, db: Database) -> None:
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    answer = signed.client.get("/suivi/export.csv", params={"du": "31/02/2024"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/suivi?du=31%2F02%2F2024"
    shown = signed.client.get(answer.headers["location"])
    assert shown.status_code == 422 and 'id="du-erreur"' in shown.text
    invoices = signed.client.get("/factures/export.csv", params={"etat": "nimporte"}, follow_redirects=False)
    assert invoices.status_code == 303 and invoices.headers["location"].startswith("/factures?etat=")
    report = signed.client.get("/suivi/rapports/mensuel.csv", params={"du": "13/2025"}, follow_redirects=False)
    assert report.status_code == 303 and report.headers["location"].startswith("/suivi/rapports?du=")
    unknown = signed.client.get("/suivi/rapports/inconnu.csv")
    assert unknown.status_code == 404 and "Rapport « inconnu » inconnu" in unknown.text


def test_the_invoices_file_is_the_list_whole_and_filtered(app: FastAPI, db: Database, ctx: Context) -> None:
    from feuille.web.pages.reports_exports import INVOICE_COLUMNS

    returned(ctx)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    listed = queries.list_invoices(ctx, None, queries.MAX_LIST)
    assert len(listed) >= 3
    assert _read(signed.client.get("/factures/export.csv")) == _expected(list(listed), INVOICE_COLUMNS)
    state = listed[0].view.state
    kept = _read(signed.client.get("/factures/export.csv", params={"etat": state, "du": "", "pro": ""}))
    assert [row[0] for row in kept[1:]] == [str(i.id) for i in listed if i.view.state == state]
    # the list page links the file with its filters, and the htmx answer does as well
    partial = signed.client.get("/factures", params={"etat": state}, headers={"HX-Request": "true"}).text
    assert f'href="/factures/export.csv?etat={state}"' in partial
    # read a page at a time, the whole list comes out in the list's order
    assert [i.id for i in queries.iter_invoices(ctx, batch=2)] == [i.id for i in listed]


def test_transfers_one_off_operations_and_reports(app: FastAPI, db: Database, ctx: Context) -> None:
    returned(ctx)
    signed = support.sign_in(app, db, Role.TITULAIRE)
    wide = {"du": "01/01/2024", "au": "31/12/2026"}
    _, rows = transfers.listing_transfers(ctx, wide["du"], wide["au"])
    assert rows, "the NOEMIE file paid something"
    assert _read(signed.client.get("/suivi/virements/export.csv", params=wide)) == _expected(
        list(rows), exports.TRANSFER_COLUMNS)
    assert 'href="/suivi/virements/export.csv?du=01%2F01%2F2024&amp;au=31%2F12%2F2026"' in signed.client.get(
        "/suivi/virements", params=wide).text
    _, payments = one_off.payments(ctx, wide["du"], wide["au"])
    assert _read(signed.client.get("/suivi/operations/paiements.csv", params=wide)) == _expected(
        list(payments), exports.PAYMENT_COLUMNS)
    _, withheld = one_off.withholdings(ctx, wide["du"], wide["au"])
    assert _read(signed.client.get("/suivi/operations/retenues.csv", params=wide)) == _expected(
        list(withheld), exports.WITHHOLDING_COLUMNS)

    months = {"du": "2024-12", "au": "2025-01"}
    start, end = date(2024, 12, 1), date(2025, 1, 31)
    monthly = _read(signed.client.get("/suivi/rapports/mensuel.csv", params=months))
    assert monthly == _expected(list(reports.monthly(ctx, start, end).lines), exports.MONTHLY_COLUMNS)
    assert {row[0] for row in monthly[1:]} == {"2025-01"}
    organisms = _read(signed.client.get("/suivi/rapports/organismes.csv", params=months))
    assert organisms == _expected(list(reports.by_organism(ctx, start, end).lines), exports.ORGANISM_COLUMNS)
    ageing = _read(signed.client.get("/suivi/rapports/anciennete.csv", params=months))
    assert ageing == _expected(list(reports.ageing(ctx, date.today(), start, end).cells),
                              exports.AGEING_COLUMNS)   # the server counts ages from its own today
    modes = _read(signed.client.get("/suivi/rapports/sesam-vitale.csv", params=months))
    assert modes[0] == [c.header for c in exports.MODES_COLUMNS]
    assert modes[1:] == [["2025-01", "3", "3", "0", "0", "0", "100"], ["Total", "3", "3", "0", "0", "0", "100"]]


def test_rejects_and_unmatched_returns(app: FastAPI, db: Database, ctx: Context) -> None:
    data = returned(ctx)
    signed = support.sign_in(app, db, Role.SECRETAIRE)
    rejected = _read(signed.client.get("/suivi/rejets/export.csv", params=PERIOD))
    assert [row[0] for row in rejected[1:]] == [str(data.rejected)]
    assert rejected[0][-2:] == ["Codes", "Motif"] and "ASSURE INCONNU" in rejected[1][-1]
    unmatched = _read(signed.client.get("/suivi/non-rapproches/export.csv"))
    assert unmatched[0][0] == "Retour" and len(unmatched) == 2          # the return for no known invoice
    assert 'href="/suivi/non-rapproches/export.csv"' in signed.client.get("/suivi/non-rapproches").text

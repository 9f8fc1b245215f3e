"""Reports (returns.reports): expected / paid per organism, ageing of the unpaid, SV share, monthly figures."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from feuille.auth import Context
from feuille.domain.invoices import Event
from feuille.errors import ValidationError
from feuille.returns import reports
from feuille.storage.models import Invoice
from tests.returns.follow_up_support import add_return, practice, send, set_state

D = Decimal
REF = date(2025, 1, 15)   # the fixed clock's day


def _dates(ctx: Context, days: dict[int, date]) -> None:
    with ctx.db.transaction() as session:
        for invoice_id, day in days.items():
            session.execute(sa.update(Invoice).where(Invoice.id == invoice_id).values(invoice_date=day))


def _amc(ctx: Context, invoice_id: int, amount: str, number: str = "99999997") -> None:
    with ctx.db.transaction() as session:
        row = session.get(Invoice, invoice_id)
        assert row is not None
        document = json.loads(row.document)
        document["amc_transmission"] = {"routing": "fse", "amc_number": number}
        row.document, row.amc = json.dumps(document), D(amount)


@pytest.fixture
def day(ctx: Context) -> dict[str, list[int]]:
    """Two lots: 01 996 (three invoices: paid, partly paid, unpaid) and 01 349 (one rejected, one degraded)."""
    practice(ctx)
    first = send(ctx, 3, number="001", caisse="996").ids
    second = send(ctx, 2, number="002", caisse="349", mode="degrade").ids
    add_return(ctx, first[0])
    add_return(ctx, first[1], amo_paid="10.00")
    add_return(ctx, second[0], amo_status="R", rejects=(("290", "1234", "Droits non ouverts"),))
    set_state(ctx, first[0], Event.PAY)
    set_state(ctx, first[1], Event.PAY_PART)
    set_state(ctx, second[0], Event.REJECT)
    return {"996": first, "349": second}


def test_expected_and_paid_per_organism(ctx: Context, day: dict[str, list[int]]) -> None:
    _amc(ctx, day["996"][2], "4.60")
    report = reports.by_organism(ctx, "01/01/2025", "31/01/2025")
    with ctx.db.read() as session:
        amo = session.scalar(sa.select(Invoice.amo).where(Invoice.id == day["996"][0]))
    assert amo is not None
    assert [(line.share, line.organism.split(" ")[:2], line.invoices, line.expected, line.paid)
            for line in report.lines] == [
        ("AMO", ["01", "349"], 2, 2 * amo, D("0.00")),
        ("AMO", ["01", "996"], 3, 3 * amo, amo + D("10.00")),
        ("AMC", ["99999997"], 1, D("4.60"), D("0.00"))]
    assert report.remaining == 5 * amo + D("4.60") - amo - D("10.00")
    assert report.to_json()["total"]["paye"] == f"{amo + 10:.2f}"


@pytest.mark.parametrize(("age", "bucket"), [(0, "0-30"), (30, "0-30"), (31, "31-60"), (60, "31-60"),
                                             (61, "61-90"), (90, "61-90"), (91, "> 90"), (800, "> 90")])
def test_ageing_boundaries(ctx: Context, age: int, bucket: str) -> None:
    practice(ctx)
    [invoice] = send(ctx, 1).ids
    _dates(ctx, {invoice: REF - timedelta(days=age)})
    report = reports.ageing(ctx, REF)   # by default every invoice up to the reference date, however old
    assert [(c.bucket, c.invoices) for c in report.totals] == [(bucket, 1)]
    assert report.to_json()["compte_depuis"] == "date de facture"


def test_ageing_per_organism_and_reference_date(ctx: Context, day: dict[str, list[int]]) -> None:
    _dates(ctx, {day["996"][1]: REF - timedelta(days=45), day["996"][2]: REF - timedelta(days=100),
                 day["349"][0]: REF - timedelta(days=5), day["349"][1]: REF - timedelta(days=5)})
    report = reports.ageing(ctx, REF, "01/01/2024")
    with ctx.db.read() as session:
        amo = session.scalar(sa.select(Invoice.amo).where(Invoice.id == day["996"][0]))
    assert amo is not None
    cells = [(c.share, c.organism.split(" ")[1] if c.share else c.organism, c.bucket, c.invoices, c.remaining)
             for c in report.cells]
    assert cells == [("AMO", "349", "0-30", 2, 2 * amo),          # the paid one is not due any more
                     ("AMO", "996", "31-60", 1, amo - D("10.00")),
                     ("AMO", "996", "> 90", 1, amo),
                     (None, "Total", "0-30", 2, 2 * amo),
                     (None, "Total", "31-60", 1, amo - D("10.00")),
                     (None, "Total", "> 90", 1, amo)]
    # 60 days earlier the 45-day-old invoice did not exist yet, and the others were younger
    earlier = reports.ageing(ctx, REF - timedelta(days=60), "01/01/2024")
    assert [(c.bucket, c.invoices) for c in earlier.totals] == [("31-60", 1)]


def test_sesam_vitale_share(ctx: Context, day: dict[str, list[int]]) -> None:
    report = reports.sesam_vitale(ctx, "01/01/2025", "31/01/2025")
    assert report.share.line == "5 dossiers dont 3 sécurisés en sesam vitale soit 60 %"
    assert report.to_json()["pourcentage"] == 60


def test_monthly(ctx: Context, day: dict[str, list[int]]) -> None:
    _dates(ctx, {day["996"][2]: date(2024, 12, 20)})
    report = reports.monthly(ctx, "01/12/2024", "31/01/2025")
    with ctx.db.read() as session:
        amo = session.scalar(sa.select(Invoice.amo).where(Invoice.id == day["996"][0]))
    assert amo is not None
    lines = [(m.month, m.organism.split(" ")[1], m.invoices, m.billed, m.paid, m.rejected, m.rejected_invoices)
             for m in report.lines]
    assert lines == [("2024-12", "996", 1, amo, D("0.00"), D("0.00"), 0),
                     ("2025-01", "349", 2, 2 * amo, D("0.00"), amo, 1),
                     ("2025-01", "996", 2, 2 * amo, amo + D("10.00"), D("0.00"), 0)]


def test_an_empty_period(ctx: Context) -> None:
    assert reports.by_organism(ctx, "01/01/2020", "31/01/2020").lines == []
    assert reports.ageing(ctx, "31/01/2020").cells == []
    assert reports.sesam_vitale(ctx, "01/01/2020", "31/01/2020").share.line == (
        "0 dossier dont 0 sécurisé en sesam vitale soit 0 %")
    assert reports.monthly(ctx).lines == []


@pytest.mark.parametrize("junk", ["", "32/01/2025", "demain", 12, object()])
def test_reference_date_junk(ctx: Context, junk: object) -> None:
    if junk == "":
        assert reports.ageing(ctx, junk).reference == REF   # empty: today
        return
    with pytest.raises(ValidationError):
        reports.ageing(ctx, junk)


def test_the_monthly_report_adds_up_per_month_and_per_organism_for_the_charts() -> None:
    from decimal import Decimal as D

    from feuille.returns.listing import period
    from feuille.returns.reports import MonthLine, MonthlyReport, MonthTotal

    lines = [MonthLine("2026-01", "AMO", "01349000", 2, D("40.00"), D("30.00"), D("10.00"), 1),
             MonthLine("2026-01", "AMC", "99999999", 1, D("5.50"), D("5.50"), D("0.00"), 0),
             MonthLine("2026-02", "AMO", "01349000", 1, D("23.00"), D("0.00"), D("0.00"), 0)]
    report = MonthlyReport(period(date(2026, 3, 1)), lines)
    assert report.totals_by("month") == [MonthTotal("2026-01", D("45.50"), D("35.50"), D("10.00")),
                                         MonthTotal("2026-02", D("23.00"), D("0.00"), D("0.00"))]
    assert report.totals_by("organism") == [MonthTotal("01349000", D("63.00"), D("30.00"), D("10.00")),
                                            MonthTotal("99999999", D("5.50"), D("5.50"), D("0.00"))]

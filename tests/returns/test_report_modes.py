"""« Part SESAM-Vitale » per month (returns.report_modes) and the professional filter every report takes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from feuille.auth import Context
from feuille.domain.months import last_day, month_label, parse_month
from feuille.errors import NotFoundError, ValidationError
from feuille.returns import report_modes, reports
from feuille.storage.models import Invoice, Professional
from tests.returns.follow_up_support import practice, send
from tests.support.cli import Cli


def _set(ctx: Context, invoice_id: int, **values: object) -> None:
    with ctx.db.transaction() as session:
        session.execute(sa.update(Invoice).where(Invoice.id == invoice_id).values(**values))


def test_each_month_counts_sesam_vitale_without_vitale_degraded_and_paper(ctx: Context) -> None:
    practice(ctx)
    sv = send(ctx, 3, number="001").ids
    degraded = send(ctx, 2, number="002", mode="degrade").ids
    _set(ctx, degraded[1], paper_sent=True)
    _set(ctx, sv[2], secure_mode="sans-vitale", invoice_date=date(2024, 12, 3))
    report = report_modes.modes_by_month(ctx, "01/12/2024", "31/01/2025")
    assert [(m.month, m.sesam_vitale, m.without_vitale, m.degraded, m.paper, m.total, m.percent)
            for m in report.months] == [("2024-12", 0, 1, 0, 0, 1, 0), ("2025-01", 2, 0, 1, 1, 4, 50)]
    total = report.total
    assert (total.total, total.sesam_vitale, total.percent) == (5, 2, 40)
    # the same share as the one-line report over the same invoices
    assert reports.sesam_vitale(ctx, "01/12/2024", "31/01/2025").share.percent == total.percent
    assert report.to_json()["total"]["papier"] == 1
    assert report_modes.modes_by_month(ctx, "01/01/2020", "31/01/2020").months == []


def test_every_report_keeps_one_professional(ctx: Context) -> None:
    practice(ctx)
    ids = send(ctx, 2).ids
    with ctx.db.read() as session:
        pro = session.scalar(sa.select(Invoice.professional_id).where(Invoice.id == ids[0]))
        other = session.scalar(sa.select(sa.func.max(Professional.id)).where(Professional.id != pro))
    assert pro is not None
    span = ("01/01/2025", "31/01/2025")
    assert reports.monthly(ctx, *span, professional=str(pro)).lines
    assert reports.by_organism(ctx, *span, professional=pro).lines[0].invoices == 2
    assert reports.sesam_vitale(ctx, *span, professional=str(pro)).share.total == 2
    assert report_modes.modes_by_month(ctx, *span, professional=str(pro)).total.total == 2
    if other is not None:   # another professional of the practice billed nothing
        assert reports.monthly(ctx, *span, professional=str(other)).lines == []
        assert reports.ageing(ctx, None, professional=str(other)).cells == []
    with pytest.raises(NotFoundError) as refused:
        reports.by_organism(ctx, *span, professional="99999")
    assert refused.value.field == "professionnel"


@pytest.mark.parametrize(("typed", "first"), [("2026-12", date(2026, 12, 1)), ("03/2025", date(2025, 3, 1)),
                                              ("", None), (None, None)])
def test_a_month_as_typed(typed: object, first: date | None) -> None:
    assert parse_month(typed, "du", "Du") == first


@pytest.mark.parametrize("junk", ["2026-13", "13/2025", "déc. 2026", "2026", 12, object()])
def test_a_month_refused_in_french(junk: object) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_month(junk, "au", "Au")
    assert refused.value.field == "au" and "mois attendu" in refused.value.message


def test_months_in_french() -> None:
    assert [month_label(f"2026-{m:02d}") for m in (1, 2, 6, 7, 8, 12)] == [
        "janv. 2026", "févr. 2026", "juin 2026", "juil. 2026", "août 2026", "déc. 2026"]
    assert month_label("Total") == "Total"
    assert last_day(date(2024, 2, 1)) == date(2024, 2, 29)


def test_the_monthly_report_gives_each_organism_every_month() -> None:
    from decimal import Decimal as D

    from feuille.returns.listing import period
    from feuille.returns.reports import MonthLine, MonthlyReport, MonthTotal

    lines = [MonthLine("2026-01", "AMO", "01 349 9881", 2, D("40.00"), D("30.00"), D("10.00"), 1),
             MonthLine("2026-01", "AMC", "99999999", 1, D("5.50"), D("5.50"), D("0.00"), 0),
             MonthLine("2026-02", "AMO", "01 349 9881", 1, D("23.00"), D("0.00"), D("0.00"), 0)]
    found = MonthlyReport(period(date(2026, 3, 1)), lines).per_organism()
    zero = D("0")
    assert [(o.share, o.organism, o.months) for o in found] == [
        ("AMO", "01 349 9881", [MonthTotal("2026-01", D("40.00"), D("30.00"), D("10.00")),
                                MonthTotal("2026-02", D("23.00"), D("0.00"), D("0.00"))]),
        ("AMC", "99999999", [MonthTotal("2026-01", D("5.50"), D("5.50"), D("0.00")),
                             MonthTotal("2026-02", zero, zero, zero)])]


def test_the_command_line_gives_the_months_and_keeps_one_professional(cli: Cli, ctx: Context,
                                                                       tmp_path: Path) -> None:
    practice(ctx)
    ids = send(ctx, 2).ids
    _set(ctx, ids[1], secure_mode="degrade", paper_sent=True)
    with ctx.db.read() as session:
        pro = session.scalar(sa.select(Invoice.professional_id).where(Invoice.id == ids[0]))
    january = ("--du", "01/01/2025", "--au", "31/01/2025")
    shown = cli("rapports", "sesam-vitale", *january, "--par-mois")
    assert shown.exit_code == 0, shown.stderr
    assert "janv. 2025" in shown.stdout and "50 %" in shown.stdout
    target = tmp_path / "sv.csv"
    assert cli("rapports", "sesam-vitale", *january, "--csv", str(target)).exit_code == 0
    assert target.read_text(encoding="utf-8-sig").splitlines() == [
        "Mois;Factures;SESAM-Vitale;SESAM sans Vitale;Dégradé (pièces numérisées);Dégradé (feuille papier);"
        "Part SESAM-Vitale (%)", "2025-01;2;1;0;0;1;50", "Total;2;1;0;0;1;50"]
    kept = json.loads(cli("rapports", "mensuel", *january, "--professionnel", str(pro), "--json").stdout)
    assert kept["mois"] and all(line["factures"] for line in kept["mois"])
    unknown = cli("rapports", "organismes", *january, "--professionnel", "99999")
    assert unknown.exit_code == 3 and "Professionnel" in unknown.stderr

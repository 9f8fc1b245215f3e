"""Priced lines as rows: written whenever the invoice is priced, read by the views, converted by 0009."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from feuille.auth import Context
from feuille.billing import drafts, lines, rate_check, state, views
from feuille.storage.models import InvoiceLine
from tests.billing.support import nurse_care, practice

TWO_ACTS = nurse_care(acts=[{"code": "AMI", "coefficient": "4.5"}, {"code": "IFD"}],
                      place="domicile")


def rows(ctx: Context, invoice: int) -> list[lines.Line]:
    with ctx.db.read() as session:
        return lines.read(session, invoice)


def test_rows_keep_what_the_json_loses_and_the_view_reads_them(ctx: Context) -> None:
    practice(ctx)
    view = drafts.create_draft(ctx, TWO_ACTS)
    found = rows(ctx, view.id)
    assert [(r.line_number, r.act_index, r.code, r.coefficient) for r in found] == [
        (1, 0, "AMI", Decimal("4.500")), (2, 1, "IFD", Decimal("1.000"))]
    assert found == view.lines
    assert sum((r.total for r in found), Decimal(0)) == Decimal(view.totals["total"])
    assert all(r.care_date.isoformat() == "2025-01-14" and r.quantity == 1 for r in found)


def test_update_and_rate_check_replace_the_rows(ctx: Context) -> None:
    practice(ctx)
    view = drafts.create_draft(ctx, TWO_ACTS)
    drafts.update_draft(ctx, view.id, nurse_care())
    assert [r.code for r in rows(ctx, view.id)] == ["AMI"]
    with ctx.db.transaction() as session:  # rows lost behind the service's back: the rate check writes them again
        session.execute(sa.delete(InvoiceLine).where(InvoiceLine.invoice_id == view.id))
    checked = rate_check.check_rates(ctx, view.id)
    assert [r.code for r in rows(ctx, view.id)] == ["AMI"] and len(checked.lines) == 1


def test_an_invoice_stored_before_0009_is_converted_and_back(ctx: Context) -> None:
    practice(ctx)
    invoice = drafts.create_draft(ctx, TWO_ACTS).id
    before = rows(ctx, invoice)
    ctx.db.downgrade("0008_card_certificates")
    assert "invoice_lines" not in sa.inspect(ctx.db.engine).get_table_names()
    ctx.db.upgrade()
    assert rows(ctx, invoice) == before  # from the stored priced JSON and input: the same rows, act links included
    with ctx.db.read() as session:
        assert views.view(session, state.load(session, invoice)).lines == before

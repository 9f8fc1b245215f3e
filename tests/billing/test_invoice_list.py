"""The invoice list: a fixed number of queries whatever its length; patient, professional and the number with
its professional shown; filters by state (French names too), patient, professional and dates (JJ/MM/AAAA)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from feuille.auth import Context
from feuille.billing import drafts, payments, queries
from feuille.errors import NotFoundError, ValidationError
from tests.billing.support import consultation, nurse_care, practice


@contextmanager
def counted(ctx: Context) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(ctx.db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", count)


def test_the_number_of_queries_does_not_grow_with_the_number_of_invoices(ctx: Context) -> None:
    practice(ctx)
    first = drafts.create_draft(ctx, consultation(date="2025-01-13"))
    with counted(ctx) as few:
        assert len(queries.list_invoices(ctx)) == 1
    for day in ("2025-01-13", "2025-01-14") * 6:
        drafts.create_draft(ctx, nurse_care(date=day))
    payments.pay(ctx, first.id, "CB", "5.00")
    with counted(ctx) as many:
        listed = queries.list_invoices(ctx)
    assert len(listed) == 13
    assert len(many) == len(few) <= 5  # the page, its payments, attachments and lines (and the BEGIN)
    assert listed[-1].view.payments[0]["amount"] == "5.00" and listed[-1].view.balance == queries.show(
        ctx, first.id).balance


def test_filters_and_what_a_line_shows(ctx: Context) -> None:
    pro = practice(ctx)
    gp = drafts.create_draft(ctx, consultation(date="2025-01-13")).id
    nurse = drafts.create_draft(ctx, nurse_care(date="2025-01-14")).id
    line = queries.list_invoices(ctx, professional="001033901")
    assert [i.id for i in line] == [gp]
    assert line[0].patient == "Essai Alain" and line[0].professional.endswith(": 00103390 1")
    assert line[0].number_label == "sans numéro (MEDECIN0043390 Virginie)"
    assert [i.id for i in queries.list_invoices(ctx, professional=str(pro.firmier))] == [nurse]
    assert [i.id for i in queries.list_invoices(ctx, patient=str(pro.patient))] == [nurse, gp]
    assert [i.id for i in queries.list_invoices(ctx, since="14/01/2025")] == [nurse]
    assert [i.id for i in queries.list_invoices(ctx, until="13/01/2025")] == [gp]
    assert [i.id for i in queries.list_invoices(ctx, since="13/01/2025", until="13/01/2025")] == [gp]
    for name in ("brouillon", "Brouillon", "draft"):
        assert len(queries.list_invoices(ctx, state=name)) == 2
    for name in ("TP calculé", "tp-calcule", "sécurisée", "securisee", "secured"):
        assert queries.list_invoices(ctx, state=name) == []
    data = line[0].to_json()
    assert data["patient_name"] == line[0].patient and data["professional_name"] == line[0].professional
    assert data["number_label"] == line[0].number_label and data["id"] == gp


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"state": "bof"}, "invoice_state"),
    ({"patient": "abc"}, "patient_id"),
    ({"since": "31/02/2025"}, "date_impossible"),
    ({"until": "2025/01/01x"}, "date_format"),
    ({"since": "14/01/2025", "until": "13/01/2025"}, "period_order"),
])
def test_bad_filters_are_refused_in_french(ctx: Context, kwargs: dict[str, Any], code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        queries.list_invoices(ctx, **kwargs)
    assert caught.value.code == code


def test_an_unknown_professional_is_named(ctx: Context) -> None:
    with pytest.raises(NotFoundError):
        queries.list_invoices(ctx, professional="999999999")


def test_cli_list_in_french(cli: Any) -> None:
    from feuille.auth import actor_for
    from feuille.storage import Database
    from tests.conftest import fixed_clock

    db = Database(cli.url)
    ctx = Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)
    practice(ctx)
    gp = drafts.create_draft(ctx, consultation(date="2025-01-13")).id
    db.dispose()
    result = cli("invoice", "list", "--etat", "brouillon", "--du", "13/01/2025")
    assert result.exit_code == 0, result.stderr
    assert "13/01/2025" in result.stdout and "2025-01-13" not in result.stdout
    assert "Essai" in result.stdout and "brouillon" in result.stdout
    result = cli("invoice", "list", "--json", "--pro", "001033901")
    assert [item["id"] for item in json.loads(result.stdout)] == [gp]
    result = cli("invoice", "list", "--etat", "payée-ou-pas")
    assert result.exit_code == 2 and "inconnu" in result.stderr and "brouillon" in result.stderr

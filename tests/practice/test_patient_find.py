"""The search box's service: a name, the first digits of the insured's NIR, or a birth date."""

from __future__ import annotations

import pytest

from feuille.auth import Context
from feuille.errors import ValidationError
from feuille.practice import patients
from feuille.practice.patient_search import find_patients, search_kind


def _add(ctx: Context, last: str, first: str, born: str, nir: str | None = None) -> int:
    data: dict[str, object] = {"last_name": last, "first_name": first, "birth_date": born}
    if nir:
        data["insured_nir"] = nir
    return patients.create_patient(ctx, data).id


def test_the_box_reads_a_date_a_nir_or_a_name() -> None:
    assert search_kind("01/03/1969") == "naissance"
    assert search_kind("1 6903 66") == "nir"
    assert search_kind("1690") == "nom"       # too few digits: could be anything
    assert search_kind("dupont") == "nom" and search_kind("") == "nom" and search_kind(None) == "nom"


def test_by_nir_prefix_birth_date_and_name(ctx: Context) -> None:
    a = _add(ctx, "RDTBUT", "Adu A", "01/03/1969", "169036600040952")
    b = _add(ctx, "BERNARD", "Zoé", "01/03/1969")
    c = _add(ctx, "ESSAI", "Alain", "01/01/1942", "142196296516596")
    assert [p.id for p in find_patients(ctx, "1 69036")] == [a]
    assert [p.id for p in find_patients(ctx, "14219 6296516596")] == [c]
    assert find_patients(ctx, "2999999") == []
    assert [p.id for p in find_patients(ctx, "01/03/1969")] == [b, a]          # by name
    assert [p.id for p in find_patients(ctx, "1/3/1969", order="desc")] == [a, b]
    assert [p.id for p in find_patients(ctx, "ess")] == [c]
    assert find_patients(ctx, "01/03/1969", limit=1)[0].birth_date == "01/03/1969"


def test_refuses_a_bad_order_or_limit(ctx: Context) -> None:
    with pytest.raises(ValidationError):
        find_patients(ctx, "01/03/1969", order="haut")
    with pytest.raises(ValidationError):
        find_patients(ctx, "169036", limit=0)


@pytest.mark.parametrize("text", ["01/03/1969", "1 69036"])
def test_a_birth_date_or_a_nir_reads_an_index_in_the_list_order(ctx: Context, text: str) -> None:
    """The plan of the statement the search runs (SQLite's planner; PostgreSQL prefers a scan on a tiny table):
    an index search (for a date, already in the list's order), so it stays fast on a million patients."""
    from sqlalchemy import event

    if ctx.db.engine.dialect.name != "sqlite":
        assert ctx.db.engine.dialect.name == "postgresql"
        return   # the same index exists there (tests/storage/test_migrations.py compares models and schema)
    seen: list[tuple[str, object]] = []

    def keep(conn: object, cursor: object, statement: str, params: object, context: object, many: bool) -> None:
        seen.append((statement, params))

    event.listen(ctx.db.engine, "before_cursor_execute", keep)
    try:
        find_patients(ctx, text, order="desc")
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", keep)
    (statement, params), = [(s, p) for s, p in seen if "FROM patients" in s]
    with ctx.db.engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params))
    assert plan.startswith("SEARCH patients USING INDEX") and "SCAN" not in plan, plan
    if "/" in text:   # the rows of one date come in the list's order; a NIR range is sorted (a few rows)
        assert "TEMP B-TREE" not in plan, plan

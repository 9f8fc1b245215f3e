"""Junk return files (Hypothesis: bytes flipped, cut, inserted, or anything at all): the integration never raises,
keeps what is valid, and never counts a return twice."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from feuille.auth import Context
from feuille.returns import integration
from feuille.storage.models import NoemieFileRow, ReturnInvoice
from tests.returns.support import answer, file_of, practice, send, write

OUTCOMES = {"integre", "integre_partiel", "refuse", "deja_integre", "illisible"}


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "drop"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=20))
        elif data:
            del data[at:at + draw(st.integers(1, 150))]
    return bytes(data)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_junk_never_raises_nor_counts_twice(ctx: Context) -> None:
    practice(ctx)
    sent = send(ctx, 2)
    base = write(file_of(sent, [answer(i, sent) for i in sent.invoices]))
    counted = {"invoices": 0}

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.one_of(mutated(base), st.binary(max_size=400)))
    def check(data: bytes) -> None:
        report = integration.integrate_file(ctx, data, name="junk")
        assert report.outcome in OUTCOMES
        assert all(isinstance(p["message"], str) and p["message"] for p in report.problems)
        if report.outcome != "deja_integre":
            counted["invoices"] += report.invoices
        with ctx.db.read() as session:
            stored = session.scalar(select(func.count()).select_from(ReturnInvoice))
            files = session.scalar(select(func.count()).select_from(NoemieFileRow))
        assert stored == counted["invoices"]
        assert files is not None and files <= 60

    check()

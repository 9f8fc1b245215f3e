"""Invoices are locked by increasing id, whatever the order typed: two desks loading overlapping sets on the
portable reader (or deleting on it) then wait for each other instead of deadlocking on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from feuille.auth import Context
from feuille.billing import portable, portable_delete, state
from tests.billing.support import consultation
from tests.billing.test_portable import priced, two_professionals


@pytest.fixture
def locks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    taken: list[int] = []
    original = state.load

    def spy(session: Any, ref: object, *, lock: bool = False) -> Any:
        if lock:
            taken.append(state.invoice_id(ref))
        return original(session, ref, lock=lock)

    monkeypatch.setattr(state, "load", spy)
    return taken


def test_loading_locks_by_increasing_id_and_answers_in_the_order_typed(ctx: Context, locks: list[int]) -> None:
    gp, nurse, later = two_professionals(ctx)
    locks.clear()
    result = portable.load(ctx, [later, gp])
    assert locks == [gp, later]
    assert [i.id for i in result.loaded] == [later, gp]  # the user reads them in the order typed
    locks.clear()
    other = priced(ctx, consultation(date="2025-01-13"))
    locks.clear()
    portable.load(ctx, [other], "sac-2", same_patients=True)  # the nurse's invoice joins: one sorted pass
    assert locks == sorted(locks) == sorted({other, nurse})


def test_deleting_on_the_reader_locks_by_increasing_id(ctx: Context, locks: list[int]) -> None:
    gp, _nurse, later = two_professionals(ctx)
    portable.load(ctx, [gp, later])
    locks.clear()
    result = portable_delete.delete_on_reader(ctx, [later, gp])
    assert locks == [gp, later]
    assert [i.id for i in result.deleted] == [later, gp]

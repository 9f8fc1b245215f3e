"""Two and four processes write at once (a patient CSV import, invoices created, checked, secured, paid) on
SQLite and PostgreSQL: every desk succeeds (writers wait, they do not fail) and the totals add up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from feuille import audit
from feuille.auth import Context
from feuille.billing import verification
from tests.billing.support import practice
from tests.support.writers import run_desks, totals

INVOICES = 4   # per desk
PATIENTS = 300  # per desk, imported in one transaction while the other desks bill


@pytest.mark.parametrize("desks", [2, 4])
def test_desks_writing_at_once_all_succeed_and_the_totals_add_up(ctx: Context, db_url: str, desks: int) -> None:
    practice(ctx)
    day = run_desks(db_url, desks, INVOICES, PATIENTS)
    found = totals(db_url)
    count = desks * INVOICES
    assert found["invoices"] == found["secured"] == count
    assert found["total"] == count * Decimal("23.00")  # the GP consultation of the test practice
    assert found["paid"] == found["due"] == sum(Decimal(d["paid"]) for d in day.desks)
    assert found["numbers"] == list(range(1, count + 1))  # one series, no gap, no number twice
    assert len(found["series"]) == 1
    assert found["patients"] == 1 + desks * PATIENTS and all(d["imported"] == PATIENTS for d in day.desks)
    assert audit.verify(ctx.db).ok
    for invoice_id in range(1, count + 1):
        assert verification.verify_invoice(ctx, invoice_id).ok

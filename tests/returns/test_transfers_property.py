"""Hypothesis: whatever a transfer carries, the check computed from the stored rows is invoices + one-off
payments − withholdings, exact to the cent, and equals the total the NOEMIE writer declares in its 990."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feuille.auth import Context
from feuille.formats.noemie_file import AmcShare, Invoice, Lot, Movement, OneOffPayment, ReturnGroup, Settlement, Share
from feuille.returns import transfers
from feuille.storage.models import FinancialMovement, NoemieFileRow, OneOffPaymentRow, ReturnInvoice, TransferRow
from tests.returns.transfer_data import Moved, OneOffPaid, Paid, Transfer, add

CENTS = st.integers(min_value=-999_999, max_value=999_999).map(lambda c: Decimal(c) / 100)
POSITIVE = st.integers(min_value=1, max_value=999_999).map(lambda c: Decimal(c) / 100)
PAID = st.builds(Paid, number=st.integers(1, 999_999_999).map(str), amo_claimed=POSITIVE, amo_paid=CENTS,
                 amc_claimed=POSITIVE, amc_paid=CENTS)
MOVED = st.builds(Moved, reference=st.just("DETTE"), nature=st.sampled_from(["IND", "ODL", "XYZ"]),
                  operation=st.sampled_from(["CIN", "RPR", "PAI", "RPR"]), amount=CENTS)
ONE_OFF = st.builds(OneOffPaid, code=st.sampled_from(["CODE1", "00001"]), amount=POSITIVE)


def _settlement(t: Transfer) -> Settlement:
    """The same transfer as the NOEMIE writer models it (its ``total`` is what the 990 declares)."""
    invoices = tuple(Invoice(p.number, amo=Share(p.amo_claimed, "P", p.amo_paid),
                             amc=None if p.amc_paid == 0 else AmcShare(p.amc_claimed, "P", p.amc_paid))
                     for p in t.invoices)
    group = ReturnGroup("01", lots=(Lot(date(2024, 5, 29), 1, invoices),) if invoices else (),
                        movements=tuple(Movement(1, m.reference, m.nature, m.operation, m.amount) for m in t.movements),
                        payments=tuple(OneOffPayment(o.code, o.amount) for o in t.one_off))
    return Settlement(t.day, None, (group,))


def _clear(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        for model in (ReturnInvoice, FinancialMovement, OneOffPaymentRow, TransferRow, NoemieFileRow):
            session.execute(sa.delete(model))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(invoices=st.lists(PAID, max_size=5), movements=st.lists(MOVED, max_size=4),
       one_off=st.lists(ONE_OFF, max_size=3))
def test_the_check_adds_up(ctx: Context, invoices: list[Paid], movements: list[Moved],
                           one_off: list[OneOffPaid]) -> None:
    declared = _settlement(Transfer(date(2024, 5, 29), "", "", "", None, invoices, movements, one_off)).total
    t = Transfer(date(2024, 5, 29), "VIR", "", "01349000", declared, invoices, movements, one_off)
    try:
        [transfer_id] = add(ctx, t)
        found = transfers.detail(ctx, transfer_id)
        check = found.transfer.check
        assert check.invoices == sum((p.amo_paid + p.amc_paid for p in invoices), Decimal(0))
        assert check.one_off == sum((o.amount for o in one_off), Decimal(0))
        assert check.withheld == -sum((m.amount for m in movements if m.operation == "RPR"), Decimal(0))
        assert check.computed == check.invoices + check.one_off - check.withheld == declared
        assert check.ok and check.difference == 0
        _, listed = transfers.listing_transfers(ctx, "2024-05-29", "2024-05-29", differences=True)
        assert listed == []
    finally:
        _clear(ctx)

"""THE one place computing, per invoice, what is expected, paid and remaining on the AMO and AMC shares.

- expected AMO: the invoice's AMO share as billed (``invoices.amo``);
- expected AMC: the invoice's AMC share (``invoices.amc``) when it was teletransmitted and is therefore awaited
  from the returns — gestion unique (routing ``fse``: the AMO pays it) or a DRE to the complementary (``dre``),
  as frozen in the signed document (``billing.amc_part``); otherwise 0 (the complementary pays on its own flow,
  the follow-up does not await it). **feuille's own** reading of manual 003 VII (docs/returns.md);
- paid: the sum of the invoice's matched ``return_invoices`` rows (``match`` in ``auto``, ``manuel``), signed (a
  negative regularisation takes back); never a stored running total;
- remaining: expected − paid (negative: paid too much).

Other queries (the follow-up list, the reports) JOIN on :func:`paid_subquery` and use :func:`expected_amo` /
:func:`expected_amc`, or select from :func:`amounts_query`; services read :func:`amounts_for`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, Subquery, case, func, literal, select
from sqlalchemy.orm import Session

from feuille.money import ZERO, round_cents
from feuille.returns.follow_up_sql import amc_routing
from feuille.storage.models import Invoice, ReturnInvoice

#: The ``match`` values of a return row that counts as paid on its invoice.
MATCHED = ("auto", "manuel")
#: The AMC routings whose part is awaited from the returns (``domain.organisms.Routing``).
AWAITED_ROUTINGS = ("fse", "dre")
BATCH = 1000


def amc_awaited(invoices: FromClause | None = None) -> ColumnElement[bool]:
    """True when the invoice's AMC part is awaited from the returns (gestion unique or DRE)."""
    return amc_routing(invoices).in_(AWAITED_ROUTINGS)


def expected_amo(invoices: FromClause | None = None) -> ColumnElement[Decimal]:
    table = invoices if invoices is not None else Invoice.__table__
    return table.c.amo


def expected_amc(invoices: FromClause | None = None) -> ColumnElement[Decimal]:
    table = invoices if invoices is not None else Invoice.__table__
    return case((amc_awaited(table), table.c.amc), else_=literal(ZERO, type_=table.c.amc.type))


def paid_subquery(name: str = "paid") -> Subquery:
    """Per invoice having matched returns: ``invoice_id``, ``amo_paid``, ``amc_paid`` (signed sums) and
    ``returns`` (how many). LEFT JOIN it on ``invoice_id`` and COALESCE to 0."""
    ri = ReturnInvoice.__table__
    return (select(ri.c.invoice_id.label("invoice_id"),
                   func.coalesce(func.sum(ri.c.amo_paid), ZERO).label("amo_paid"),
                   func.coalesce(func.sum(ri.c.amc_paid), ZERO).label("amc_paid"),
                   func.count().label("returns"))
            .where(ri.c.match.in_(MATCHED), ri.c.invoice_id.is_not(None))
            .group_by(ri.c.invoice_id)
            .subquery(name))


def amounts_query() -> Select[Any]:
    """Every invoice with ``invoice_id``, ``expected_amo``, ``expected_amc``, ``paid_amo``, ``paid_amc``,
    ``remaining_amo``, ``remaining_amc``, ``returns``: add a WHERE, or make it a subquery to JOIN on."""
    inv = Invoice.__table__
    paid = paid_subquery()
    amo_paid = func.coalesce(paid.c.amo_paid, ZERO)
    amc_paid = func.coalesce(paid.c.amc_paid, ZERO)
    return (select(inv.c.id.label("invoice_id"), expected_amo(inv).label("expected_amo"),
                   expected_amc(inv).label("expected_amc"), amo_paid.label("paid_amo"),
                   amc_paid.label("paid_amc"), (expected_amo(inv) - amo_paid).label("remaining_amo"),
                   (expected_amc(inv) - amc_paid).label("remaining_amc"),
                   func.coalesce(paid.c.returns, 0).label("returns"))
            .select_from(inv.outerjoin(paid, paid.c.invoice_id == inv.c.id)))


@dataclass(frozen=True)
class Amounts:
    expected_amo: Decimal
    expected_amc: Decimal
    paid_amo: Decimal
    paid_amc: Decimal
    returns: int = 0               # matched returns counted

    @property
    def remaining_amo(self) -> Decimal:
        return self.expected_amo - self.paid_amo

    @property
    def remaining_amc(self) -> Decimal:
        return self.expected_amc - self.paid_amc

    @property
    def expected(self) -> Decimal:
        return self.expected_amo + self.expected_amc

    @property
    def paid(self) -> Decimal:
        return self.paid_amo + self.paid_amc

    @property
    def remaining(self) -> Decimal:
        return self.expected - self.paid


def _money(value: object) -> Decimal:
    return round_cents(Decimal(str(value))) if value is not None else ZERO


def amounts_for(session: Session, invoice_ids: Iterable[int]) -> dict[int, Amounts]:
    """The amounts of these invoices (an unknown id is left out), read with one query per thousand ids."""
    ids = sorted(set(invoice_ids))
    inv = Invoice.__table__
    found: dict[int, Amounts] = {}
    for start in range(0, len(ids), BATCH):
        query = amounts_query().where(inv.c.id.in_(ids[start:start + BATCH]))
        for row in session.execute(query):
            found[row.invoice_id] = Amounts(_money(row.expected_amo), _money(row.expected_amc),
                                            _money(row.paid_amo), _money(row.paid_amc), int(row.returns))
    return found


__all__ = ["AWAITED_ROUTINGS", "MATCHED", "Amounts", "amc_awaited", "amc_routing", "amounts_for", "amounts_query",
           "expected_amc", "expected_amo", "paid_subquery"]

"""Secured invoices for the teletransmission tests: through the billing services (a fake card reader), and many at
once by copying one secured invoice's rows (the lots' split at 999 and the concurrency tests need more invoices
than securing each would allow in a test's time)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from feuille.auth import Context
from feuille.billing import drafts, rate_check, securing
from feuille.storage.models import Invoice, InvoiceLine, InvoiceSignature
from tests.billing.support import CPS_MEDECIN, VITALE_ESSAI, FakeReader, consultation, practice

__all__ = ["practice"]


def secured(ctx: Context, mode: str = "synchronise", **changes: Any) -> int:
    view = drafts.create_draft(ctx, consultation(**changes))
    invoice = rate_check.check_rates(ctx, view.id).id
    securing.secure(ctx, invoice, mode, FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI))
    return invoice


def copies(ctx: Context, model: int, count: int) -> list[int]:
    """``count`` copies of the secured invoice ``model`` (numbers after the last), its lines and signatures: rows
    as securing leaves them, written directly (these tests are about lots, not securing)."""
    with ctx.db.transaction() as session:
        row = session.get(Invoice, model)
        assert row is not None
        last = session.scalar(sa.select(sa.func.max(Invoice.number))) or 0
        table = Invoice.__table__
        base = {c.name: getattr(row, c.name) for c in table.columns if c.name != "id"}
        ids = []
        for n in range(1, count + 1):
            ids.append(session.execute(sa.insert(table).values(**{**base, "number": last + n})
                                       .returning(table.c.id)).scalar_one())
        for other, columns in ((InvoiceLine, None), (InvoiceSignature, None)):
            source = list(session.scalars(sa.select(other).where(other.invoice_id == model)))
            rows = [{c.name: getattr(s, c.name) for c in other.__table__.columns if c.name not in ("id",)}
                    for s in source]
            session.execute(sa.insert(other), [{**r, "invoice_id": i} for i in ids for r in rows])
            del columns
    return ids

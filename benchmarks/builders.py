"""Databases of many invoices, built fast: what several benchmarks start from (``benchmarks.lots``,
``benchmarks.noemie_integration``).

One invoice is secured through the services (the rows securing leaves are the product's), then copied directly in
the database by bulk inserts (its row with a new number, its priced lines, its signature). :func:`sent_in_lots`
then does in a few statements what « Mettre en lot », « Mettre en fichier » and sending leave: the model's lot
(made by the product's ``put_in_lots``) as the pattern of one lot per 999 invoices, numbered in turn, every
invoice in one live lot, sent and acknowledged by a positive ARL. Nothing of this is timed as the product's: it
is the stage the measured use case runs on.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, cast

import sqlalchemy as sa

COPY_BATCH = 10_000
PER_LOT = 999          # the most a lot holds (FORMATS.md §1), as « Mettre en lot » fills them


def copies(db: Any, model: int, count: int, first_number: int | None = None) -> None:
    """``count`` copies of the secured invoice ``model``, numbered from ``first_number`` (default: 2)."""
    from feuille.storage.models import Invoice, InvoiceLine, InvoiceSignature

    start_number = 2 if first_number is None else first_number
    with db.transaction() as session:
        row = session.get(Invoice, model)
        table = cast(sa.Table, Invoice.__table__)
        base = {c.name: getattr(row, c.name) for c in table.columns if c.name != "id"}
        lines = [{c.name: getattr(x, c.name) for c in InvoiceLine.__table__.columns if c.name != "id"}
                 for x in session.scalars(sa.select(InvoiceLine).where(InvoiceLine.invoice_id == model))]
        signatures = [{c.name: getattr(x, c.name) for c in InvoiceSignature.__table__.columns if c.name != "id"}
                      for x in session.scalars(sa.select(InvoiceSignature)
                                               .where(InvoiceSignature.invoice_id == model))]
        for start in range(0, count, COPY_BATCH):
            numbers = range(start + start_number, min(start + COPY_BATCH, count) + start_number)
            session.execute(sa.insert(table), [{**base, "number": n} for n in numbers])
            first = session.scalar(sa.select(sa.func.max(table.c.id))) - len(numbers) + 1
            ids = range(first, first + len(numbers))
            session.execute(sa.insert(InvoiceLine), [{**x, "invoice_id": i} for i in ids for x in lines])
            session.execute(sa.insert(InvoiceSignature), [{**x, "invoice_id": i} for i in ids for x in signatures])


def secured_invoices(size: int, url: str, document: Mapping[str, Any] | None = None) -> tuple[Any, int]:
    """The database at ``url`` (schema, the tests' practice) with ``size`` secured invoices: the first secured
    through the services (``document``: changes to the tests' consultation), the others its copies. Returns the
    open database and the model invoice's id."""
    from tests.conftest import fixed_clock
    from tests.transmission.support import practice, secured

    from feuille.auth import Context, actor_for, bootstrap
    from feuille.billing import install_guards
    from feuille.storage import Database

    install_guards()
    db = Database(url)
    db.upgrade()
    bootstrap(db)
    ctx = Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)
    practice(ctx)
    model = secured(ctx, **dict(document or {}))
    copies(db, model, size - 1)
    return db, model


def setup(size: int, url: str) -> float:
    """The database at ``url`` with ``size`` secured invoices (the first secured through the services); seconds."""
    started = time.perf_counter()
    db, _ = secured_invoices(size, url)
    db.dispose()
    return time.perf_counter() - started


def sent_in_lots(db: Any, model: int, per_lot: int = PER_LOT) -> int:
    """Every secured invoice of the database in lots of ``per_lot`` and sent, as the product leaves them after
    « Envoyer » and a positive ARL (lots « ARL positif reçu », invoices ``acknowledged``), waiting for their
    NOEMIE returns. The model invoice is lotted first by the product's « Mettre
    en lot » (so a lot's recipient, organism and certification are the product's); that lot row is the pattern
    of every lot, numbered 001, 002, … Returns the number of lots."""
    from tests.conftest import fixed_clock

    from feuille.auth import Context, actor_for
    from feuille.domain.invoices import InvoiceState
    from feuille.domain.lots import LotState
    from feuille.storage.models import Invoice, Lot, LotCounter, LotInvoice
    from feuille.transmission import lotting

    ctx = Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)
    with db.transaction() as session:   # only the model is sendable while the copies are put aside
        session.execute(sa.update(Invoice).where(Invoice.id != model).values(state=InvoiceState.PRICED.value))
    lotting.put_in_lots(ctx)
    lots, members, invoices = (cast(sa.Table, m.__table__) for m in (Lot, LotInvoice, Invoice))
    with db.transaction() as session:
        pattern = session.execute(sa.select(lots)).one()._mapping
        amounts = session.execute(sa.select(invoices.c.total, invoices.c.amo, invoices.c.amc)
                                  .where(invoices.c.id == model)).one()
        ids = [model, *session.scalars(sa.select(invoices.c.id).where(invoices.c.id != model)
                                       .order_by(invoices.c.id))]
        count = 0
        for start in range(0, len(ids), per_lot):
            batch = ids[start:start + per_lot]
            count += 1
            values = {"invoice_count": len(batch), "total_fees": amounts.total * len(batch),
                      "total_amo": amounts.amo * len(batch), "total_amc": amounts.amc * len(batch)}
            if count == 1:   # the model's own lot, filled with the first copies
                lot_id = pattern["id"]
                session.execute(sa.update(lots).where(lots.c.id == lot_id).values(values))
            else:
                lot_id = session.execute(sa.insert(lots).values(
                    {**{k: v for k, v in pattern.items() if k != "id"}, **values,
                     "number": f"{(count - 1) % 999 + 1:03d}"}).returning(lots.c.id)).scalar_one()
            session.execute(sa.insert(members), [{"lot_id": lot_id, "invoice_id": i, "kind": "FSE",
                                                  "position": n, "live": True}
                                                 for n, i in enumerate(batch, 1) if i != model])
        session.execute(sa.update(invoices).values(state=InvoiceState.ACKNOWLEDGED.value))
        session.execute(sa.update(lots).values(state=LotState.ARL_POSITIF.value, received_on=pattern["lot_date"],
                                               arl_label="ARL positif"))
        session.execute(sa.update(LotCounter).values(last_number=f"{(count - 1) % 999 + 1:03d}"))
    return count

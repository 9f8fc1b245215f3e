"""The FSE as transmitted (issue 12): secured invoices as B2 models with their signatures, in lots of 999.

A few hundred invoices are secured at the demo desk (synchronised: CPS and Vitale card, through SoftHSM), then
their rows and signature rows are copied in SQL (new ids and numbers) up to a year of a busy practice; the figure
is the time of ``fse.b2_invoices`` (two statements per thousand, the records parsed back from the signed M) and of
``b2_file.write_b2`` for every lot of 999 (the most a lot trailer counts).

    .venv/bin/python -m benchmarks.fse                  # 500,000 invoices, SQLite and PostgreSQL
    .venv/bin/python -m benchmarks.fse -n 20000 --kinds sqlite

Figures go to ``benchmarks/results/fse.json``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.securing import cards_main, desk
from benchmarks.support import invoice_document
from feuille.billing import drafts, fse, rate_check, securing
from feuille.formats import b2_file as m
from feuille.storage.models import Invoice, InvoiceSignature

SECURED = 200      # invoices secured through the desk, then copied
LOT = 999        # the most a lot trailer 6 counts (3 digits)


def _copy(db: Any, ids: list[int], count: int) -> list[int]:
    """Copies of the secured invoices (and their signature rows) until ``count`` invoices: ids and numbers
    shifted by a multiple of the highest id, everything else as signed."""
    invoices, signatures = Invoice.__table__, InvoiceSignature.__table__
    top = max(ids)
    columns = [c for c in invoices.columns if c.name not in ("id", "number")]
    sig_columns = [c for c in signatures.columns if c.name not in ("id", "invoice_id")]
    out = list(ids)
    with db.engine.begin() as conn:
        for k in range(1, -(-count // len(ids))):
            shift = k * top
            conn.execute(sa.insert(invoices).from_select(
                ["id", "number", *(c.name for c in columns)],
                sa.select(invoices.c.id + shift, invoices.c.number + shift, *columns)
                .where(invoices.c.id.in_(ids))))
            conn.execute(sa.insert(signatures).from_select(
                ["invoice_id", *(c.name for c in sig_columns)],
                sa.select(signatures.c.invoice_id + shift, *sig_columns).where(signatures.c.invoice_id.in_(ids))))
            out.extend(i + shift for i in ids)
    return out[:count]


def run(url: str, cards: Path, count: int) -> dict[str, Any]:
    db, ctx, reader = desk(url, cards)
    day = ctx.clock().date().isoformat()
    try:
        ids = []
        for _ in range(min(SECURED, count)):
            draft = drafts.create_draft(ctx, invoice_document(day))
            rate_check.check_rates(ctx, draft.id)
            ids.append(securing.secure(ctx, draft.id, "synchronise", reader).id)
        every = _copy(db, ids, count)
        reading = writing = 0.0
        size = 0
        for start in range(0, len(every), LOT):
            chunk = every[start:start + LOT]
            began = time.perf_counter()
            with db.read() as session:
                invoices = fse.b2_invoices(session, chunk)
            read_at = time.perf_counter()
            lot = m.Lot(m.LotHeader("001033901", "349", "001", ctx.clock().date(), certification="S"),
                        tuple(invoices[i] for i in chunk))
            header = m.FileHeader("TP", "00000001033901", "CT", "00000001001349", "000001", ctx.clock().date())
            size += len(m.write_b2(m.B2File(header, (lot,))))
            reading += read_at - began
            writing += time.perf_counter() - read_at
    finally:
        db.dispose()
    total = reading + writing
    return {"invoices": len(every), "lots": -(-len(every) // LOT), "seconds": round(total, 2),
            "seconds_reading": round(reading, 2), "seconds_writing": round(writing, 2),
            "invoices_per_second": round(len(every) / total, 1), "megabytes_written": round(size / 1e6, 1)}


def main() -> None:
    cards_main("fse", __doc__, 500_000, "{n:,} factures en lots de " + f"{LOT:,}", run)


if __name__ == "__main__":
    main()

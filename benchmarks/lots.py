"""Lots benchmark (issue 12): a health centre's year, secured invoices put into lots and B2 files.

For each size (50,000 / 200,000 / 500,000 by default), in a fresh child process and a fresh SQLite database: one
invoice is secured through the services (a GP consultation, synchronised mode), then copied ``size - 1`` times
directly in the database (its row with a new number, its priced lines, its signature: the rows securing leaves),
then « Mettre en lot » and « Mettre en fichier » run as a desk runs them (``feuille.transmission``: the product
path, bulk statements, one audit entry and seal per invoice). Figures: invoices per second for each step, the
peak resident memory of the child (flat as the volume grows when the work streams), and the share of the file
step spent in the layout engine (``b2_file.write_b2``), the rest being reading the invoices and storing.

    .venv/bin/python -m benchmarks.lots                       # 50k, 200k, 500k (long)
    .venv/bin/python -m benchmarks.lots --sizes 5000 20000    # a quick run

Figures go to ``benchmarks/results/lots.json`` (``make bench-lots``).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.support import sqlite_url, write_results

ROOT = Path(__file__).resolve().parent.parent
SIZES = (50_000, 200_000, 500_000)
COPY_BATCH = 10_000


def _copies(db: Any, model: int, count: int) -> None:
    from feuille.storage.models import Invoice, InvoiceLine, InvoiceSignature

    with db.transaction() as session:
        row = session.get(Invoice, model)
        table = Invoice.__table__
        base = {c.name: getattr(row, c.name) for c in table.columns if c.name != "id"}
        lines = [{c.name: getattr(x, c.name) for c in InvoiceLine.__table__.columns if c.name != "id"}
                 for x in session.scalars(sa.select(InvoiceLine).where(InvoiceLine.invoice_id == model))]
        signatures = [{c.name: getattr(x, c.name) for c in InvoiceSignature.__table__.columns if c.name != "id"}
                      for x in session.scalars(sa.select(InvoiceSignature)
                                               .where(InvoiceSignature.invoice_id == model))]
        for start in range(0, count, COPY_BATCH):
            numbers = range(start + 2, min(start + COPY_BATCH, count) + 2)
            session.execute(sa.insert(table), [{**base, "number": n} for n in numbers])
            first = session.scalar(sa.select(sa.func.max(table.c.id))) - len(numbers) + 1
            ids = range(first, first + len(numbers))
            session.execute(sa.insert(InvoiceLine), [{**x, "invoice_id": i} for i in ids for x in lines])
            session.execute(sa.insert(InvoiceSignature), [{**x, "invoice_id": i} for i in ids for x in signatures])


def one(size: int) -> dict[str, Any]:
    """One size, in this process (the child's side)."""
    from tests.conftest import fixed_clock
    from tests.transmission.support import practice, secured

    from feuille.auth import Context, actor_for, bootstrap
    from feuille.billing import install_guards
    from feuille.formats import b2_file
    from feuille.storage import Database
    from feuille.transmission import files, lotting

    install_guards()
    with sqlite_url() as url:
        db = Database(url)
        db.upgrade()
        bootstrap(db)
        ctx = Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)
        practice(ctx)
        model = secured(ctx)
        started = time.perf_counter()
        _copies(db, model, size - 1)
        setup = time.perf_counter() - started
        started = time.perf_counter()
        lotted = lotting.put_in_lots(ctx)
        lot_seconds = time.perf_counter() - started
        engine = [0.0]
        real_write = b2_file.write_b2

        def timed_write(*args: Any, **kwargs: Any) -> str:
            began = time.perf_counter()
            try:
                return real_write(*args, **kwargs)
            finally:
                engine[0] += time.perf_counter() - began

        files.m.write_b2 = timed_write  # type: ignore[attr-defined]
        started = time.perf_counter()
        written = files.write_files(ctx)
        file_seconds = time.perf_counter() - started
        files.m.write_b2 = real_write  # type: ignore[attr-defined]
        assert lotted.invoices == size and all(r.error is None for r in written)
        db.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"invoices": size, "lots": len(lotted.lots), "setup_seconds": round(setup, 1),
            "lot_seconds": round(lot_seconds, 1), "lot_invoices_per_second": round(size / lot_seconds),
            "file_seconds": round(file_seconds, 1), "file_invoices_per_second": round(size / file_seconds),
            "layout_engine_share_of_files": round(engine[0] / file_seconds, 3),
            "invoices_per_second": round(size / (lot_seconds + file_seconds)), "peak_rss_mb": round(peak)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one(args.child)))
        return
    runs = []
    for size in args.sizes:
        done = subprocess.run([sys.executable, "-m", "benchmarks.lots", "--child", str(size)], cwd=ROOT,
                              capture_output=True, text=True, check=True)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(runs[-1]))
    path = write_results("lots", {"database": "sqlite", "runs": runs})
    print(f"Résultats écrits dans {path}")


if __name__ == "__main__":
    main()

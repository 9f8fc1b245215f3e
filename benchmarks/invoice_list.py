"""Invoice list benchmark (issues 10 and 16): ``feuille invoice list --json`` among 10,000 invoices.

The database holds 10,000 invoices (one made through ``create_draft``, the rest copies of it with their own
dates, a payment on one in three). Measured: the SQL statements of one list call (counted with a SQLAlchemy
event listener, in process) for pages of 200 (the default) and 1,000 (the most a page holds), against the way
the list was read before (one view per invoice, two more queries each); and the command's wall time as a user
runs it (a new process each time: start-up included), best of three.

    .venv/bin/python -m benchmarks.invoice_list            # 10,000 invoices
    .venv/bin/python -m benchmarks.invoice_list -n 2000    # a quick run

Figures go to ``benchmarks/results/invoice_list.json``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from tests.billing.support import consultation, practice
from tests.conftest import fixed_clock

from benchmarks.support import database_url, write_results
from feuille.auth import Context, actor_for, bootstrap
from feuille.billing import drafts, queries, views
from feuille.storage import Database
from feuille.storage.models import Invoice, InvoicePayment

ROOT = Path(__file__).resolve().parents[1]
FEUILLE = Path(sys.executable).with_name("feuille")


def fill(ctx: Context, count: int) -> None:
    practice(ctx)
    model = drafts.create_draft(ctx, consultation())
    columns = [c.key for c in Invoice.__table__.columns if c.key != "id"]
    with ctx.db.transaction() as session:
        row = session.get(Invoice, model.id)
        assert row is not None
        base = {name: getattr(row, name) for name in columns}
        first = date(2024, 1, 1)
        batch = [{**base, "invoice_date": first + timedelta(days=n % 380)} for n in range(count - 1)]
        for start in range(0, len(batch), 2000):
            session.execute(sa.insert(Invoice), batch[start:start + 2000])
        ids = list(session.scalars(sa.select(Invoice.id)))
        session.execute(sa.insert(InvoicePayment), [
            {"invoice_id": i, "means": "CB", "amount": Decimal("5.00"), "at": fixed_clock(), "recorded_by": "admin"}
            for i in ids[::3]])


def counted(db: Database, call: Callable[[], object]) -> int:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def the_old_way(ctx: Context, limit: int) -> None:
    """How the list was read before: the page, then a view (payments, attachments) per invoice."""
    with ctx.db.read() as session:
        rows = session.scalars(sa.select(Invoice).order_by(Invoice.id.desc()).limit(limit))
        [views.view(session, row) for row in rows]


def wall(*args: str) -> tuple[float, str]:
    """Best of three runs of the command, as a user types it (a new process: start-up included)."""
    best, out = float("inf"), ""
    for _ in range(3):
        start = time.perf_counter()
        out = subprocess.run([str(FEUILLE), *args], capture_output=True, text=True, check=True, cwd=ROOT,
                             env={**os.environ, "FEUILLE_USER": "admin"}).stdout
        best = min(best, time.perf_counter() - start)
    return best, out


def best_of_three(call: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def run(url: str, count: int) -> dict[str, Any]:
    db = Database(url)
    db.upgrade()
    bootstrap(db)
    ctx = Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)
    fill(ctx, count)
    startup, _ = wall("version")
    figures: dict[str, Any] = {"invoices_in_database": count, "feuille_version_wall_seconds": round(startup, 3)}
    for limit in (200, 1000):
        seconds, out = wall("--base", url, "invoice", "list", "--json", "--limite", str(limit))
        new = functools.partial(queries.list_invoices, ctx, limit=limit)
        old = functools.partial(the_old_way, ctx, limit)
        figures[f"page_{limit}"] = {
            "listed": len(json.loads(out)),
            "queries": counted(db, new), "queries_before": counted(db, old),
            "in_process_seconds": round(best_of_three(new), 3),
            "in_process_seconds_before": round(best_of_three(old), 3),
            "command_wall_seconds": round(seconds, 3)}
    db.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--kinds", default="sqlite,postgresql")
    args = parser.parse_args()
    figures: dict[str, Any] = {"load_average_at_start": os.getloadavg()[0]}
    for kind in args.kinds.split(","):
        print(f"[{kind}] liste des factures parmi {args.n:,}")
        with database_url(kind) as url:
            figures[kind] = run(url, args.n)
        print(f"  {figures[kind]}")
    print(f"Résultats écrits dans {write_results('invoice_list', figures)}")


if __name__ == "__main__":
    main()

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
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.support import (
    database_url,
    demo_database,
    feuille_command,
    invoice_document,
    median,
    timed,
    write_results,
)
from feuille.auth import Context, actor_for, bootstrap
from feuille.billing import drafts
from feuille.storage import Database
from feuille.storage.models import Invoice, InvoicePayment

ROOT = Path(__file__).resolve().parents[1]
FEUILLE = Path(sys.executable).with_name("feuille")
DEFAULT_SIZE = 10_000
#: The command run in process with every SQL statement counted (any engine the command makes), printed at exit.
COUNTING = ("import atexit, sys\n"
            "import sqlalchemy as sa\n"
            "counted = [0]\n"
            "sa.event.listen(sa.Engine, 'before_cursor_execute', lambda *a: counted.__setitem__(0, counted[0] + 1))\n"
            "atexit.register(lambda: sys.stderr.write(f'\\nSQL-STATEMENTS {counted[0]}\\n'))\n"
            "from feuille.cli import main\n"
            "sys.argv[0] = 'feuille'\n"
            "main()\n")


def fill(ctx: Context, document: dict[str, Any], count: int) -> None:
    """``count`` invoices: one made through ``create_draft``, the others copies of its row and of the rows that
    belong to it (its priced lines, where the tree stores them), with their own dates; a payment on one in three."""
    model = drafts.create_draft(ctx, document)
    invoices = Invoice.__table__
    children = [table for table in invoices.metadata.sorted_tables
                if table is not invoices and any(fk.column.table is invoices for fk in table.foreign_keys)]
    with ctx.db.transaction() as session:
        base = dict(session.execute(sa.select(invoices).where(invoices.c.id == model.id)).mappings().one())
        del base["id"]
        first = date(2024, 1, 1)
        batch = [{**base, "invoice_date": first + timedelta(days=n % 380)} for n in range(count - 1)]
        for start in range(0, len(batch), 2000):
            session.execute(sa.insert(Invoice), batch[start:start + 2000])
        copies = list(session.scalars(sa.select(Invoice.id).where(Invoice.id != model.id)))
        for table in children:
            link = next(c for c in table.columns if any(fk.column.table is invoices for fk in c.foreign_keys))
            rows = [dict(r) for r in session.execute(sa.select(table).where(link == model.id)).mappings()]
            for row in rows:
                row.pop("id", None)
            copied = [{**row, link.key: invoice} for invoice in copies for row in rows]
            for start in range(0, len(copied), 2000):
                session.execute(sa.insert(table), copied[start:start + 2000])
        session.execute(sa.insert(InvoicePayment), [
            {"invoice_id": i, "means": "CB", "amount": Decimal("5.00"), "at": datetime(2025, 1, 2, 9),
             "recorded_by": "admin"} for i in [model.id, *copies][::3]])


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
    from feuille.billing import views

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
    # This tree's helpers (the probe below runs under the reference commit too, which has neither)
    from tests.billing.support import consultation, practice
    from tests.conftest import fixed_clock

    from feuille.billing import queries

    db = Database(url)
    db.upgrade()
    bootstrap(db)
    ctx = Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)
    practice(ctx)
    fill(ctx, consultation(), count)
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


def list_words() -> list[str]:
    """The words of the command in this tree: French since the naming rule, English before."""
    done = subprocess.run([str(feuille_command()), "facture", "--help"], capture_output=True, text=True, check=False)
    return ["facture", "liste"] if done.returncode == 0 else ["invoice", "list"]


def probe(size: int, kind: str, workdir: Path) -> dict[str, Any]:
    """The default page (200, the most recent) of the list among ``size`` invoices, through the installed
    command: wall time (best of three, start-up included) and SQL statements of the whole command."""
    with database_url(kind) as url:
        demo_database(url)
        db = Database(url)
        fill(Context(db=db, actor=actor_for(db, "vmedecin")), invoice_document("2025-01-02"), size)
        db.dispose()
        env = {**os.environ, "FEUILLE_USER": "admin"}
        args = ["--base", url, *list_words(), "--json"]
        walls = [timed([str(feuille_command()), *args], env)[0] for _ in range(3)]
        _, _, done = timed([sys.executable, "-c", COUNTING, *args], env)
    statements = [line for line in done.stderr.splitlines() if line.startswith("SQL-STATEMENTS ")]
    figures = {"list_wall_s": round(min(walls), 4), "list_wall_median_s": median(walls),
               "sql_statements": int(statements[-1].split()[1]), "listed": len(json.loads(done.stdout))}
    return {"figures": figures, "notes": {"invoices_in_database": size, "database": kind,
                                          "command": " ".join(args[2:])}}


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

"""Concurrency benchmark (issue 16): invoices per second with 1, 2 and 4 writer processes, SQLite and PostgreSQL.

Each writer is a desk in its own process doing what the concurrency test does (create, check rates, secure in
synchronised mode with the tests' in-memory card reader, pay), the same number of invoices per desk; throughput
is all the invoices over the wall time from the common start to the last desk's end. The ratio to one writer
shows whether writers wait for each other (≈ 1: the database serialises them, nobody fails) or collapse (≪ 1).

    .venv/bin/python -m benchmarks.concurrency            # 100 invoices per desk
    .venv/bin/python -m benchmarks.concurrency -n 20      # a quick run

Figures go to ``benchmarks/results/concurrency.json``.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from tests.billing.support import practice
from tests.conftest import fixed_clock
from tests.support.writers import run_desks, totals

from benchmarks.support import database_url, write_results
from feuille.auth import Context, actor_for, bootstrap
from feuille.storage import Database

WRITERS = (1, 2, 4)


def run(kind: str, writers: int, per_desk: int) -> dict[str, Any]:
    with database_url(kind) as url:
        db = Database(url)
        db.upgrade()
        bootstrap(db)
        practice(Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock))
        db.dispose()
        day = run_desks(url, writers, per_desk, 0)
        found = totals(url)
    invoices = writers * per_desk
    if found["secured"] != invoices or found["numbers"] != list(range(1, invoices + 1)):
        raise SystemExit(f"{kind}, {writers} writers: {found['secured']} invoices secured of {invoices}")
    return {"writers": writers, "invoices": invoices, "seconds": round(day.seconds, 2),
            "invoices_per_second": round(invoices / day.seconds, 1),
            "use_case_retries": sum(d["retries"] for d in day.desks)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=100, help="invoices per desk")
    parser.add_argument("--kinds", default="sqlite,postgresql")
    args = parser.parse_args()
    figures: dict[str, Any] = {"invoices_per_desk": args.n, "load_average_at_start": os.getloadavg()[0]}
    for kind in args.kinds.split(","):
        rows = []
        for writers in WRITERS:
            print(f"[{kind}] {writers} poste(s) × {args.n} factures")
            rows.append(run(kind, writers, args.n))
            print(f"  {rows[-1]}")
        alone = rows[0]["invoices_per_second"]
        for row in rows:
            row["ratio_to_one_writer"] = round(row["invoices_per_second"] / alone, 2)
        figures[kind] = rows
    print(f"Résultats écrits dans {write_results('concurrency', figures)}")


if __name__ == "__main__":
    main()

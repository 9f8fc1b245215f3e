"""Lots benchmark (issue 12): a health centre's year, secured invoices put into lots and B2 files.

For each size (50,000 / 200,000 / 500,000 by default), in fresh child processes and a fresh database (SQLite, or
PostgreSQL with ``--base``): one invoice is secured through the services (a GP consultation, synchronised mode),
then copied ``size - 1`` times directly in the database (its row with a new number, its priced lines, its
signature: the rows securing leaves), then « Mettre en lot » and « Mettre en fichier » run as a desk runs them
(``feuille.transmission``: the product path, bulk statements, one audit entry and seal per invoice). Figures:
invoices per second for each step, the peak resident memory of the child that lots and files (the database is made
by another child), and the time of the layout engine (``b2_file.write_b2``) against the same bytes written by plain
f-strings (``benchmarks.b2_plain``).

    .venv/bin/python -m benchmarks.lots                       # 50k, 200k, 500k (long)
    .venv/bin/python -m benchmarks.lots --sizes 5000 20000    # a quick run
    .venv/bin/python -m benchmarks.lots --base postgresql --sizes 50000   # on PostgreSQL (lots_postgresql.json)

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

from benchmarks.builders import setup
from benchmarks.support import database_url, write_results

ROOT = Path(__file__).resolve().parent.parent
SIZES = (50_000, 200_000, 500_000)


def measured(url: str) -> dict[str, Any]:
    """« Mettre en lot » then « Mettre en fichier » on the database at ``url`` (this process: its peak memory is
    the product's); each file is also written by the plain f-string writer, timed, and compared byte for byte."""
    from tests.conftest import fixed_clock

    from benchmarks import b2_plain
    from feuille.auth import Context, actor_for
    from feuille.billing import install_guards
    from feuille.formats import b2_file
    from feuille.storage import Database
    from feuille.transmission import files, lotting

    install_guards()
    db = Database(url)
    ctx = Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)
    started = time.perf_counter()
    lotted = lotting.put_in_lots(ctx)
    lot_seconds = time.perf_counter() - started
    engine, plain = [0.0], [0.0]
    real_write = b2_file.write_b2

    def timed_write(file: b2_file.B2File, separator: str = "") -> str:
        began = time.perf_counter()
        text = real_write(file, separator=separator)
        engine[0] += time.perf_counter() - began
        began = time.perf_counter()
        same = b2_plain.write_b2(file)
        plain[0] += time.perf_counter() - began
        assert same == text, "the plain writer must give the engine's bytes"
        return text

    files.m.write_b2 = timed_write  # type: ignore[attr-defined]
    started = time.perf_counter()
    written = files.write_files(ctx)
    file_seconds = time.perf_counter() - started - plain[0]
    files.m.write_b2 = real_write  # type: ignore[attr-defined]
    assert all(r.error is None for r in written)
    db.dispose()
    size = lotted.invoices
    return {"invoices": size, "lots": len(lotted.lots),
            "lot_seconds": round(lot_seconds, 1), "lot_invoices_per_second": round(size / lot_seconds),
            "file_seconds": round(file_seconds, 1), "file_invoices_per_second": round(size / file_seconds),
            "invoices_per_second": round(size / (lot_seconds + file_seconds)),
            "layout_engine_seconds": round(engine[0], 2), "plain_fstring_seconds": round(plain[0], 2),
            "engine_to_plain_ratio": round(engine[0] / plain[0], 2),
            "product_to_plain_ratio": round((lot_seconds + file_seconds) / plain[0], 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def _child(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "benchmarks.lots", *args], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--base", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--setup", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        print(json.dumps(setup(int(args.setup[0]), args.setup[1])))
        return
    if args.run:
        print(json.dumps(measured(args.run)))
        return
    runs = []
    for size in args.sizes:
        with database_url(args.base) as url:
            seconds = json.loads(_child("--setup", str(size), url))
            runs.append({**json.loads(_child("--run", url)), "setup_seconds": round(seconds, 1)})
        print(json.dumps(runs[-1]))
    name = "lots" if args.base == "sqlite" else f"lots_{args.base}"
    path = write_results(name, {"database": args.base, "runs": runs})
    print(f"Résultats écrits dans {path}")


if __name__ == "__main__":
    main()

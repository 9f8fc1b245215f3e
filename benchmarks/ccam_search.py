"""CCAM search benchmark: the full v81 listing (8,257 codes) on SQLite and PostgreSQL; target p99 < 2 ms.

Imports ``../shared/data/ccam/listing/ccam_v81_2026-01-01.csv`` into a fresh SQLite file and into a throwaway
PostgreSQL schema (``FEUILLE_TEST_PG_URL`` or ``postgresql+psycopg://postgres@127.0.0.1:5432/test``), then
times searches through the service functions, as the CLI and the API call them. These answer from the
in-memory index of the active version (re-validated against the database every second); the same searches
in SQL on the prefix indexes (``sql_*``) are timed too, for the record (no target on them):

- ``code``: a code prefix of 3 to 5 characters (``AFL``, ``HBJA``, ``DEQP0``);
- ``mots``: one or two starts of label words (``inj peridur``);
- ``motcle``: the keywords starting with 3 to 5 letters (``peri``), then the acts of one keyword.

    .venv/bin/python -m benchmarks.ccam_search            # 2,000 searches of each kind per database
    .venv/bin/python -m benchmarks.ccam_search -n 300 --sql-n 100     # a quick run
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.support import postgresql_url, sqlite_url
from feuille.auth import Context, actor_for, bootstrap
from feuille.catalog import ccam
from feuille.nomenclature.ccam import keywords_of
from feuille.storage import Database

ROOT = Path(__file__).resolve().parents[1]
LISTING = ROOT.parent / "shared" / "data" / "ccam" / "listing" / "ccam_v81_2026-01-01.csv"
RESULTS = Path(__file__).parent / "results" / "ccam_search.json"
TARGET_P99_MS = 2.0


def queries(n: int, seed: int = 81) -> dict[str, list[str]]:
    """Realistic inputs drawn from the table itself (fixed seed: the same searches on both databases)."""
    from feuille.nomenclature.ccam_listing import parse_listing

    table = parse_listing(LISTING.read_bytes()).table
    assert table is not None
    rng = random.Random(seed)
    codes = [act.code for act in table.acts]
    labels = [act.label for act in table.acts]
    words = sorted({folded for label in labels for folded in keywords_of(label)})
    prefix = [rng.choice(codes)[: rng.randint(3, 5)] for _ in range(n)]
    mots = []
    for _ in range(n):
        label_words = list(keywords_of(rng.choice(labels))) or ["injection"]
        picked = rng.sample(label_words, min(len(label_words), rng.randint(1, 2)))
        mots.append(" ".join(word[: max(4, len(word) - rng.randint(0, 3))] for word in picked))
    keyword = [rng.choice(words)[: rng.randint(3, 5)] for _ in range(n)]
    keyword_acts = [rng.choice(words) for _ in range(n)]
    return {"code": prefix, "mots": mots, "motcle": keyword, "motcle_actes": keyword_acts}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_calls(call: Callable[[str], Any], inputs: list[str]) -> dict[str, float]:
    for text in inputs[:100]:  # warm-up: connection pool, statement caches, the index
        call(text)
    gc.collect()
    samples: list[float] = []
    results = 0
    for text in inputs:
        start = time.perf_counter_ns()
        found = call(text)
        samples.append((time.perf_counter_ns() - start) / 1e6)
        results += len(found)
    return {"n": len(samples), "p50_ms": round(statistics.median(samples), 3),
            "p95_ms": round(percentile(samples, 0.95), 3), "p99_ms": round(percentile(samples, 0.99), 3),
            "max_ms": round(max(samples), 3), "mean_results": round(results / len(samples), 1)}


def run_database(kind: str, url: str, inputs: dict[str, list[str]], sql_n: int) -> dict[str, Any]:
    db = Database(url)
    try:
        db.upgrade()
        bootstrap(db)
        ctx = Context(db=db, actor=actor_for(db, "admin"))
        start = time.perf_counter()
        summary = ccam.import_ccam(ctx, LISTING)
        import_s = time.perf_counter() - start
        searches: dict[str, Callable[[str], Any]] = {
            "code": lambda text: ccam.search_code_prefix(ctx, text),
            "mots": lambda text: ccam.search_words(ctx, text),
            "motcle": lambda text: ccam.search_keywords(ctx, text),
            "motcle_actes": lambda text: ccam.acts_for_keyword(ctx, text),
        }
        sql: dict[str, Callable[[str], Any]] = {
            "code": lambda text: ccam.sql_search_code_prefix(ctx, text),
            "mots": lambda text: ccam.sql_search_words(ctx, text),
            "motcle": lambda text: ccam.sql_search_keywords(ctx, text),
            "motcle_actes": lambda text: ccam.sql_acts_for_keyword(ctx, text),
        }
        timings = {name: time_calls(call, inputs[name]) for name, call in searches.items()}
        sql_timings = {name: time_calls(call, inputs[name][:sql_n]) for name, call in sql.items()}
        return {"database": kind, "server_version": ".".join(map(str, db.engine.dialect.server_version_info or ())),
                "acts": summary.acts, "import_seconds": round(import_s, 2), "searches": timings,
                "sql_searches": sql_timings}
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="searches of each kind per database")
    parser.add_argument("--sql-n", type=int, default=500, help="searches of each kind in SQL (for the record)")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args(argv)
    if not LISTING.is_file():
        print(f"the benchmark needs {LISTING} (the shared folder beside the project)", file=sys.stderr)
        return 2
    inputs = queries(args.n)
    runs = []
    with sqlite_url() as url:
        runs.append(run_database("sqlite", url, inputs, args.sql_n))
    if not args.sqlite_only:
        with postgresql_url() as url:
            runs.append(run_database("postgresql", url, inputs, args.sql_n))
    worst = max(t["p99_ms"] for run in runs for t in run["searches"].values())
    report = {"benchmark": "ccam_search", "listing": LISTING.name, "target_p99_ms": TARGET_P99_MS,
              "worst_p99_ms": worst, "ok": worst < TARGET_P99_MS, "runs": runs,
              "machine": {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
                          "platform": platform.platform(), "cpus": os.cpu_count()}}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for run in runs:
        print(f"{run['database']} {run['server_version']}: {run['acts']} acts imported in {run['import_seconds']} s")
        for label, block in (("", run["searches"]), ("sql ", run["sql_searches"])):
            for name, t in block.items():
                print(f"  {label + name:<17} n={t['n']:<5} p50 {t['p50_ms']:.3f} ms  p95 {t['p95_ms']:.3f} ms  "
                      f"p99 {t['p99_ms']:.3f} ms  max {t['max_ms']:.3f} ms  ({t['mean_results']} results)")
    print(f"worst p99 {worst:.3f} ms (target < {TARGET_P99_MS} ms): {'OK' if report['ok'] else 'MISSED'}")
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

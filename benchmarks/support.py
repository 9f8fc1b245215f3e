"""What the benchmarks share: throwaway databases of each kind, percentiles, writing results."""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

RESULTS = Path(__file__).parent / "results"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="feuille-bench-") as folder:
        yield f"sqlite:///{folder}/feuille.db"


@contextmanager
def postgresql_url() -> Iterator[str]:
    """A fresh schema on the test server, dropped afterwards."""
    server = os.environ.get("FEUILLE_TEST_PG_URL", DEFAULT_PG)
    if server.startswith(("postgresql://", "postgres://")):
        server = "postgresql+psycopg://" + server.split("://", 1)[1]
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{server}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def database_url(kind: str) -> Iterator[str]:
    manager = sqlite_url() if kind == "sqlite" else postgresql_url()
    with manager as url:
        yield url


def percentiles_ms(samples: list[float]) -> dict[str, float]:
    """p50 / p95 / p99 / max of durations given in seconds, in milliseconds."""
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49] * 1000, 3), "p95_ms": round(cuts[94] * 1000, 3),
            "p99_ms": round(cuts[98] * 1000, 3), "max_ms": round(ordered[-1] * 1000, 3), "count": len(ordered)}


def machine() -> dict[str, Any]:
    return {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count(),
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}


def previous_results(name: str) -> dict[str, Any]:
    path = RESULTS / f"{name}.json"
    return dict(json.loads(path.read_text())) if path.exists() else {}


def write_results(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=2, ensure_ascii=False) + "\n")
    return path


# What the probes of benchmarks.against share: they run in either tree's interpreter, so they use only what
# both the current tree and the reference commit have (the command line, and long-standing service functions).

def feuille_command() -> Path:
    """The installed ``feuille`` command of the interpreter running this (a tree's virtual environment)."""
    return Path(sys.executable).with_name("feuille")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str], env: dict[str, str] | None = None, stdin: str | None = None,
          ) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall time, CPU time (user + system) and outcome of one command in a new process, as a user runs it."""
    cpu, started = children_cpu(), time.perf_counter()
    done = subprocess.run(args, env=env, input=stdin, capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - started, children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return wall, cpu, done


def invoice_document(day: str) -> dict[str, Any]:
    """A consultation of the manuals' demo practice (G + MD + a CCAM act), billed by the demo's doctor."""
    return {"date": day, "patient": {"nir": "142196296516596", "rank": 1}, "professional": "00103390 1",
            "coverage": {"nature": "maladie", "exoneration": "0", "parcours": "T"}, "amc": None,
            "acts": [{"code": "G"}, {"code": "MD"}, {"code": "AFLB001", "activity": "1", "phase": "0"}],
            "payer": {"tp_amo": True}}


def demo_database(url: str) -> None:
    """The schema and the manuals' demo practice in the database at ``url``."""
    from feuille.auth import Context, actor_for, bootstrap
    from feuille.demo import load_demo
    from feuille.storage import Database

    db = Database(url)
    db.upgrade()
    bootstrap(db)
    load_demo(Context(db=db, actor=actor_for(db, "admin")))
    db.dispose()


def median(values: list[float]) -> float:
    return round(statistics.median(values), 4)


def probe_main(name: str, probe: Callable[[int, str, Path], dict[str, Any]], default_size: int, doc: str | None,
               argv: list[str] | None = None) -> None:
    """The command line of a benchmark that has a ``probe`` (``-n``, SQLite, figures printed and written)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("-n", "--invoices", type=int, default=default_size)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="feuille-bench-") as folder:
        figures = probe(args.invoices, "sqlite", Path(folder))
    figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(figures, indent=2))
    print(f"written to {write_results(name, figures)}")

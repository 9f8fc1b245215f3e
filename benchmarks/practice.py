"""Practice benchmarks (issue 2).

1. Search by name prefix among 1,000,000 patients, on SQLite and PostgreSQL, through the service the CLI uses
   (``search_patients``: session, two index range scans, a page of 20 rows as the patient list shows; ``--limit``
   changes it). Target: p99 under 5 ms.
2. CSV import of 100,000 patients through ``feuille patient import``'s service: rows per second, and the peak
   resident memory of an import of 10,000 rows against one of 100,000 rows (each in a fresh process), which must
   not grow with the file.

    .venv/bin/python -m benchmarks.practice                       # full run (a few minutes per database)
    .venv/bin/python -m benchmarks.practice --patients 100000 --import-rows 20000   # a quick run

Figures go to ``benchmarks/results/practice.json``.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.support import database_url, percentiles_ms, previous_results, write_results
from feuille.auth import Context, actor_for, bootstrap
from feuille.domain.fields import search_key
from feuille.domain.identifiers import nir_key
from feuille.practice.patients import search_patients
from feuille.storage import Database
from feuille.storage.models.patients import Patient

SYLLABLES = ["MAR", "TIN", "DU", "BOIS", "LE", "ROY", "BER", "NARD", "PE", "TIT", "RO", "BERT", "FAU", "RE", "GI",
             "RAUD", "MO", "REAU", "LAM", "BERT", "FON", "TAI", "NE", "CHE", "VAL", "LIER", "GAR", "NIER", "BLAN",
             "CHARD", "DES", "MAUX", "IS", "SNER", "CAS", "TROIS", "AN", "DRE", "VIN", "CENT", "SI", "MON", "DE",
             "LA", "COUR", "PA", "RIS", "JO", "LY", "BRU", "NET", "CLE", "MENT"]
FIRST_NAMES = ["Alain", "Nathalie", "Laurent", "Paul", "Natacha", "Denis", "Lucien", "Marie", "Jean", "Sophie",
               "Élodie", "Julien", "Camille", "Léa", "Hugo", "Chloé", "Louis", "Emma", "Gabriel", "Inès", "Arthur",
               "Jade", "Raphaël", "Louise", "Noé", "Alice", "Lucas", "Zoé", "Adam", "Anna", "Hélène", "François"]
NOW = datetime(2025, 1, 15, 10, 0)


def surname(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3))))


def patient_row(i: int, rng: random.Random) -> dict[str, Any]:
    last, first = surname(rng), rng.choice(FIRST_NAMES)
    nir13 = f"{rng.choice('12')}{rng.randint(30, 99):02d}{rng.randint(1, 12):02d}75{i:06d}"
    return {"source": "import", "last_name": last, "first_name": first, "last_name_key": search_key(last),
            "first_name_key": search_key(first), "birth_date": f"19{nir13[1:3]}{nir13[3:5]}15", "lunar": False,
            "rank": 1, "quality": "0", "insured_nir": nir13 + nir_key(nir13), "ik": Decimal(0), "ikm": Decimal(0),
            "iks": Decimal(0), "ald": False, "alsace_moselle": False, "created_by": "bench", "created_at": NOW,
            "updated_at": NOW}


def fill(db: Database, count: int, seed: int = 7) -> list[str]:
    """Insert ``count`` patients straight into the table (the service path is measured by the import part)."""
    rng = random.Random(seed)
    names: list[str] = []
    batch: list[dict[str, Any]] = []
    for i in range(count):
        row = patient_row(i, rng)
        if i % 500 == 0:
            names.append(row["last_name"])
            names.append(row["first_name"])
        batch.append(row)
        if len(batch) == 20_000:
            with db.transaction() as session:
                session.execute(Patient.__table__.insert(), batch)
            batch = []
            print(f"\r  {i + 1:>9,} patients", end="", flush=True)
    if batch:
        with db.transaction() as session:
            session.execute(Patient.__table__.insert(), batch)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    print()
    return names


def bench_search(url: str, patients: int, queries: int, limit: int) -> dict[str, Any]:
    db = Database(url)
    db.upgrade()
    bootstrap(db)
    ctx = Context(db=db, actor=actor_for(db, "admin"))
    started = time.perf_counter()
    names = fill(db, patients)
    fill_seconds = time.perf_counter() - started
    rng = random.Random(11)
    prefixes = [search_key(rng.choice(names))[: rng.randint(1, 5)] for _ in range(queries)]
    for prefix in prefixes[:50]:  # warm the cache as a user's first searches would
        search_patients(ctx, prefix)
    samples: list[float] = []
    hits = 0
    for n, prefix in enumerate(prefixes):
        t0 = time.perf_counter()
        found = search_patients(ctx, prefix, order="desc" if n % 2 else "asc", limit=limit)
        samples.append(time.perf_counter() - t0)
        hits += len(found)
    db.dispose()
    return {"patients": patients, "limit": limit, "fill_seconds": round(fill_seconds, 1), "queries": queries,
            "mean_rows": round(hits / queries, 1), **percentiles_ms(samples)}


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(5)
    with path.open("w", encoding="utf-8") as out:
        out.write("NOM;PRENOM;DATE_NAISSANCE;RANG;NIR;TELEPHONE;ADRESSE;CP;VILLE\n")
        for i in range(rows):
            row = patient_row(i, rng)
            born = row["birth_date"]
            out.write(f"{row['last_name']};{row['first_name']};{born[6:]}/{born[4:6]}/{born[:4]};1;"
                      f"{row['insured_nir']};06{i:08d};{i % 200} rue de la Paix;75011;PARIS\n")


def import_in_subprocess(url: str, csv_path: Path) -> dict[str, Any]:
    """Run one import in a fresh process so its peak RSS is its own."""
    code = ("import json,sys,time,resource; from benchmarks.practice import _import_child; "
            "print(json.dumps(_import_child(sys.argv[1], sys.argv[2])))")
    done = subprocess.run([sys.executable, "-c", code, url, str(csv_path)], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parents[1])
    import json

    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _import_child(url: str, csv_path: str) -> dict[str, Any]:
    from feuille.practice.patient_import import import_patients_csv

    db = Database(url)
    db.upgrade()
    bootstrap(db)
    ctx = Context(db=db, actor=actor_for(db, "admin"))
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        report = import_patients_csv(ctx, Path(csv_path), report_path=Path(folder) / "refus.csv")
    seconds = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rows": report.imported + report.refused, "imported": report.imported, "refused": report.refused,
            "seconds": round(seconds, 2), "rows_per_second": round(report.imported / seconds),
            "peak_rss_mib": round(peak_kib / 1024, 1)}


def bench_import(kind: str, rows: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="feuille-csv-") as folder:
        for size in (rows // 10, rows):
            csv_path = Path(folder) / f"patients_{size}.csv"
            write_csv(csv_path, size)
            with database_url(kind) as url:
                results[str(size)] = import_in_subprocess(url, csv_path)
    small, large = results[str(rows // 10)], results[str(rows)]
    results["peak_rss_ratio_large_over_small"] = round(large["peak_rss_mib"] / small["peak_rss_mib"], 2)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=20, help="rows per search (a screenful of the patient list)")
    parser.add_argument("--kinds", default="sqlite,postgresql")
    parser.add_argument("--parts", default="search,import", help="search, import or both")
    args = parser.parse_args()
    figures = previous_results("practice")  # a partial run keeps the other part's last figures
    figures.setdefault("search", {})
    figures.setdefault("import", {})
    figures["targets"] = {"search_p99_ms": 5.0}
    for kind in args.kinds.split(","):
        if "search" in args.parts:
            print(f"[{kind}] recherche parmi {args.patients:,} patients")
            with database_url(kind) as url:
                figures["search"][kind] = bench_search(url, args.patients, args.queries, args.limit)
            print(f"  {figures['search'][kind]}")
        if "import" in args.parts:
            print(f"[{kind}] import CSV de {args.import_rows:,} patients")
            figures["import"][kind] = bench_import(kind, args.import_rows)
            print(f"  {figures['import'][kind]}")
    figures.pop("machine", None)
    path = write_results("practice", figures)
    print(f"Résultats écrits dans {path}")


if __name__ == "__main__":
    main()

"""Pricing benchmark: 10,000 invoices through ``feuille price --lignes``, as users call it.

One subprocess of the installed ``feuille`` reads a JSON Lines file (one three-line invoice a line) and writes
one result a line; the figure is invoices per second over the whole run, start-up included, and the start-up
alone (the same command on one invoice) is given beside it. Every output line is checked: a result, no error.

    .venv/bin/python -m benchmarks.pricing            # 10,000 invoices
    .venv/bin/python -m benchmarks.pricing -n 1000    # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "pricing.json"
FEUILLE = Path(sys.executable).parent / "feuille"  # the installed command, beside this interpreter

VARIANTS: list[dict[str, Any]] = [
    {"date": "2025-01-01", "professional": {"profession": "medecin", "specialty": "01", "sector": 1},
     "coverage": {"nature": "maladie", "exoneration": "0", "ald_related": False, "regime_local": False,
                  "parcours": "T", "rate": None},
     "amc": {"formula": "052", "percent": None, "amount": None},
     "acts": [{"code": "G", "coefficient": 1, "quantity": 1}, {"code": "MD"},
              {"code": "AFLB001", "unit_price": "50.56", "activity": "1", "phase": "0", "association": "2"}],
     "tiers_payant": {"amo": True, "amc": True}},
    {"date": "2025-03-05", "professional": {"profession": "infirmier", "sector": 1},
     "coverage": {"nature": "maladie", "exoneration": "5"}, "amc": None,
     "acts": [{"code": "AMI", "coefficient": 4, "quantity": 9}, {"code": "AIS", "coefficient": 3, "quantity": 4},
              {"code": "IFD", "quantity": 4}],
     "tiers_payant": {"amo": True}},
    {"date": "2024-05-28", "professional": {"profession": "opticien", "sector": 1},
     "coverage": {"nature": "maladie", "exoneration": "0"}, "amc": {"amount": "100.00"},
     "acts": [{"code": "VU3", "unit_price": "103.00", "base": "0.05"},
              {"code": "VU3", "unit_price": "103.00", "base": "0.05"},
              {"code": "M03", "unit_price": "209.00", "base": "0.05"}]},
    {"date": "2025-01-15", "professional": {"profession": "medecin", "specialty": "02", "sector": 2},
     "coverage": {"nature": "maladie", "exoneration": "0", "regime_local": True, "parcours": "S"},
     "amc": {"formula": "02A", "percent": "150"},
     "acts": [{"code": "APC", "total": "80.00", "qualifier": "A"}, {"code": "C", "exoneration": "4"},
              {"code": "IK", "quantity": 12}],
     "overrides": [{"line": 1, "amc": "3.00"}]},
]


def make_texts(n: int) -> list[str]:
    """n JSON texts: the four invoices above on every day of a year, with varying quantities and prices.

    Acts and coverages recur as they do in a practice; dates, quantities and typed prices vary, so that
    the benchmark does not price the same four documents over and over.
    """
    texts = []
    for i in range(n):
        document = dict(VARIANTS[i % len(VARIANTS)])
        day = date(2025, 1, 1) + timedelta(days=(i // len(VARIANTS)) % 365)
        document["date"] = day.isoformat()
        acts = []
        for act in document["acts"]:
            act = dict(act)
            if act["code"] in ("IK", "IFD"):
                act["quantity"] = 1 + i % 20
            if "unit_price" in act:
                act["unit_price"] = f"{Decimal(act['unit_price']) + i % 50:.2f}"
            acts.append(act)
        document["acts"] = acts
        texts.append(json.dumps(document))
    return texts


def run_lines(texts: list[str]) -> tuple[float, list[str]]:
    """Seconds taken by one ``feuille price --lignes`` over ``texts``, and its output lines."""
    with tempfile.TemporaryDirectory(prefix="feuille-bench-") as folder:
        source = Path(folder) / "factures.jsonl"
        source.write_text("\n".join(texts) + "\n", encoding="utf-8")
        # A database of its own: the invoices give their CCAM prices, so none should be opened.
        env = {**os.environ, "FEUILLE_DATABASE_URL": f"sqlite:///{folder}/feuille.db"}
        start = time.perf_counter()
        done = subprocess.run([str(FEUILLE), "price", "--lignes", str(source)], capture_output=True, text=True,
                              env=env, check=False)
        seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"feuille price --lignes failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, done.stdout.splitlines()


def measure(n: int) -> dict[str, Any]:
    texts = make_texts(n)
    startup, _ = run_lines(texts[:1])
    seconds, out = run_lines(texts)
    answers = [json.loads(line) for line in out]
    assert len(answers) == n and all("totals" in a and "error" not in a for a in answers), "bad output"
    return {
        "invoices": n,
        "lines_per_invoice": 3,
        "command": "feuille price --lignes FILE (one subprocess)",
        "python": platform.python_version(),
        "seconds": round(seconds, 3),
        "invoices_per_second": round(n / seconds),
        "startup_seconds_one_invoice": round(startup, 3),
        "invoices_per_second_without_startup": round(n / (seconds - startup)) if seconds > startup else None,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", "--invoices", type=int, default=10_000, help="number of invoices (10000)")
    parser.add_argument("--no-write", action="store_true", help="do not write benchmarks/results/pricing.json")
    args = parser.parse_args(argv)
    figures = measure(args.invoices)
    text = json.dumps(figures, indent=2)
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

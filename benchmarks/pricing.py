"""Pricing benchmark: 100,000 three-line invoices from the JSON contract, in one process.

Reports invoices per second and the ratio of pricing time (``price_document``: reading the document,
pricing, building the output document) to the time spent only parsing the same JSON text. Target: ratio ≤ 3.
``price_document`` answers from the compiled fast path when it knows the document and from the reference
otherwise (the first sighting of an act, a date, a coverage...): both are inside the timed figure. The
reference alone (``read_invoice`` → ``price`` → ``result_to_json``, with and without its trace) is timed
on the same invoices for comparison.

    .venv/bin/python -m benchmarks.pricing            # 100,000 invoices
    .venv/bin/python -m benchmarks.pricing -n 5000    # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from feuille import pricing as contract
from feuille.pricing import fast, price, price_document, read_invoice, result_to_json

RESULTS = Path(__file__).parent / "results" / "pricing.json"

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


def _count_reference_calls() -> list[int]:
    """Count the documents ``price_document`` hands to the reference (it then calls ``read_invoice``)."""
    calls = [0]

    def counted(document: object, rates: Any = None) -> Any:
        calls[0] += 1
        return read_invoice(document, rates)

    contract.read_invoice = counted  # the name price_document looks up; this module keeps the original
    return calls


def measure(n: int) -> dict[str, Any]:
    """Stream the invoices as a pricing service would: parse one, price it, drop it.

    Parsing and pricing are timed separately on each invoice. Streaming (rather than keeping 100,000
    parsed documents alive) keeps the garbage collector from walking a heap that only the benchmark holds.
    """
    texts = make_texts(n)
    clock = time.perf_counter
    parse_plain = parse_decimal = pricing = reference = engine_only = 0.0
    handed_back = _count_reference_calls()
    for text in texts:
        start = clock()
        json.loads(text)
        parsed = clock()
        document = json.loads(text, parse_float=Decimal)
        decimal_parsed = clock()
        price_document(document)
        priced = clock()
        result_to_json(price(read_invoice(document)))
        referenced = clock()
        price(read_invoice(document), explain=False)
        done = clock()
        parse_plain += parsed - start
        parse_decimal += decimal_parsed - parsed
        pricing += priced - decimal_parsed
        reference += referenced - priced
        engine_only += done - referenced
    return {
        "invoices": n,
        "lines_per_invoice": 3,
        "python": platform.python_version(),
        "parse_seconds": round(parse_plain, 3),
        "parse_decimal_seconds": round(parse_decimal, 3),
        "fast_path_compiled": fast.COMPILED,
        "answered_by_fast_path": n - handed_back[0],
        "pricing_seconds": round(pricing, 3),
        "reference_seconds": round(reference, 3),
        "reference_without_trace_seconds": round(engine_only, 3),
        "invoices_per_second": round(n / pricing),
        "invoices_per_second_end_to_end": round(n / (parse_decimal + pricing)),
        "ratio_pricing_to_parse": round(pricing / parse_plain, 2),
        "ratio_pricing_to_decimal_parse": round(pricing / parse_decimal, 2),
        "ratio_reference_to_parse": round(reference / parse_plain, 2),
        "ratio_reference_without_trace_to_parse": round(engine_only / parse_plain, 2),
        "target_ratio": 3,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", "--invoices", type=int, default=100_000, help="number of invoices (100000)")
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

"""Pricing 10,000 invoices as an integrator calls feuille: ``feuille tarifer --lignes`` in one process.

A JSON Lines file (the invoices of ``benchmarks.pricing``: four kinds of three-line invoices, on every day of a
year) goes through one subprocess of the installed ``feuille``; every output line is checked (a result, no
error). A tree without ``--lignes`` (before issue 10) is measured the way an integrator had to call it then:
``feuille price -`` once per invoice, on a sample (``PER_INVOICE_SAMPLE``), the time for all of them projected
from the per-invoice median (``mode`` says which). Beside it, the same invoices priced in process by the Python
API (``feuille.pricing.price_document``), which both trees have: the engine alone, without start-up or I/O.

    .venv/bin/python -m benchmarks.price_lines            # 10,000 invoices
    .venv/bin/python -m benchmarks.price_lines -n 1000    # a quick run
    .venv/bin/python -m benchmarks.against price_lines    # against the commit before issue 10

Figures go to ``benchmarks/results/price_lines.json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.pricing import make_texts
from benchmarks.support import feuille_command, median, probe_main, timed

DEFAULT_SIZE = 10_000
PER_INVOICE_SAMPLE = 40   # invoices priced one process each, when the tree has no --lignes


def has_lines_option() -> bool:
    """Whether this tree's ``feuille tarifer`` reads JSON Lines (issue 10 and later)."""
    done = subprocess.run([str(feuille_command()), "tarifer", "--help"], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"}, check=False)
    return done.returncode == 0 and "--lignes" in done.stdout


def _check(outputs: list[str], count: int) -> None:
    answers = [json.loads(text) for text in outputs]
    if len(answers) != count or not all("totals" in a and "error" not in a for a in answers):
        raise SystemExit(f"pricing: {len(answers)} answers for {count} invoices, or an error among them")


def lines_mode(texts: list[str], env: dict[str, str], folder: Path) -> dict[str, float]:
    """One ``feuille tarifer --lignes FILE`` over every invoice; the same on one invoice (its start-up)."""
    command = str(feuille_command())
    source, one = folder / "factures.jsonl", folder / "une.jsonl"
    source.write_text("\n".join(texts) + "\n", encoding="utf-8")
    one.write_text(texts[0] + "\n", encoding="utf-8")
    startup, _, _ = timed([command, "tarifer", "--lignes", str(one)], env)
    seconds, _, done = timed([command, "tarifer", "--lignes", str(source)], env)
    _check(done.stdout.splitlines(), len(texts))
    return {"seconds": round(seconds, 3), "startup_s": round(startup, 3),
            "per_invoice_ms": round(seconds / len(texts) * 1000, 3)}


def per_invoice_mode(texts: list[str], env: dict[str, str]) -> dict[str, float]:
    """``feuille price -`` per invoice on a sample; the time for all of them is projected from its median."""
    command = str(feuille_command())
    sample = texts[:: max(1, len(texts) // PER_INVOICE_SAMPLE)][:PER_INVOICE_SAMPLE]
    walls = []
    for text in sample:
        wall, _, done = timed([command, "price", "-"], env, stdin=text)
        _check([done.stdout], 1)
        walls.append(wall)
    per_invoice = median(walls)
    return {"seconds": round(per_invoice * len(texts), 3), "startup_s": per_invoice,
            "per_invoice_ms": round(per_invoice * 1000, 3)}


def in_process(texts: list[str]) -> float:
    """Seconds to price every invoice through the Python API (the JSON parsed beforehand, not timed)."""
    from feuille.pricing import price_document

    documents = [json.loads(text) for text in texts]
    start = time.perf_counter()
    for document in documents:
        price_document(document)
    return time.perf_counter() - start


def probe(size: int, kind: str, workdir: Path) -> dict[str, Any]:
    texts = make_texts(size)
    with tempfile.TemporaryDirectory(prefix="feuille-bench-", dir=workdir) as folder:
        # A database of its own: the invoices give their CCAM prices, so none should be opened.
        env = {**os.environ, "FEUILLE_DATABASE_URL": f"sqlite:///{folder}/feuille.db"}
        if has_lines_option():
            mode, figures = "feuille tarifer --lignes FILE, one process", lines_mode(texts, env, Path(folder))
        else:
            mode, figures = (f"feuille price - once per invoice, {PER_INVOICE_SAMPLE} of them, projected",
                             per_invoice_mode(texts, env))
    api = in_process(texts)
    figures.update({"invoices_per_second": round(size / figures["seconds"], 1), "api_seconds": round(api, 3),
                    "api_invoices_per_second": round(size / api, 1)})
    return {"figures": figures, "notes": {"invoices": size, "lines_per_invoice": 3, "mode": mode}}


def main(argv: list[str] | None = None) -> None:
    probe_main("price_lines", probe, DEFAULT_SIZE, __doc__, argv)


if __name__ == "__main__":
    main()

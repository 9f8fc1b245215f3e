"""NOEMIE parsing benchmark: returns of 250,000 / 500,000 / 1,000,000 records (entities), in both physical forms,
read from disk by the streaming reader (``feuille.formats.noemie_stream``).

For each file: (a) **read**: the file read in the same chunks and cut into entities, nothing decoded
(``iter_entities``); (b) **parse**: every event of ``iter_returns`` consumed (entities decoded into the typed models,
the tree, the 990 and 999 checked); records per second on CPU time (the machine is shared: CPU time is the reader's
cost, wall-clock what a user waits); the ratio parse / read; and, in one more run under tracemalloc, the peak
memory of parsing, which must stay flat as the file grows (the events are consumed one by one).

The files are written by the writer (``noemie_file.write_file``) into a temporary folder: invoices 102 + 103 + 198 +
two 210 + their 990 (one in fifty rejected, with a 290 and a 294), lots of 1,000 invoices, a transfer every ten lots.

    .venv/bin/python -m benchmarks.noemie_parse                    # benchmarks/results/noemie_parse.json
    .venv/bin/python -m benchmarks.noemie_parse --records 20000    # a quick run (not written)
"""

from __future__ import annotations

import argparse
import gc
import json
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.support import write_results

SIZES = (250_000, 500_000, 1_000_000)
TARGET = 100_000   # records per second, the target
PER_INVOICE = 6    # 102, 103, 198, 210, 210, 990
LOT, TRANSFER = 1000, 10


def return_file(records: int) -> Any:
    """A return of about ``records`` entities (see the module's docstring)."""
    from feuille.formats import noemie_file as m

    day = date(2025, 1, 16)
    count = max(1, records // PER_INVOICE)
    lots = []
    for start in range(0, count, LOT):
        invoices = []
        for n in range(start, min(start + LOT, count)):
            care = day - timedelta(days=n % 30)
            amount = Decimal(1855 + n % 300) / 100
            rejected = n % 50 == 49
            act = m.Act(1, "C", amount, base=Decimal("26.50"), unit_price=Decimal("26.50"), rate=70, quantity=1,
                        coefficient="00100", count=1, care_start=care, expense=Decimal("26.50"))
            md = m.Act(2, "MD", Decimal("0.00") if rejected else Decimal("3.50"), base=Decimal("5.00"),
                       unit_price=Decimal("5.00"), rate=70, quantity=1, count=1, care_start=care,
                       expense=Decimal("5.00"))
            paid = Decimal(0) if rejected else amount + Decimal("3.50")
            invoices.append(m.Invoice(
                str(n + 1).rjust(9, "0"), lot_number=str(start // LOT % 1000).rjust(3, "0"), lot_date=care,
                invoice_type="F", invoice_date=care, insurance_nature="AS",
                beneficiary=m.Beneficiary("2550699999999", "34", "DESMAUX", first_name="NATHALIE",
                                          birth_date="550615", rank="1"),
                amo=m.Share(amount + Decimal("3.50"), m.REJECTED if rejected else m.PAID, paid),
                acts=(act, md),
                messages=(m.Message(1, "R102", "DROITS AMO FERMES A LA DATE DES SOINS"),) if rejected else (),
                rejects=(m.RejectLine("0102", "ASSURE INCONNU OU DROITS FERMES", "L", "O", act="C", care_date=care,
                                      line=1, rank=1),) if rejected else ()))
        lots.append(m.Lot(day, start // LOT % 1000, tuple(invoices)))
    settlements = tuple(
        m.Settlement(day, m.Transfer(f"VIR AMO LIGNE 1-{k}FR", f"VIR AMO LIGNE 2 -{k}FR", "10349000"),
                     (m.ReturnGroup("01", lots=tuple(lots[at:at + TRANSFER])),))
        for k, at in enumerate(range(0, len(lots), TRANSFER)))
    header = m.Header("CP", "00000010349000", "TP", "00000992604231", "000001", day, flow="T", application="TR")
    return m.NoemieFile(header, (m.Payee("000000992604231", settlements),))


def _timed(operation: Any) -> tuple[int, float, float]:
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    count = operation()
    return count, time.process_time() - cpu, time.perf_counter() - wall


def _peak_mb(operation: Any) -> float:
    gc.collect()
    tracemalloc.start()
    operation()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return round(peak / 2**20, 2)


def measure(path: Path) -> dict[str, Any]:
    """Read and parse one file (see the module's docstring)."""
    from feuille.formats.noemie_stream import Problem, iter_entities, iter_returns

    def read() -> int:
        return sum(1 for _ in iter_entities(path))

    def parse() -> int:
        problems = 0
        for event in iter_returns(path):
            if isinstance(event, Problem):
                problems += 1
        assert problems == 0, problems
        return 0

    records, read_cpu, read_wall = _timed(read)
    _, parse_cpu, parse_wall = _timed(parse)
    return {"records": records, "megabytes": round(path.stat().st_size / 2**20, 1),
            "read": {"cpu_seconds": round(read_cpu, 3), "seconds": round(read_wall, 3),
                     "records_per_second": round(records / read_cpu)},
            "parse": {"cpu_seconds": round(parse_cpu, 3), "seconds": round(parse_wall, 3),
                      "records_per_second": round(records / parse_cpu), "peak_mb": _peak_mb(parse)},
            "ratio_parse_read": round(parse_cpu / read_cpu, 2)}


def run(sizes: tuple[int, ...], folder: Path) -> dict[str, Any]:
    from feuille.formats.noemie_file import write_file

    out: dict[str, Any] = {"target_records_per_second": TARGET, "files": []}
    for size in sizes:
        model = return_file(size)
        for form, blocks in (("continu", False), ("blocs", True)):
            path = folder / f"retour-{size}-{form}.txt"
            path.write_bytes(write_file(model, blocks=blocks).encode("ascii"))
            figures = {"size": size, "form": form, **measure(path)}
            print(json.dumps(figures), flush=True)
            out["files"].append(figures)
            path.unlink()
        del model
    rates = [f["parse"]["records_per_second"] for f in out["files"]]
    peaks = [f["parse"]["peak_mb"] for f in out["files"]]
    out["slowest_records_per_second"] = min(rates)
    out["target_met"] = min(rates) >= TARGET
    out["peak_mb_range"] = [min(peaks), max(peaks)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, action="append", help="a size to measure (default: the three)")
    args = parser.parse_args()
    sizes = tuple(args.records) if args.records else SIZES
    with tempfile.TemporaryDirectory(prefix="feuille-bench-noemie-") as folder:
        figures = run(sizes, Path(folder))
    print(json.dumps(figures, indent=2))
    if sizes == SIZES:
        print(f"Résultats écrits dans {write_results('noemie_parse', figures)}")


if __name__ == "__main__":
    main()

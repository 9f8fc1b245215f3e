"""Fixed-width formats benchmark: a B2 lot of 1,000 invoices and a NOEMIE return of 100,000 invoices.

Each figure is the time to write (models → text) and to read (text → models), wall-clock and CPU (the best of
five runs for B2, one run for NOEMIE; on a shared machine the CPU time is the engine's cost), and the peak memory
the operation allocates (tracemalloc, in one more run so that tracing does not slow the timed ones; for a
reading it includes the models read, for a writing the text written but not the models given). The same
measurements run twice, in two child processes: ``before`` on the engine of ``--before`` (a commit, extracted
with ``git archive`` into a temporary folder, never into src), ``after`` on the working tree.

    .venv/bin/python -m benchmarks.formats                      # the figures of benchmarks/results/formats.json
    .venv/bin/python -m benchmarks.formats --noemie 10000       # a quick run
    .venv/bin/python -m benchmarks.formats --before none        # the working tree only

Invoices are realistic: B2, in lots of 500, three lines each (a C with its RPPS record, a CCAM act with 4S and
one 4M, an MD) and a CPS signature (records 7); NOEMIE, extended invoices (102) with their beneficiary (103),
AMO share (198) and two acts (210), 1,000 invoices a lot, both physical forms (continuous and blocked).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from benchmarks.support import write_results

ROOT = Path(__file__).resolve().parent.parent
#: The engine before the compiled layouts (branch fwspeed's base).
BEFORE = "2b7830e62447663b70a46ddc81019f2852720b78"
D = Decimal


def b2_file(count: int) -> Any:
    """``count`` invoices of three lines and a CPS signature, in lots of 500 (a lot holds 999 at most: record 6
    counts its invoices on 3 digits)."""
    from feuille.formats import b2_file as m

    created = date(2025, 1, 16)
    signature = m.InvoiceSignature(m.Signer.CPS, "ES256", m.key_fingerprint(b"public key"), bytes(range(72)))
    invoices = []
    for n in range(count):
        day = created - timedelta(days=n % 30)
        cents = D(n % 500) / 100
        act_c = m.Act(care_date=day, act_code="C", quantity=1, coefficient=D("1.00"), unit_price=D("26.50"),
                      base=D("26.50"), rate=70, amo=D("18.55"), fees=D("26.50") + cents, amc=D("7.95"),
                      performer_number="996102182", performer_specialty="01")
        act_ccam = m.Act(care_date=day, act_code="CCAM", quantity=1, coefficient=D("1.00"), unit_price=D("50.56"),
                         base=D("50.56"), rate=70, amo=D("35.39"), fees=D("50.56"), amc=D("15.17"),
                         performer_number="996102182", performer_specialty="01")
        act_md = m.Act(care_date=day, act_code="MD", quantity=1, coefficient=D("1.00"), unit_price=D("10.00"),
                       base=D("10.00"), rate=70, amo=D("7.00"), fees=D("10.00"), amc=D("3.00"),
                       performer_number="996102182", performer_specialty="01")
        lines = (m.Line(act_c, rpps=m.ActRpps(performer_rpps="99700557897")),
                 m.Line(act_ccam, detail=m.ActDetail(agreement="9"),
                        ccam=(m.CcamAct("AFLB001", day, association="1"),)),
                 m.Line(act_md))
        header = m.InvoiceHeader("01", "996", "9881", "10", proof="4", birth_date=date(1942, 1, 19))
        detail = m.InvoiceDetail(doctor_declared="O", doctor_name="MEDECIN", ips="T")
        invoices.append(m.Invoice("996102182", f"1421962{n % 1_000_000:06d}", "96", 1, n + 1, header, lines, detail,
                                  (signature,)))
    lots = tuple(m.Lot(m.LotHeader("996102182", "996", f"{n + 1:03d}", created, partner_name="DOCTEUR ESSAI",
                                   certification="S"), tuple(invoices[start:start + 500]))
                 for n, start in enumerate(range(0, count, 500)))
    return m.B2File(m.FileHeader("TP", "00000996102182", "CT", "00000001996996", "000042", created), lots)


def noemie_file(count: int) -> Any:
    """One transfer paying ``count`` extended invoices, 1,000 a lot."""
    from feuille.formats import noemie_file as m

    day = date(2024, 5, 29)
    lots = []
    for start in range(0, count, 1000):
        invoices = []
        for n in range(start, min(count, start + 1000)):
            value = D("26.50") + D(n % 300) / 100
            acts = (m.Act(1, "C", D("18.55"), base=D("26.50"), unit_price=D("26.50"), rate=70, quantity=1,
                          coefficient="00100", count=1, care_start=day, expense=D("26.50")),
                    m.Act(2, "MD", value - D("18.55"), base=D("10.00"), unit_price=D("10.00"), rate=70, quantity=1,
                          coefficient="00100", count=1, care_start=day, expense=D("10.00")))
            invoices.append(m.Invoice(
                f"{n + 1:09d}", lot_number=f"{start // 1000 + 1:03d}", lot_date=day, invoice_type="F",
                invoice_date=day, insurance_nature="AS",
                beneficiary=m.Beneficiary("2550699999999", "34", "DESMAUX", first_name="NATHALIE",
                                          birth_date="550615", rank="1"),
                amo=m.Share(value, m.PAID, value), acts=acts))
        lots.append(m.Lot(day, start // 1000 + 1, tuple(invoices)))
    group = m.ReturnGroup("01", lots=tuple(lots))
    settlement = m.Settlement(day, m.Transfer("VIR AMO LIGNE 1-1FR", "VIR AMO LIGNE 2 -1FR", "10349000"), (group,))
    header = m.Header("CP", "00000010349000", "TP", "00000992604231", "000001", day, flow="T", application="TR")
    return m.NoemieFile(header, (m.Payee("000000992604231", (settlement,)),))


def measure(operation: Callable[[], Any], runs: int = 1) -> tuple[Any, dict[str, float]]:
    """The best of ``runs`` untraced runs, in wall-clock and CPU seconds (the machine is shared: CPU time is what
    the engine costs, wall-clock what a user waits), then the peak memory tracemalloc sees in one more run."""
    walls, cpus = [], []
    for _ in range(runs):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        result = operation()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    gc.collect()
    tracemalloc.start()
    operation()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, {"seconds": round(min(walls), 4), "cpu_seconds": round(min(cpus), 4),
                    "peak_mb": round(peak / 2**20, 1)}


def run(b2_count: int, noemie_count: int) -> dict[str, Any]:
    """Every measurement on the engine this interpreter imports (the child's side)."""
    import feuille
    from feuille.formats.b2_file import write_b2
    from feuille.formats.b2_reader import read_b2
    from feuille.formats.noemie_file import write_file
    from feuille.formats.noemie_reader import read_file

    out: dict[str, Any] = {"engine": str(Path(feuille.__file__).parent)}
    lot = b2_file(b2_count)
    text, out["b2_write"] = measure(lambda: write_b2(lot), runs=5)
    reading, out["b2_read"] = measure(lambda: read_b2(text), runs=5)
    assert reading.ok and reading.file == lot, reading.problems[:3]
    per_second = b2_count / out["b2_write"]["cpu_seconds"], b2_count / out["b2_read"]["cpu_seconds"]
    out["b2_invoices_per_second"] = {"write": round(per_second[0]), "read": round(per_second[1])}
    returned = noemie_file(noemie_count)
    for form, blocks in (("continuous", False), ("blocked", True)):
        data, out[f"noemie_{form}_write"] = measure(lambda blocks=blocks: write_file(returned, blocks=blocks))
        back, out[f"noemie_{form}_read"] = measure(lambda data=data: read_file(data))
        assert back.ok and back.file == returned, back.problems[:3]
        out[f"noemie_{form}_mb"] = round(len(data) / 2**20, 1)
        del data, back
    return out


def child(source: Path | None, b2_count: int, noemie_count: int) -> dict[str, Any]:
    """The measurements in a fresh interpreter, on the engine under ``source`` (the working tree's if None)."""
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(source), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    command = [sys.executable, "-m", "benchmarks.formats", "--child", "--b2", str(b2_count), "--noemie",
               str(noemie_count)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def old_source(commit: str, folder: Path) -> Path:
    """``src/`` of ``commit``, extracted into ``folder`` (git archive: no worktree, nothing written in src)."""
    archive = subprocess.run(["git", "archive", "--format=tar", commit, "src"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder / "src"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--b2", type=int, default=1000, help="invoices in the B2 lot")
    parser.add_argument("--noemie", type=int, default=100_000, help="invoices in the NOEMIE return")
    parser.add_argument("--before", default=BEFORE, help="commit of the engine to compare with, or none")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run(args.b2, args.noemie)))
        return
    figures: dict[str, Any] = {"b2_invoices": args.b2, "noemie_invoices": args.noemie}
    if args.before != "none":
        with tempfile.TemporaryDirectory(prefix="feuille-bench-before-") as folder:
            figures["before"] = {"commit": args.before,
                                 **child(old_source(args.before, Path(folder)), args.b2, args.noemie)}
    figures["after"] = child(None, args.b2, args.noemie)
    path = write_results("formats", figures)
    print(json.dumps(figures, indent=2))
    print(f"Résultats écrits dans {path}")


if __name__ == "__main__":
    main()

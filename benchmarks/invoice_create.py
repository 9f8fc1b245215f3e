"""``feuille facture creer`` once per invoice, as a desk or a script calls it: wall time per invoice.

A SQLite database holds the manuals' demo practice; each invoice (a consultation: G + MD + a CCAM act) is a new
process of the installed ``feuille`` (``feuille facture creer FILE``; ``feuille invoice create FILE`` in a tree
from before the French names), its output checked. The start-up's share is measured too: one more call under
``python -X importtime``, whose imports (the top-level ones' cumulative time) are set against that call's
wall time (importtime slows imports a little: the share is an upper bound).

    .venv/bin/python -m benchmarks.invoice_create           # 200 invoices
    .venv/bin/python -m benchmarks.invoice_create -n 50     # a quick run
    .venv/bin/python -m benchmarks.against invoice_create   # against the commit before issue 10

Figures go to ``benchmarks/results/invoice_create.json``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.support import (
    demo_database,
    feuille_command,
    invoice_document,
    median,
    probe_main,
    timed,
)

DEFAULT_SIZE = 200
#: ``-X importtime`` lines: "import time: self | cumulative | name", nested imports indented under their parent.
IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)")


def top_level_imports_s(stderr: str) -> float:
    """Seconds spent importing, from ``-X importtime`` output: the sum of the top-level imports' cumulative times."""
    total = 0
    for line in stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match and len(match.group(2)) == 1:
            total += int(match.group(1))
    return total / 1e6


def create_words() -> list[str]:
    """The words of the command in this tree: French since the naming rule, English before."""
    done = subprocess.run([str(feuille_command()), "facture", "--help"], capture_output=True, text=True, check=False)
    return ["facture", "creer"] if done.returncode == 0 else ["invoice", "create"]


def probe(size: int, kind: str, workdir: Path) -> dict[str, Any]:
    database = workdir / "feuille.db"
    url = f"sqlite:///{database}"
    if not database.exists():   # the practice once per tree; each round adds its invoices to the same base
        demo_database(url)
    source = workdir / "facture.json"
    source.write_text(json.dumps(invoice_document(date.today().isoformat())), encoding="utf-8")
    env = {**os.environ, "FEUILLE_DATABASE_URL": url, "FEUILLE_USER": "vmedecin"}
    args = [str(feuille_command()), *create_words(), str(source)]
    timed(args, env)   # warm: file cache, bytecode
    walls, cpus = [], []
    for _ in range(size):
        wall, cpu, done = timed(args, env)
        if json.loads(done.stdout).get("state") is None:
            raise SystemExit(f"feuille {' '.join(args[1:3])}: unexpected output {done.stdout[:300]}")
        walls.append(wall)
        cpus.append(cpu)
    started = time.perf_counter()
    traced = subprocess.run([sys.executable, "-X", "importtime", *args], env=env, capture_output=True, text=True,
                            check=True)
    traced_wall = time.perf_counter() - started
    imports = top_level_imports_s(traced.stderr)
    figures = {"per_invoice_s": median(walls), "per_invoice_min_s": round(min(walls), 4),
               "per_invoice_cpu_s": median(cpus), "total_s": round(sum(walls), 3),
               "imports_s_under_importtime": round(imports, 4),
               "import_share": round(imports / traced_wall, 3)}
    return {"figures": figures, "notes": {"invoices_per_round": size, "command": " ".join(args[1:3]),
                                          "database": "sqlite"}}


def main(argv: list[str] | None = None) -> None:
    probe_main("invoice_create", probe, DEFAULT_SIZE, __doc__, argv)


if __name__ == "__main__":
    main()

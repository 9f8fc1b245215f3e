"""Start-up of the command line: wall time of ``feuille --help`` and ``feuille version``; target <= 0.25 s.

Each command runs ``--runs`` times in a fresh process (as a user types it), this tree against the commit
before the lazy start-up (``--avant``, extracted with ``git archive`` into a temporary folder and put first
on ``PYTHONPATH``; the same interpreter and libraries), interleaved so that both see the same machine load.
The median is the figure; the minimum is written too (the least disturbed run on a shared machine), and the
CPU time the command used (user + system: on a machine whose cores are busy, what the start-up costs without
the wait for a core). ``ok`` is the wall-time target; ``cpu_ok`` the same target on CPU time.

    .venv/bin/python -m benchmarks.cli_startup                 # 15 runs of each
    .venv/bin/python -m benchmarks.cli_startup --runs 5 --avant ''   # this tree only

``probe`` is the same measure for ``benchmarks.against`` (this tree against a reference commit installed in a
worktree of its own): the installed ``feuille`` command of each tree, as users type it.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import Any

from benchmarks.support import feuille_command, median, timed, write_results

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.25
BEFORE = "90858c4"   # main before issue 10's lazy command groups (every group imported at start-up)
COMMANDS = {"help": ["--help"], "version": ["version"]}
DEFAULT_SIZE = 10   # runs of each command in one round of benchmarks.against
RUN = "import sys; from feuille.cli import main; sys.argv[0] = 'feuille'; main()"


@contextmanager
def source_of(commit: str) -> Iterator[Path | None]:
    """The ``src`` folder of ``commit`` in a temporary folder (None when no commit is asked for)."""
    if not commit:
        yield None
        return
    archive = subprocess.run(["git", "archive", commit, "src"], cwd=ROOT, check=True, capture_output=True).stdout
    with tempfile.TemporaryDirectory(prefix="feuille-avant-") as folder:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        yield Path(folder) / "src"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def once(args: list[str], src: Path | None) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run: on a loaded machine the CPU time is what the command
    costs, the wall time adds the wait for a core."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src if src is not None else ROOT / "src")
    cpu, started = _children_cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, "-c", RUN, *args], env=env, capture_output=True, check=False)
    elapsed, cpu = time.perf_counter() - started, _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"feuille {' '.join(args)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed, cpu


def figures(samples: list[tuple[float, float]]) -> dict[str, Any]:
    wall, cpu = [w for w, _ in samples], [c for _, c in samples]
    return {"median_s": round(statistics.median(wall), 3), "min_s": round(min(wall), 3),
            "max_s": round(max(wall), 3), "cpu_median_s": round(statistics.median(cpu), 3), "runs": len(samples)}


def probe(size: int, kind: str, workdir: Path) -> dict[str, Any]:
    """``size`` runs of each command through the installed script (its own start-up included), interleaved."""
    command = str(feuille_command())
    env = {**os.environ, "FEUILLE_DATABASE_URL": f"sqlite:///{workdir}/feuille.db"}
    for args in COMMANDS.values():   # warm: the file cache, the bytecode
        timed([command, *args], env)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    for _ in range(size):
        for name, args in COMMANDS.items():
            wall, cpu, _done = timed([command, *args], env)
            samples[name].append((wall, cpu))
    figures: dict[str, float] = {}
    for name, pairs in samples.items():
        figures[f"{name}_wall_s"] = median([wall for wall, _ in pairs])
        figures[f"{name}_wall_min_s"] = round(min(wall for wall, _ in pairs), 4)
        figures[f"{name}_cpu_s"] = median([cpu for _, cpu in pairs])
    return {"figures": figures, "notes": {"runs_per_round": size, "command": command, "target_s": TARGET_S}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--avant", default=BEFORE, help="commit to compare with ('' for none)")
    options = parser.parse_args()
    now: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    before: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    with source_of(options.avant) as old_src:
        for name, args in COMMANDS.items():
            once(args, None)   # warm the file cache and the bytecode of both trees
            if old_src is not None:
                once(args, old_src)
            for _ in range(options.runs):
                now[name].append(once(args, None))
                if old_src is not None:
                    before[name].append(once(args, old_src))
    result: dict[str, Any] = {"benchmark": "cli_startup", "target_s": TARGET_S,
                              "load_average": [round(x, 2) for x in os.getloadavg()],
                              "now": {name: figures(samples) for name, samples in now.items()}}
    if options.avant:
        result["before"] = {"commit": options.avant,
                            **{name: figures(samples) for name, samples in before.items()}}
    result["ok"] = all(figures(samples)["median_s"] <= TARGET_S for samples in now.values())
    result["cpu_ok"] = all(figures(samples)["cpu_median_s"] <= TARGET_S for samples in now.values())
    path = write_results("cli_startup", result)
    for name in COMMANDS:
        figure = result["now"][name]
        line = f"feuille {' '.join(COMMANDS[name])}: median {figure['median_s']} s wall, {figure['cpu_median_s']} s CPU"
        if options.avant:
            old = result["before"][name]
            line += f" (before {old['median_s']} s wall, {old['cpu_median_s']} s CPU)"
        print(line)
    print(f"written to {path}")


if __name__ == "__main__":
    main()

"""A benchmark in this tree and in a reference commit, in the same session: both figures and their ratio.

The reference (``90858c4`` by default: main before issue 10) is checked out in a temporary ``git worktree``
with a virtual environment of its own (``make install`` there), or taken from ``--ref-tree`` when one is
already installed at that commit. The benchmark's code is this tree's in both cases: its ``probe`` runs in a
subprocess of each tree's interpreter (so ``feuille`` and the ``feuille`` command are that tree's), rounds
alternating (now, reference; then reference, now; ...) so that the load of a shared machine falls on both
alike. Each figure is the median of the rounds; ``ratio`` is now / reference (below 1: faster now, for a time).

    .venv/bin/python -m benchmarks.against cli_startup price_lines            # default sizes, 3 rounds
    .venv/bin/python -m benchmarks.against securing --size securing=500 --kinds sqlite,postgresql
    .venv/bin/python -m benchmarks.against --ref-tree /work/wt-base invoice_create --size invoice_create=50

A module takes part when it has ``probe(size, kind, workdir) -> {"figures": {name: number}, "notes": {...}}``
and ``DEFAULT_SIZE``. Results: ``benchmarks/results/against_<module>.json`` (commits, machine, load average at
start and end, sizes, every round's figure).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "90858c4"   # main before issue 10
MODULES = ("cli_startup", "invoice_list", "securing", "price_lines", "invoice_create")
DB_MODULES = {"invoice_list", "securing"}   # the ones measured on each database kind asked for
PROBE_MARK = "PROBE-RESULT "


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def probe_env() -> dict[str, str]:
    """The environment of a probe: bytecode is cached as on a user's machine (this sandbox sets
    PYTHONDONTWRITEBYTECODE, which makes every start-up compile feuille's sources again), no inherited
    feuille setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEUILLE_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)   # this tree's benchmarks package, whichever interpreter runs it
    return env


def order(round_index: int) -> tuple[str, str]:
    """Which tree runs first in a round: alternately, so neither always gets the warmer or quieter turn."""
    return ("now", "ref") if round_index % 2 == 0 else ("ref", "now")


def aggregate(rounds: dict[str, list[dict[str, float]]]) -> dict[str, dict[str, Any]]:
    """Per figure: the median of the rounds for each tree, the ratio now / reference, every round's value."""
    names = [name for name in rounds["now"][0] if all(name in r for r in rounds["ref"])] if rounds["ref"] else []
    result: dict[str, dict[str, Any]] = {}
    for name in names:
        now = [r[name] for r in rounds["now"]]
        ref = [r[name] for r in rounds["ref"]]
        now_median, ref_median = statistics.median(now), statistics.median(ref)
        result[name] = {"now": now_median, "ref": ref_median,
                        "ratio": float(f"{now_median / ref_median:.4g}") if ref_median else None,
                        "now_rounds": now, "ref_rounds": ref}
    for name in rounds["now"][0]:
        if name not in result:   # a figure only this tree has (a command that did not exist)
            result[name] = {"now": statistics.median(r[name] for r in rounds["now"]), "ref": None,
                            "ratio": None, "now_rounds": [r[name] for r in rounds["now"]]}
    return result


def parse_sizes(values: list[str]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for value in values:
        module, _, number = value.partition("=")
        if module not in MODULES or not number.isdigit() or int(number) < 1:
            raise SystemExit(f"--size {value}: MODULE=N expected, MODULE among {', '.join(MODULES)}")
        sizes[module] = int(number)
    return sizes


@contextmanager
def reference_tree(ref: str, given: str | None) -> Iterator[Path]:
    """A tree of ``ref`` with its virtual environment: the one given, or a temporary worktree installed here."""
    commit = git("rev-parse", "--verify", f"{ref}^{{commit}}")
    if given:
        tree = Path(given).resolve()
        if git("rev-parse", "HEAD", cwd=tree) != commit:
            raise SystemExit(f"--ref-tree {tree} is not at {ref} ({commit[:10]})")
        if not (tree / ".venv" / "bin" / "python").exists():
            raise SystemExit(f"--ref-tree {tree} has no .venv (make install there)")
        yield tree
        return
    folder = Path(tempfile.mkdtemp(prefix="feuille-ref-"))
    tree = folder / "ref"
    git("worktree", "add", "--detach", str(tree), commit)
    try:
        print(f"[ref] make install in {tree} (a few minutes)", flush=True)
        subprocess.run(["make", "install"], cwd=tree, check=True, stdout=subprocess.DEVNULL)
        yield tree
    finally:
        git("worktree", "remove", "--force", str(tree))
        shutil.rmtree(folder, ignore_errors=True)


def run_probe(python: Path, module: str, size: int, kind: str, workdir: Path) -> dict[str, Any]:
    """One round of ``module``'s probe under ``python`` (a tree's interpreter), its figures and notes."""
    done = subprocess.run([str(python), "-m", "benchmarks.against", "--probe", module, "--probe-size", str(size),
                           "--probe-kind", kind, "--probe-workdir", str(workdir)],
                          cwd=ROOT, env=probe_env(), capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith(PROBE_MARK)]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"probe {module} under {python} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return dict(json.loads(lines[-1][len(PROBE_MARK):]))


def compare(module: str, trees: dict[str, Path], size: int, kind: str, rounds: int) -> dict[str, Any]:
    runs: dict[str, list[dict[str, float]]] = {"now": [], "ref": []}
    notes: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix=f"feuille-against-{module}-") as folder:
        workdirs = {side: Path(folder) / side for side in trees}
        for path in workdirs.values():
            path.mkdir()
        for index in range(rounds):
            for side in order(index):
                started = time.perf_counter()
                answer = run_probe(trees[side] / ".venv" / "bin" / "python", module, size, kind, workdirs[side])
                runs[side].append(answer["figures"])
                notes[side] = answer.get("notes", {})
                print(f"  round {index + 1} {side}: {time.perf_counter() - started:.1f} s", flush=True)
    return {"kind": kind, "size": size, "notes": notes, "figures": aggregate(runs)}


def write(module: str, data: dict[str, Any]) -> Path:
    from benchmarks.support import write_results

    return write_results(f"against_{module}", data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog=f"modules: {', '.join(MODULES)}")
    parser.add_argument("modules", nargs="*", help="benchmark modules (default: all five)")
    parser.add_argument("--ref", default=REFERENCE, help=f"reference commit ({REFERENCE})")
    parser.add_argument("--ref-tree", help="an installed worktree already at --ref (else a temporary one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", action="append", default=[], metavar="MODULE=N", help="size of one round")
    parser.add_argument("--kinds", default="sqlite", help="databases for invoice_list and securing")
    parser.add_argument("--probe", help=argparse.SUPPRESS)   # the subprocess side: one round in this interpreter
    parser.add_argument("--probe-size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--probe-kind", help=argparse.SUPPRESS)
    parser.add_argument("--probe-workdir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:
        probe = importlib.import_module(f"benchmarks.{args.probe}").probe
        answer = probe(args.probe_size, args.probe_kind, Path(args.probe_workdir))
        print(PROBE_MARK + json.dumps(answer))
        return 0
    modules = args.modules or list(MODULES)
    unknown = [m for m in modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}; among {', '.join(MODULES)}")
    sizes = parse_sizes(args.size)
    with reference_tree(args.ref, args.ref_tree) as ref_tree:
        trees = {"now": ROOT, "ref": ref_tree}
        commits = {"now": git("rev-parse", "HEAD"), "now_modified": bool(git("status", "--porcelain", "src")),
                   "ref": git("rev-parse", "HEAD", cwd=ref_tree)}
        for module in modules:
            size = sizes.get(module, importlib.import_module(f"benchmarks.{module}").DEFAULT_SIZE)
            kinds = args.kinds.split(",") if module in DB_MODULES else ["sqlite"]
            load_start = [round(x, 2) for x in os.getloadavg()]
            results = []
            for kind in kinds:
                print(f"[{module}] {kind}, {args.rounds} rounds of size {size}", flush=True)
                results.append(compare(module, trees, size, kind, args.rounds))
            path = write(module, {"benchmark": module, "against": True, "commits": commits, "rounds": args.rounds,
                                  "load_average_start": load_start,
                                  "load_average_end": [round(x, 2) for x in os.getloadavg()], "runs": results})
            for result in results:
                for name, figure in result["figures"].items():
                    print(f"  {result['kind']:<10} {name:<36} now {figure['now']!s:<10} ref {figure['ref']!s:<10} "
                          f"ratio {figure['ratio']}")
            print(f"  written to {path.relative_to(ROOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

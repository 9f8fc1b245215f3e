"""Every benchmark module imports: a rename elsewhere (a helper moved to ``benchmarks.support``) must not leave a
benchmark that fails only when someone runs ``make bench``."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

MODULES = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "benchmarks").glob("*.py")
                 if p.stem != "__init__")


def test_the_benchmarks_are_found() -> None:
    assert {"securing", "statements", "support", "against"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_benchmark_module_imports(name: str) -> None:
    module = importlib.import_module(f"benchmarks.{name}")
    helpers = {"support", "builders"}   # shared by the benchmarks, not run on their own
    assert name in helpers or hasattr(module, "main") or hasattr(module, "probe"), name

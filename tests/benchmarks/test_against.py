"""The comparison harness's own logic (benchmarks.against): no timing here, only what it does with figures."""

from __future__ import annotations

import pytest
from benchmarks.invoice_create import top_level_imports_s

from benchmarks import against


def test_rounds_alternate_which_tree_goes_first() -> None:
    assert [against.order(i) for i in range(4)] == [("now", "ref"), ("ref", "now"), ("now", "ref"), ("ref", "now")]


def test_each_figure_is_the_median_of_its_rounds_with_the_ratio() -> None:
    figures = against.aggregate({"now": [{"s": 1.0, "q": 4}, {"s": 3.0, "q": 4}, {"s": 2.0, "q": 4}],
                                 "ref": [{"s": 8.0, "q": 400}, {"s": 4.0, "q": 400}, {"s": 6.0, "q": 400}]})
    assert figures["s"] == {"now": 2.0, "ref": 6.0, "ratio": 0.3333, "now_rounds": [1.0, 3.0, 2.0],
                            "ref_rounds": [8.0, 4.0, 6.0]}
    assert figures["q"]["ratio"] == 0.01
    assert against.aggregate({"now": [{"s": 6.766}], "ref": [{"s": 39340.0}]})["s"]["ratio"] == 0.000172


def test_a_figure_only_this_tree_has_is_kept_without_ratio() -> None:
    figures = against.aggregate({"now": [{"s": 1.0, "new": 5.0}], "ref": [{"s": 2.0}]})
    assert figures["new"] == {"now": 5.0, "ref": None, "ratio": None, "now_rounds": [5.0]}
    assert figures["s"]["ratio"] == 0.5


def test_a_zero_reference_gives_no_ratio() -> None:
    assert against.aggregate({"now": [{"n": 3}], "ref": [{"n": 0}]})["n"]["ratio"] is None


def test_sizes_are_per_module() -> None:
    assert against.parse_sizes(["securing=500", "invoice_create=40"]) == {"securing": 500, "invoice_create": 40}


@pytest.mark.parametrize("junk", ["securing", "securing=", "securing=0", "securing=-3", "nothing=5", "=5",
                                  "securing=1e3", "securing=deux"])
def test_a_bad_size_is_refused(junk: str) -> None:
    with pytest.raises(SystemExit, match="MODULE=N"):
        against.parse_sizes([junk])


def test_the_probe_environment_caches_bytecode_and_forgets_feuille_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setenv("FEUILLE_DATABASE_URL", "sqlite:///ailleurs.db")
    env = against.probe_env()
    assert "PYTHONDONTWRITEBYTECODE" not in env and "FEUILLE_DATABASE_URL" not in env
    assert env["PYTHONPATH"] == str(against.ROOT)


def test_every_module_compared_has_a_probe_and_a_size() -> None:
    import importlib

    for name in against.MODULES:
        module = importlib.import_module(f"benchmarks.{name}")
        assert callable(module.probe) and module.DEFAULT_SIZE >= 1, name


def test_imports_are_the_top_level_ones_cumulative_time() -> None:
    trace = ("import time: self [us] | cumulative | imported package\n"
             "import time:       100 |        100 |   encodings.utf_8\n"
             "import time:       500 |       1500 | encodings\n"
             "import time:      2000 |     250000 | feuille.cli\n"
             "import time:        10 |         10 |     nested.deeper\n"
             "not an import line\n")
    assert top_level_imports_s(trace) == pytest.approx(0.2515)
    assert top_level_imports_s("") == 0

"""The NOEMIE integration benchmark at a tiny size, on both engines, so that it cannot rot: its stage, its return
files (read back by the product's reader: what its 999 counts is what the benchmark reports) and a whole run,
whose own check refuses an integration that did not match every known invoice once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from benchmarks.support import database_url

from benchmarks import noemie_integration as bench
from feuille.formats.noemie_reader import read_file
from tests.support import pg


@pytest.fixture(scope="module", autouse=True)
def pg_server() -> None:
    os.environ.setdefault("FEUILLE_TEST_PG_URL", pg.server_url())


def test_the_returns_are_what_the_benchmark_says(tmp_path: Path) -> None:
    with database_url("sqlite") as url:
        assert bench.build(url, 2_100)["lots_stored"] == 3
        first = bench.write_return(url, str(tmp_path), 1, 4_000, 0)
        second = bench.write_return(url, str(tmp_path), 2, 6_000, first.next_position)
    for written in (first, second):
        data = Path(written.path).read_bytes()
        reading = read_file(data)
        assert reading.ok, reading.problems[:3]
        assert int(data[-128:][55:63]) == written.records
        assert reading.file is not None
        invoices = [i for p in reading.file.payees for s in p.settlements for g in s.groups for lot in g.lots
                    for i in lot.invoices]
        assert len(invoices) == written.invoices
        assert sum(i.number.startswith("9") for i in invoices) == written.unknown
        assert sum(i.amo is not None and i.amo.status == "R" for i in invoices) == written.rejected
    assert first.records <= 4_000 < first.records + 40 and second.records <= 6_000 < second.records + 40
    assert second.next_position == first.invoices + second.invoices <= 2_100
    assert second.rejected == 1 and second.unknown == 0     # the 1,000th invoice; the 5,000th is not reached


@pytest.mark.parametrize(("base", "sizes"), [("sqlite", [1_500, 3_000]), ("postgresql", [3_000])])
def test_a_tiny_run_integrates_and_reconciles_every_known_invoice(base: str, sizes: list[int]) -> None:
    figures = bench.run(base, 1_200, sizes)
    assert figures["stored_invoices"] == 1_200 and figures["database"] == base
    runs = figures["runs"]
    assert [run["records"] <= size for run, size in zip(runs, sizes, strict=True)] == [True] * len(sizes)
    for run in runs:
        assert run["invoices"] > 0 and run["outcome"] in ("integre", "integre_partiel")
        assert run["records_per_second"] > 0 and run["parse_records_per_second"] > 0
        assert run["integrate_peak_rss_mib"] > 0 and run["integration_to_parse_ratio"] > 0
    states = runs[-1]["invoice_states"]
    invoices = sum(run["invoices"] - run["unknown"] for run in runs)
    assert states.get("rejected", 0) == sum(run["rejected"] for run in runs)
    assert states.get("paid", 0) + states.get("partly_paid", 0) + states.get("rejected", 0) == invoices  # all known

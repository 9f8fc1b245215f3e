"""The guided tour of `make demo`, end to end: demo data, CCAM sample, pricing, a secured invoice, audit."""

from __future__ import annotations

from feuille.config import get_settings


def test_demo_tour_runs_twice(card_cli):  # type: ignore[no-untyped-def]
    get_settings.cache_clear()  # the card directory comes from the environment the fixture set
    try:
        for _ in range(2):  # idempotent: the second run finds the data there and bills once more
            result = card_cli("demo", "--sans-pause")
            assert result.exit_code == 0, result.stderr
            assert "ESSAI" in result.stdout and "AFLB001" in result.stdout
            assert "73.56" in result.stdout  # DOMAIN example 2 through the imported CCAM sample
            assert "signatures valides" in " ".join(result.stdout.split())  # Rich wraps lines
            assert "total 30,00 €" in " ".join(result.stdout.split())  # amounts a user reads are French
            assert "intègre" in result.stdout
    finally:
        get_settings.cache_clear()

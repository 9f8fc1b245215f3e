"""The tour of ``make demo`` sends the day's invoices to the caisse de test and shows the ARL; twice in a row, each
run sends only what it billed (the earlier lot is not sent again)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feuille.config import get_settings
from tests.support.caisse import start_caisse


def test_the_tour_sends_the_day_s_invoices_and_shows_the_arl(card_cli, card_dir: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEUILLE_SECRETS_FILE", str(tmp_path / "secrets.json"))
    get_settings.cache_clear()  # the card directory comes from the environment the fixture set
    try:
        with start_caisse(tmp_path / "caisse", "--cartes", str(card_dir)) as caisse:
            monkeypatch.setenv("FEUILLE_SIM_DIR", str(caisse.dir))   # where make demo starts it
            for run in (1, 2):
                result = card_cli("demo", "--sans-pause")
                assert result.exit_code == 0, result.stderr
                out = " ".join(result.stdout.split())
                assert "9. Télétransmission" in out and "ARL positif reçu" in out, out[-1500:]
                assert f"00{run}" in out
            status = json.loads(caisse.sim("etat", "--json").stdout)["organismes"]
            assert sum(o.get("lots_acceptes", 0) for o in status.values()) == 3   # with the correction's lot
            assert sum(o.get("lots_refuses", 0) for o in status.values()) == 0
    finally:
        get_settings.cache_clear()

"""The tour of ``make demo`` after the teletransmission: the caisse de test pays (advanced by ``feuille-sim``), the
returns are integrated, the day's invoices are « Payé » and RDTBUT QUATRE's of the first lot « Rejeté » with its
reason; it is corrected, sent in a new lot and paid; the transfers and a detail with its check; the audit last.
Run twice: the second run corrects nothing again, integrates nothing twice, and still ends with the tour."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feuille.config import get_settings
from tests.support.caisse import start_caisse

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)   # the tour's SQL is the services'


def steps(out: str) -> list[str]:
    return [title for title in ("9. Télétransmission", "10. Retours NOEMIE", "11. Correction du rejet",
                                "12. Suivi des virements", "13. Journal d'audit") if title in out]


@SQLITE_ONLY
def test_the_tour_shows_the_returns_the_correction_and_the_transfers(card_cli, card_dir: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEUILLE_SECRETS_FILE", str(tmp_path / "secrets.json"))
    get_settings.cache_clear()
    try:
        with start_caisse(tmp_path / "caisse", "--cartes", str(card_dir)) as caisse:
            monkeypatch.setenv("FEUILLE_SIM_DIR", str(caisse.dir))
            first = card_cli("demo", "--sans-pause")
            assert first.exit_code == 0, first.stderr
            out = " ".join(first.stdout.split())
            assert steps(out) == ["9. Télétransmission", "10. Retours NOEMIE", "11. Correction du rejet",
                                  "12. Suivi des virements", "13. Journal d'audit"], out[-3000:]
            returns = out[out.index("10. Retours NOEMIE"):out.index("11. Correction du rejet")]
            assert "Fichier NOEMIE intégré" in returns and "Payé" in returns and "Rejeté" in returns, returns
            assert "DROITS AMO FERMES A LA DATE DES SOINS" in returns, returns
            correction = out[out.index("11. Correction du rejet"):out.index("12. Suivi des virements")]
            assert "corrigée par la facture n°" in correction and "002" in correction, correction
            assert "Payé" in correction and "corrige n°" in correction, correction
            transfers = out[out.index("12. Suivi des virements"):out.index("13. Journal d'audit")]
            assert "VIR AMO 01 349" in transfers and "conforme" in transfers, transfers
            assert "intègre" in out[out.index("13. Journal d'audit"):]

            second = card_cli("demo", "--sans-pause")
            assert second.exit_code == 0, second.stderr
            again = " ".join(second.stdout.split())
            assert steps(again)[-1] == "13. Journal d'audit", again[-2000:]
            assert "Aucun rejet à corriger" in again, again[-3000:]
            status = json.loads(caisse.sim("etat", "--json").stdout)["organismes"]["01349"]
            assert status["lots_acceptes"] == 3 and status["factures_rejetees"] == 1, status
            assert status["factures_a_payer"] == 0 and status["factures_payees"] == 4, status
    finally:
        get_settings.cache_clear()

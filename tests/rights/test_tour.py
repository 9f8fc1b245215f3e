"""``feuille demo`` shows an ADRi lookup (the manual's ADRUN case) when a caisse de test is connected."""

from __future__ import annotations

from pathlib import Path

from feuille.config import get_settings
from tests.rights.test_cli import _caisse_dir
from tests.support.adri import RunningAdri


def test_the_tour_shows_a_rights_lookup(card_cli, adri: RunningAdri, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    get_settings.cache_clear()  # the card directory comes from the environment the fixture set
    try:
        assert card_cli("caisse-de-test", "connecter", str(_caisse_dir(adri, tmp_path))).exit_code == 0
        result = card_cli("demo", "--sans-pause")
        assert result.exit_code == 0, result.stderr
        out = " ".join(result.stdout.split())
        assert "8. Droits du patient (ADRi)" in out
        assert "concernent cependant ADRUN Baptiste. Souhaitez-vous continuer ?" in out
        assert "Choix informations AMO" in out and "01 349 9881" in out
        assert "13. Journal d'audit" in out and "intègre" in out
    finally:
        get_settings.cache_clear()

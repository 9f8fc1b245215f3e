"""End to end: ``feuille-sim servir`` as a subprocess (helper D's ``start_caisse``, with the provisioned cards), the
practice connected to it by ``feuille caisse-de-test connecter``, ``feuille patient droits`` signed by the CPS, a
fault set by ``feuille-sim panne``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from feuille.config import get_settings
from tests.support.caisse import start_caisse


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_rights_from_feuille_sim(card_cli, card_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with start_caisse(tmp_path / "caisse-de-test", "--cartes", str(card_dir)) as caisse:
        connected = card_cli("caisse-de-test", "connecter", str(caisse.dir))
        assert connected.exit_code == 0, connected.stderr
        assert card_cli("carte", "inserer", "cps-medecin", "--pin", "1234", "--oui").exit_code == 0
        created = card_cli("patient", "ajouter", "--nom", "LEROUX", "--prenom", "Odile", "--naissance",
                           "14/06/1960", "--nir", "2600692123456 29", "--piece", "carte_vitale", "--json")
        patient = str(json.loads(created.stdout)["id"])
        answer = card_cli("patient", "droits", patient, "--date", "01/06/2024", "--appliquer", "tout", "--json")
        assert answer.exit_code == 0, answer.stderr
        data = json.loads(answer.stdout)
        assert data["resultat"] == "ok" and "droits" in data["applique"]
        assert data["reponse"]["periodes_droits"] == [{"debut": "2020-01-01", "fin": "2024-03-31"}]
        assert caisse.sim("panne", "--mode", "erreur").returncode == 0
        down = card_cli("patient", "droits", patient)
        assert down.exit_code == 6 and "Service ADRi indisponible" in " ".join(down.stderr.split())
        log = (caisse.dir / "echanges-adri.jsonl").read_text(encoding="utf-8").splitlines()
        assert [json.loads(line)["statut"] for line in log][-2:] == [200, 503]

"""``feuille caisse-de-test connecter`` and ``feuille patient droits`` against the caisse de test's ADRi."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from feuille.cards.virtual import VirtualCardReader
from feuille.config import get_settings
from tests.conftest import MODULE
from tests.support.adri import RunningAdri


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """The card directory comes from the environment the card fixtures set: no settings cached from before."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _caisse_dir(adri: RunningAdri, tmp_path: Path) -> Path:
    folder = tmp_path / "caisse-dir"
    (folder / "pki").mkdir(parents=True)
    (folder / "pki" / "ca.pem").write_text(adri.ca_pem, encoding="ascii")
    (folder / "ports.json").write_text(json.dumps({"ports": {"adri": adri.port, "smtp": 2525, "pop3": 1110}}))
    return folder


def _patient(card_cli) -> int:  # type: ignore[no-untyped-def]
    created = card_cli("patient", "ajouter", "--nom", "PETIT", "--prenom", "Julien", "--naissance", "12/07/1985",
                       "--nir", "1850775123456 08", "--piece", "carte_vitale", "--json")
    assert created.exit_code == 0, created.stderr
    return int(json.loads(created.stdout)["id"])


def test_connect_then_lookup_and_apply(card_cli, adri: RunningAdri, card_dir: Path,  # type: ignore[no-untyped-def]
                                       tmp_path: Path) -> None:
    connected = card_cli("caisse-de-test", "connecter", str(_caisse_dir(adri, tmp_path)))
    assert connected.exit_code == 0, connected.stderr
    assert f"ADRi https://127.0.0.1:{adri.port}" in " ".join(connected.stdout.split())
    VirtualCardReader(card_dir, MODULE).insert("cps-medecin")
    patient = _patient(card_cli)
    shown = card_cli("patient", "droits", str(patient), "--pin", "1234", "--date", "15/01/2025")
    assert shown.exit_code == 0, shown.stderr
    assert "Choix informations AMO" in shown.stdout and "Choix à faire" in " ".join(shown.stderr.split())
    applied = card_cli("patient", "droits", str(patient), "--pin", "1234", "--appliquer", "tout", "--json")
    assert applied.exit_code == 0, applied.stderr
    data = json.loads(applied.stdout)
    assert data["resultat"] == "ok" and data["applique"]
    fiche = json.loads(card_cli("patient", "afficher", str(patient), "--json").stdout)
    assert fiche["amo_caisse"] == "999" or fiche.get("values", {}).get("amo_caisse") == "999"


def test_not_connected_says_so_in_french(card_cli) -> None:  # type: ignore[no-untyped-def]
    patient = _patient(card_cli)
    result = card_cli("patient", "droits", str(patient))
    assert result.exit_code == 6
    assert "Service ADRi non configuré" in " ".join((result.stdout + result.stderr).split())


def test_connect_refuses_a_folder_without_caisse(card_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = card_cli("caisse-de-test", "connecter", str(tmp_path))
    assert result.exit_code == 2 and "ports.json absent" in " ".join((result.stdout + result.stderr).split())
    assert card_cli("caisse-de-test", "etat").stdout.startswith("Aucun service ADRi")


def test_lookup_signed_through_the_card_agent(card_cli, adri: RunningAdri,  # type: ignore[no-untyped-def]
                                              tmp_path: Path) -> None:
    """The PIN given once to « carte inserer » opens the card agent's session: « patient droits » signs through it."""
    assert card_cli("caisse-de-test", "connecter", str(_caisse_dir(adri, tmp_path))).exit_code == 0
    inserted = card_cli("carte", "inserer", "cps-medecin", "--pin", "1234", "--oui")
    assert inserted.exit_code == 0, inserted.stderr
    patient = _patient(card_cli)
    result = card_cli("patient", "droits", str(patient), "--appliquer", "aucun", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["applique"] == []

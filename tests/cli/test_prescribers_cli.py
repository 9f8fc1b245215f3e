"""`feuille prescriber …`."""

from __future__ import annotations

import json
from typing import Any

from feuille.storage.models import Prescriber
from tests.cli.test_professionals_cli import flat, rows


def test_prescriber_commands(cli: Any) -> None:
    added = cli("prescriber", "add", "--nom", "ROY", "--prenom", "Patrick", "--numero", "99 1 00069 6",
                "--specialite", "1", "--rpps", "00991000696")
    assert added.exit_code == 0, added.stderr
    assert cli("prescriber", "add", "--nom", "GENE", "--prenom", "Alain", "--numero", "991145608").exit_code == 0
    found = json.loads(cli("prescriber", "search", "a", "--json").stdout)
    assert [p["nom"] for p in found] == ["GENE"]
    assert "01 - Médecine générale" in cli("prescriber", "show", "991000696").stdout
    assert cli("prescriber", "edit", "2", "--prenom", "Alain-Marie").exit_code == 0
    assert json.loads(cli("prescriber", "show", "2", "--json").stdout)["prenom"] == "Alain-Marie"
    assert [p["nom"] for p in json.loads(cli("prescriber", "search", "--desc", "--json").stdout)] == ["ROY", "GENE"]
    assert cli("prescriber", "delete", "2", input="n\n").exit_code == 1
    assert cli("prescriber", "delete", "2", "--oui").exit_code == 0
    assert rows(cli, Prescriber) == 1


def test_prescriber_bad_input(cli: Any) -> None:
    missing = cli("prescriber", "add", "--numero", "991000696")
    assert missing.exit_code == 2 and "Nom : champ obligatoire" in flat(missing.stderr)
    bad_key = cli("prescriber", "add", "--nom", "ROY", "--numero", "991000695")
    assert bad_key.exit_code == 2 and "clé" in flat(bad_key.stderr)
    no_number = cli("prescriber", "add", "--nom", "ROY")
    assert no_number.exit_code == 2 and "N° identification : champ obligatoire" in flat(no_number.stderr)
    assert rows(cli, Prescriber) == 0
    cli("prescriber", "add", "--nom", "ROY", "--numero", "991000696")
    dup = cli("prescriber", "add", "--nom", "AUTRE", "--numero", "991000696")
    assert dup.exit_code == 4 and "déjà" in flat(dup.stderr)
    assert cli("prescriber", "show", "999").exit_code == 3
    assert rows(cli, Prescriber) == 1

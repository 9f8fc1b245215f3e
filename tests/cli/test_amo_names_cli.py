"""``feuille amo add`` offers the organism's name from the SNDS table when none is given."""

from __future__ import annotations

import json

from tests.support.cli import Cli


def test_amo_add_offers_the_name(cli: Cli) -> None:
    result = cli("amo", "add", "--regime", "01", "--caisse", "751", "--centre", "0000")
    assert result.exit_code == 0
    assert "Libellé proposé par la table des organismes du SNDS : « CPAM DE PARIS » (--nom pour l'enregistrer)." \
        in " ".join(result.stdout.split())
    assert json.loads(cli("amo", "show", "1", "--json").stdout)["name"] is None  # a proposal, not a choice
    result = cli("amo", "add", "--regime", "02", "--caisse", "751", "--centre", "0000", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["name"] is None
    result = cli("amo", "add", "--regime", "01", "--caisse", "349", "--centre", "9881", "--nom", "Flux CNDA")
    assert result.exit_code == 0 and "proposé" not in result.stdout

"""`feuille mutuelle conventions modifier | supprimer` and `feuille utilisateur role`: French answers, exit codes."""

from __future__ import annotations

import json
from typing import Any

from tests.cli.test_professionals_cli import flat

AMC = "1100000000"


def _one(cli: Any) -> int:
    added = cli("mutuelle", "conventions", "ajouter", "--signataire", AMC, "--type", "CM", "--numero-amc", AMC,
                "--json")
    assert added.exit_code == 0, added.stderr
    return int(json.loads(added.stdout)["id"])


def test_a_convention_is_edited_then_deleted(cli: Any) -> None:
    one = _one(cli)
    edited = cli("mutuelle", "conventions", "modifier", str(one), "--critere", "T", "--dre", "oui",
                 "--desactivee", "oui")
    assert edited.exit_code == 0 and f"Convention n° {one} modifiée." in flat(edited.stdout)
    listed = json.loads(cli("mutuelle", "conventions", "lister", "--json").stdout)
    assert [(c["secondary_criterion"], c["dre"], c["disabled"]) for c in listed] == [("T", True, True)]
    same = cli("mutuelle", "conventions", "modifier", str(one), "--dre", "oui")
    assert same.exit_code == 0 and "rien n'a changé" in flat(same.stdout)
    junk = cli("mutuelle", "conventions", "modifier", str(one), "--dre", "peut-être")
    assert junk.exit_code == 2 and "DRE" in flat(junk.stderr)
    kept = cli("mutuelle", "conventions", "supprimer", str(one), input="n\n")
    assert kept.exit_code == 1 and "rien n'a été supprimé" in flat(kept.stderr)
    deleted = cli("mutuelle", "conventions", "supprimer", str(one), "--oui")
    assert deleted.exit_code == 0 and "supprimée" in flat(deleted.stdout)
    missing = cli("mutuelle", "conventions", "supprimer", str(one), "--oui")
    assert missing.exit_code == 3 and "introuvable" in flat(missing.stderr)
    assert cli("mutuelle", "conventions", "lister", "--json").stdout.strip() == "[]"


def test_an_administrator_changes_a_role(cli: Any) -> None:
    assert cli("utilisateur", "ajouter", "marie", "--role", "secretaire").exit_code == 0
    changed = cli("utilisateur", "role", "marie", "titulaire", "--nom", "Marie Curie")
    assert changed.exit_code == 0 and "rôle titulaire enregistré" in flat(changed.stdout)
    users = {u["login"]: u for u in json.loads(cli("utilisateur", "liste", "--json").stdout)}
    assert (users["marie"]["role"], users["marie"]["nom"]) == ("titulaire", "Marie Curie")
    again = cli("utilisateur", "role", "marie", "titulaire")
    assert again.exit_code == 0 and "rien n'a changé" in flat(again.stdout)
    itself = cli("utilisateur", "role", "admin", "secretaire")
    assert itself.exit_code == 2 and "propre rôle" in flat(itself.stderr)
    unknown = cli("utilisateur", "role", "marie", "roi")
    assert unknown.exit_code == 2 and "Rôle « roi » inconnu" in flat(unknown.stderr)

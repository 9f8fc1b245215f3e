"""French at the terminal: questions ``[o/N]`` answered « o », « oui », « n », « non »; French command names with
the English ones kept as hidden aliases; ``--help`` and ``version`` start without the database layers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from feuille.cli import app, names
from feuille.cli.app import load
from feuille.cli.french import parse_yes_no
from tests.cli.test_junk_cli import COMMANDS


@pytest.mark.parametrize(("typed", "default", "answer"), [
    ("o", False, True), ("O", False, True), ("oui", False, True), (" Oui ", False, True), ("n", True, False),
    ("non", True, False), ("NON", True, False), ("", False, False), ("", True, True), ("peut-être", False, None),
    ("ouii", False, None)])
def test_yes_no_words(typed: str, default: bool, answer: bool | None) -> None:
    assert parse_yes_no(typed, default) is answer


def test_a_deletion_asks_in_french(cli) -> None:  # type: ignore[no-untyped-def]
    for name in ("Un", "Deux", "Trois"):
        assert cli("patient", "ajouter", "--nom", name, "--prenom", "Jean", "--naissance", "01/02/1980").exit_code == 0
    kept = cli("patient", "supprimer", "1", input="non\n")
    assert kept.exit_code == 1 and "[o/N]" in kept.stdout and "[y/N]" not in kept.stdout
    assert "rien n'a été supprimé" in kept.stderr
    asked_again = cli("patient", "supprimer", "1", input="peut-être\no\n")
    assert asked_again.exit_code == 0, asked_again.stderr
    assert "Répondez « o » (oui) ou « n » (non)." in asked_again.stderr
    assert cli("patient", "supprimer", "2", input="oui\n").exit_code == 0
    assert cli("patient", "supprimer", "3", input="").exit_code == 1   # end of input: nothing deleted
    left = json.loads(cli("patient", "liste", "--json").stdout)
    assert [p["last_name"] for p in left] == ["Trois"]


def test_every_visible_name_is_french() -> None:
    english = set(names.ALIASES)
    for path, command in COMMANDS:
        assert not english & set(path), path
        for param in command.params:
            for opt in getattr(param, "opts", ()) if param.param_type_name == "option" else ():
                assert opt.lstrip("-") not in english, (path, opt)


def test_the_help_table_says_what_each_group_says() -> None:
    for group in names.GROUPS:
        loaded = load(group)
        assert (loaded.help or "").strip() == group.help, group.name
        assert loaded.name == group.name


@pytest.mark.parametrize(("old", "new"), [
    (["invoice", "list", "--json"], ["facture", "liste", "--json"]),
    (["patient", "search", "a", "--json"], ["patient", "chercher", "a", "--json"]),
    (["prescriber", "search", "", "--json"], ["prescripteur", "chercher", "", "--json"]),
    (["user", "list", "--json"], ["utilisateur", "liste", "--json"]),
    (["professional", "list", "--json"], ["pro", "liste", "--json"]),
])
def test_the_english_names_still_run(cli, old: list[str], new: list[str]) -> None:  # type: ignore[no-untyped-def]
    before, after = cli(*old), cli(*new)
    assert before.exit_code == after.exit_code == 0, before.stderr + after.stderr
    assert before.stdout == after.stdout


def test_price_from_stdin_under_both_names(cli) -> None:  # type: ignore[no-untyped-def]
    document = json.dumps({"date": "2025-01-14", "patient": {"birth_date": "1980-01-01"},
                           "coverage": {"nature": "maladie"}, "acts": [{"code": "C"}]})
    old, new = cli("price", "-", input=document), cli("tarifer", "-", input=document)
    assert old.exit_code == new.exit_code and old.stdout == new.stdout and old.stderr == new.stderr


def test_aliases_are_hidden_from_the_help() -> None:
    shown = CliRunner().invoke(app, ["--help"]).stdout
    assert "facture" in shown and "carte" in shown and "tarifer" in shown
    for french in ("Utilisation : feuille", "Commandes", "Affiche cette aide", "variable d'environnement"):
        assert french in shown
    for english in ("Usage:", "Commands", "Show this message", "env var"):
        assert english not in shown
    for word in ("invoice", "card", "price", "prescriber", "favourite"):
        assert f" {word} " not in shown
    sub = CliRunner().invoke(app, ["invoice", "--help"]).stdout
    assert "creer" in sub and "securiser" in sub and " create " not in sub
    tree = get_command(app)
    assert "invoice" not in tree.list_commands(None)  # type: ignore[arg-type,attr-defined]


@pytest.mark.parametrize("args", [["--help"], ["version"], []])
def test_help_and_version_import_no_database_layer(args: list[str]) -> None:
    code = ("import sys\nfrom feuille.cli import main\nsys.argv = ['feuille', *sys.argv[1:]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'pydantic', 'alembic')"
            " or m.startswith(('feuille.storage', 'feuille.billing', 'feuille.practice', 'feuille.auth')))\n"
            "print('HEAVY', heavy, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in done.stderr, done.stderr[-2000:]


def test_pricing_a_file_imports_neither_pydantic_nor_the_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``feuille tarifer --lignes FILE`` (scripts call it) takes its text and flag values as click parsed them."""
    source = tmp_path / "factures.jsonl"
    source.write_text('{"date": "2025-01-01", "professional": {"profession": "medecin", "specialty": "01", '
                      '"sector": 1}, "coverage": {"nature": "maladie"}, "acts": [{"code": "G"}]}\n', encoding="utf-8")
    code = ("import sys\nfrom feuille.cli import main\nsys.argv = ['feuille', *sys.argv[1:]]\n"
            "try:\n    main()\nexcept SystemExit as exit:\n    print('EXIT', exit.code, file=sys.stderr)\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'pydantic', 'alembic'))\n"
            "print('HEAVY', heavy, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code, "tarifer", "--lignes", str(source)], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "FEUILLE_DATABASE_URL": f"sqlite:///{tmp_path}/f.db"})
    assert "EXIT 0" in done.stderr and "HEAVY []" in done.stderr, done.stderr[-2000:]
    assert '"totals"' in done.stdout


def test_a_flag_of_a_group_command_is_still_checked(cli) -> None:  # type: ignore[no-untyped-def]
    """Values taken as given are only text and flags: an integer option is still refused in French."""
    result = cli("facture", "creer", "-", "--vitale", "deux", input="{}")
    assert result.exit_code == 2 and "valeur invalide pour --vitale" in result.stderr, result.stderr


def test_the_securing_modes_help_lists_the_domain_modes() -> None:
    """``--mode`` of « feuille facture securiser » says the modes the domain has, in French (« a, b ou c »)."""
    from feuille.cli.french import either
    from feuille.domain.invoices import SecureMode

    shown = CliRunner().invoke(app, ["facture", "securiser", "--help"]).stdout
    words = " ".join(shown.replace("│", " ").split())
    assert either([mode.value for mode in SecureMode]) + "." in words
    assert (either(["a"]), either(("a", "b", "c")), either([])) == ("a", "a, b ou c", "")

"""`feuille utilisateur mot-de-passe LOGIN`: asked twice, or read from the standard input."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from feuille import signin
from feuille.storage import Database
from tests.cli.test_professionals_cli import flat


def _signs_in(cli: Any, login: str, password: str) -> bool:
    db = Database(cli.url)
    try:
        signin.sign_in(db, login, password, "10.0.0.9")
        return True
    except Exception:
        return False
    finally:
        db.dispose()


def test_the_password_is_asked_twice(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("utilisateur", "ajouter", "marie", "--role", "secrétaire").exit_code == 0
    monkeypatch.setattr("feuille.cli.admin._terminal", lambda: True)   # CliRunner's input is no terminal
    prompts: list[str] = []
    answers = iter(["un-mot-de-passe-long", "un-autre-mot-de-passe"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or next(answers))
    differ = cli("utilisateur", "mot-de-passe", "marie")
    assert differ.exit_code == 2 and "Les deux mots de passe diffèrent" in flat(differ.stderr)
    assert prompts == ["Nouveau mot de passe de « marie » : ", "Confirmez le mot de passe : "]
    assert not _signs_in(cli, "marie", "un-mot-de-passe-long")
    answers = iter(["un-mot-de-passe-long"] * 2)
    done = cli("utilisateur", "mot-de-passe", "marie")
    assert done.exit_code == 0, done.stderr
    assert "Mot de passe de « marie » enregistré" in flat(done.stdout)
    assert _signs_in(cli, "marie", "un-mot-de-passe-long")


def test_the_password_from_stdin_and_its_refusals(cli: Any) -> None:
    assert cli("utilisateur", "ajouter", "paul", "--role", "titulaire").exit_code == 0
    short = cli("utilisateur", "mot-de-passe", "paul", "--depuis-stdin", input="court\n")
    assert short.exit_code == 2 and "au moins" in flat(short.stderr)
    unknown = cli("utilisateur", "mot-de-passe", "personne", "--depuis-stdin", input="un-mot-de-passe-long\n")
    assert unknown.exit_code == 3 and "« personne » inconnu" in flat(unknown.stderr)
    done = cli("utilisateur", "mot-de-passe", "paul", "--depuis-stdin", input="un-mot-de-passe-long\n")
    assert done.exit_code == 0, done.stderr
    assert _signs_in(cli, "paul", "un-mot-de-passe-long")
    refused = cli("utilisateur", "mot-de-passe", "admin", "--depuis-stdin", input="un-mot-de-passe-long\n",
                  user="paul")
    assert refused.exit_code != 0 and "n'a pas le droit" in flat(refused.stderr)


def test_without_a_terminal_the_password_is_read_from_stdin_in_french(cli: Any) -> None:
    """A new session (no controlling terminal) and a pipe: no getpass warning (« Warning: Password input may be
    echoed »), no English; one line read, as --depuis-stdin."""
    assert cli("utilisateur", "ajouter", "lea", "--role", "titulaire").exit_code == 0
    code = "import sys\nfrom feuille.cli import main\nsys.argv = ['feuille', *sys.argv[1:]]\nmain()\n"
    done = subprocess.run([sys.executable, "-c", code, "--base", cli.url, "utilisateur", "mot-de-passe", "lea"],
                          input="un-mot-de-passe-long\n", capture_output=True, text=True, timeout=120,
                          start_new_session=True)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr and "echoed" not in done.stderr and "password" not in done.stderr.lower()
    assert "Pas de terminal" in flat(done.stderr) and "enregistré" in flat(done.stdout)
    assert _signs_in(cli, "lea", "un-mot-de-passe-long")
    empty = subprocess.run([sys.executable, "-c", code, "--base", cli.url, "utilisateur", "mot-de-passe", "lea"],
                           input="", capture_output=True, text=True, timeout=120, start_new_session=True)
    assert empty.returncode == 2 and "Warning" not in empty.stderr and "au moins" in flat(empty.stderr)

"""`feuille utilisateur mot-de-passe LOGIN`: asked twice, or read from the standard input."""

from __future__ import annotations

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

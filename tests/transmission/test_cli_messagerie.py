"""``feuille messagerie`` (afficher, configurer, tester) and ``feuille caisse-de-test connecter`` end to end."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from feuille.transmission import secrets
from tests.support.caisse import CaisseDeTest
from tests.support.cli import Cli


def test_connect_then_show_and_test(cli: Cli, caisse_de_test: CaisseDeTest) -> None:
    connected = cli("caisse-de-test", "connecter", str(caisse_de_test.dir))
    assert connected.exit_code == 0, connected.stderr
    assert "mot de passe gardé hors de la base" in connected.stdout
    assert caisse_de_test.mailbox[1] not in connected.stdout
    shown = cli("messagerie", "afficher", "--json")
    assert shown.exit_code == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["mot_de_passe"] == "enregistré hors de la base" and "secret" not in data
    assert data["smtp"]["securite"] == "starttls" and data["releve"]["protocole"] == "pop3"
    assert caisse_de_test.mailbox[1] not in shown.stdout
    tested = cli("messagerie", "tester")
    assert tested.exit_code == 0, tested.stderr
    assert "OK : Serveur d'envoi" in tested.stdout and "Boîte aux lettres" in tested.stdout
    assert stat.S_IMODE(secrets.secrets_file().stat().st_mode) == 0o600


def test_configure_imap_with_the_password_from_the_environment(cli: Cli, caisse_de_test: CaisseDeTest,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    host, ports = caisse_de_test.host, caisse_de_test.ports
    monkeypatch.setenv("FEUILLE_ESSAI_MDP", caisse_de_test.mailbox[1])
    done = cli("messagerie", "configurer", "--smtp", f"{host}:{ports['smtps']}", "--securite", "tls",
               "--imap", f"{host}:{ports['imap']}", "--securite-releve", "tls", "--utilisateur", "cabinet",
               "--expediteur", "cabinet@exemple.fr", "--ca", str(caisse_de_test.ca),
               "--certificats", caisse_de_test.info["organismes"], "--mot-de-passe-env", "FEUILLE_ESSAI_MDP")
    assert done.exit_code == 0, done.stderr
    tested = cli("messagerie", "tester", "--json")
    assert tested.exit_code == 0, tested.stdout
    outcome = json.loads(tested.stdout)
    assert outcome["smtp"]["ok"] and outcome["releve"]["ok"] and outcome["releve"]["courriels"] >= 0
    monkeypatch.setenv("FEUILLE_ESSAI_MDP", "faux")
    assert cli("messagerie", "configurer", "--mot-de-passe-env", "FEUILLE_ESSAI_MDP").exit_code == 0
    refused = cli("messagerie", "tester")
    assert refused.exit_code == 7
    said = " ".join(refused.stderr.split())
    assert "identifiants refusés" in said and "Traceback" not in said


def test_refusals_in_french(cli: Cli, tmp_path: Path) -> None:
    missing = cli("messagerie", "afficher")
    assert missing.exit_code == 6 and "Messagerie non configurée" in " ".join(missing.stderr.split())
    bad = cli("messagerie", "configurer", "--smtp", "sans-port", "--sans-mot-de-passe")
    assert bad.exit_code == 2 and "HOTE:PORT attendu" in " ".join(bad.stderr.split())
    incomplete = cli("messagerie", "configurer", "--smtp", "smtp.exemple.fr:465", "--sans-mot-de-passe")
    assert incomplete.exit_code == 2 and "problèmes" in incomplete.stderr
    plain = cli("messagerie", "configurer", "--smtp", "127.0.0.1:2525", "--securite", "aucune", "--pop3",
                "127.0.0.1:1110", "--securite-releve", "starttls", "--utilisateur", "u", "--expediteur", "u@x.fr",
                "--mot-de-passe-env", "FEUILLE_ABSENTE")
    assert plain.exit_code == 2 and "FEUILLE_ABSENTE" in plain.stderr
    both = cli("messagerie", "configurer", "--pop3", "a:1", "--imap", "b:2")
    assert both.exit_code == 2 and "pas les deux" in both.stderr

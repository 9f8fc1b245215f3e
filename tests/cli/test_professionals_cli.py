"""`feuille pro …`, `feuille preferences …`, `feuille favourite …`: French messages, exit codes, no row on error."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from feuille.storage import Database
from feuille.storage.models import AuditEntry, Favourite, Professional, ReplacementDay, ReplacementLink

FIRMIER = ["--civilite", "Monsieur", "--nom", "FIRMIER", "--prenom", "Alain", "--facturation", "99610218 2",
           "--specialite", "24", "--caisse", "991"]
REMPL = ["--civilite", "Madame", "--nom", "REMPEXMED0055789", "--prenom", "NATHALIE", "--rpps", "99700557897",
         "--facturation", "99700557", "--cle", "8", "--specialite", "24", "--caisse", "991"]


def rows(cli: Any, model: Any) -> int:
    db = Database(cli.url)
    try:
        with db.read() as session:
            return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)
    finally:
        db.dispose()


def flat(text: str) -> str:
    return " ".join(text.split())


def test_add_list_show(cli: Any) -> None:
    result = cli("pro", "add", *FIRMIER, "--carte")
    assert result.exit_code == 0, result.stderr
    assert "Professionnel n° 1 enregistré" in result.stdout
    listed = json.loads(cli("pro", "list", "--json").stdout)
    assert listed[0]["nom"] == "FIRMIER" and listed[0]["numero_facturation"] == "996102182"
    assert listed[0]["profession"] == "infirmier" and listed[0]["secteur"] == 1
    shown = cli("pro", "show", "99610218 2")
    assert "FIRMIER Alain" in shown.stdout and "Caisse de rattachement : 991" in shown.stdout
    assert "FIRMIER" in cli("professional", "list").stdout  # the long name works too


@pytest.mark.parametrize(("change", "words"), [
    (["--nom", ""], "Nom : champ obligatoire"),
    (["--facturation", "99610218 3"], "la clé"),
    (["--specialite", "98"], "Spécialité"),
    (["--caisse", "9"], "Caisse de rattachement"),
    (["--secteur", "3"], "Secteur conventionnel"),
])
def test_bad_input(cli: Any, change: list[str], words: str) -> None:
    args = [*FIRMIER, "--secteur", "1"]
    index = args.index(change[0])
    args[index + 1] = change[1]
    result = cli("pro", "add", *args)
    assert result.exit_code == 2
    assert "Erreur" in result.stderr and words in flat(result.stderr)
    assert rows(cli, Professional) == 0


def test_missing_option_is_named_in_french(cli: Any) -> None:
    result = cli("pro", "add", "--nom", "FIRMIER")
    assert result.exit_code == 2 and "Prénom : champ obligatoire" in flat(result.stderr)
    assert rows(cli, Professional) == 0


def test_secretary_cannot_add(cli: Any) -> None:
    assert cli("user", "add", "marie", "--role", "secrétaire").exit_code == 0
    result = cli("pro", "add", *FIRMIER, user="marie")
    assert result.exit_code == 5 and "n'a pas le droit" in flat(result.stderr)
    assert rows(cli, Professional) == 0


def test_remplacant_flow(cli: Any) -> None:
    cli("pro", "add", *FIRMIER)
    typed = cli("pro", "remplacant", "add", *REMPL, "-t", "1", "-j", "13/01/2025")
    assert typed.exit_code == 2 and "clé" in typed.stderr and rows(cli, Professional) == 1
    result = cli("pro", "remplacant", "add", *REMPL, "--carte", "-t", "996102182", "-j", "13/01/2025",
                 "-j", "14/01/2025")
    assert result.exit_code == 0, result.stderr
    assert "Attention" in result.stderr and "Remplaçant n° 2 enregistré" in result.stdout
    assert cli("pro", "remplacant", "days", "add", "2", "-t", "1", "15/01/2025").exit_code == 0
    bad_day = cli("pro", "remplacant", "days", "add", "2", "-t", "1", "30/02/2025")
    assert bad_day.exit_code == 2 and "n'existe pas" in flat(bad_day.stderr)
    assert rows(cli, ReplacementDay) == 3
    links = json.loads(cli("pro", "remplacant", "days", "list", "2", "--json").stdout)
    assert links[0]["days"] == ["2025-01-13", "2025-01-14", "2025-01-15"] and links[0]["active"]
    assert cli("pro", "remplacant", "days", "remove", "2", "-t", "1", "13/01/2025").exit_code == 0
    sheet = json.loads(cli("pro", "show", "1", "--json").stdout)
    assert [(r["nom"], r["actif"]) for r in sheet["remplacants"]] == [("REMPEXMED0055789", True)]
    edited = cli("pro", "edit", "2", "--prenom", "Nathalie", "--caisse", "349")
    assert edited.exit_code == 0 and "Attention" in edited.stderr
    assert json.loads(cli("pro", "show", "2", "--json").stdout)["caisse"] == "349"
    blocked = cli("pro", "delete", "1", "--oui")
    assert blocked.exit_code == 4 and "remplaçant" in flat(blocked.stderr)
    active = cli("pro", "remplacant", "delete", "2", "--oui")
    assert active.exit_code == 4 and "décochez" in flat(active.stderr)
    assert cli("pro", "remplacant", "unlink", "2", "-t", "1").exit_code == 0
    assert "☐ FIRMIER Alain" in cli("pro", "show", "2").stdout
    refused = cli("pro", "remplacant", "delete", "2", input="n\n")
    assert refused.exit_code == 1 and rows(cli, Professional) == 2
    assert cli("pro", "remplacant", "delete", "2", "--oui").exit_code == 0
    assert rows(cli, ReplacementLink) == 0
    assert cli("pro", "delete", "1", "--oui").exit_code == 0
    assert rows(cli, Professional) == 0
    assert rows(cli, AuditEntry) > 8


def test_preferences(cli: Any) -> None:
    cli("pro", "add", *FIRMIER)
    shown = json.loads(cli("preferences", "show", "1", "--json").stdout)
    assert shown["adri_mode"] == "cible" and shown["show_amount_recap"] is True
    assert not {"amc_tp_mode", "sts_enabled", "act_series"} & set(shown)  # no effect yet: not shown
    result = cli("preferences", "set", "1", "--adri", "systematique", "--domicile", "--paiement", "cb")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(cli("preferences", "show", "1", "--json").stdout)
    assert (shown["adri_mode"], shown["home_by_default"], shown["default_payment"]) == ("systematique", True, "cb")
    for pending in (("--tiers-payant-amc", "coordonne"), ("--sans-sts",), ("--series",)):
        refused = cli("preferences", "set", "1", "--sans-domicile", *pending)
        assert refused.exit_code == 2 and "sans effet aujourd'hui" in flat(refused.stderr), pending
    assert json.loads(cli("preferences", "show", "1", "--json").stdout)["home_by_default"] is True
    bad = cli("preferences", "set", "1", "--adri", "jamais")
    assert bad.exit_code == 2 and "Mode ADRi" in flat(bad.stderr)
    cli("user", "add", "nrempex", "--role", "remplaçant")
    denied = cli("preferences", "set", "1", "--adri", "manuel", user="nrempex")
    assert denied.exit_code == 5


def test_favourites(cli: Any) -> None:
    cli("pro", "add", *FIRMIER)
    result = cli("favourite", "add", "-p", "1", "-l", "Injection à domicile", "-a", "code=AMI,coef=1,indemnite=IFD",
                 "-a", "code=AMI,qte=2,prix=4.73,qualif=N,indemnite=IK,km=12")
    assert result.exit_code == 0, result.stderr
    found = json.loads(cli("favourite", "search", "inj", "-p", "1", "--json").stdout)
    assert found[0]["libelle"] == "Injection à domicile"
    assert found[0]["actes"][1] == {"code": "AMI", "quantity": 2, "coefficient": "1.00", "price": "4.73",
                                    "qualifier": "N", "indemnity": "IK", "distance_km": "12.00"}
    bad = cli("favourite", "add", "-p", "1", "-l", "Autre", "-a", "code=AFLB01")
    assert bad.exit_code == 2 and "Code de l'acte" in flat(bad.stderr)
    assert cli("favourite", "edit", "1", "-a", "G").exit_code == 0
    assert "1 × G" in cli("favourite", "show", "1").stdout
    assert cli("favourite", "delete", "1", "--oui").exit_code == 0
    assert rows(cli, Favourite) == 0

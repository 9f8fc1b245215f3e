"""``feuille rapports``: the four reports on the command line, JSON and CSV, junk refused in French."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feuille.auth import Context
from feuille.domain.invoices import Event
from tests.returns.follow_up_support import add_return, practice, send, set_state
from tests.support.cli import Cli

JANUARY = ("--du", "01/01/2025", "--au", "31/01/2025")


@pytest.fixture
def sent(ctx: Context) -> list[int]:
    practice(ctx)
    ids = send(ctx, 3, caisse="996").ids
    add_return(ctx, ids[0])
    set_state(ctx, ids[0], Event.PAY)
    return ids


def test_the_reports(cli: Cli, sent: list[int], tmp_path: Path) -> None:
    shown = cli("rapports", "organismes", *JANUARY)
    assert shown.exit_code == 0, shown.stderr
    assert "01 996" in shown.stdout and "Restant dû" in shown.stdout
    data = json.loads(cli("rapports", "organismes", *JANUARY, "--json").stdout)
    [amo] = data["organismes"]
    assert amo["factures"] == 3 and amo["part"] == "AMO"
    ageing = json.loads(cli("rapports", "anciennete", "--date", "15/01/2025", "--du", "01/01/2025",
                            "--json").stdout)
    assert [(t["tranche"], t["factures"]) for t in ageing["total"]] == [("0-30", 2)]
    share = cli("rapports", "sesam-vitale", *JANUARY)
    assert "3 dossiers dont 3 sécurisés en sesam vitale soit 100 %" in share.stdout
    target = tmp_path / "mensuel.csv"
    assert cli("rapports", "mensuel", *JANUARY, "--csv", str(target)).exit_code == 0
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "Mois;Part;Organisme;Factures;Facturé;Payé;Rejeté;Factures rejetées"
    assert lines[1].startswith("2025-01;AMO;01 996") and len(lines) == 2
    aged = tmp_path / "anciennete.csv"
    assert cli("rapports", "anciennete", "--date", "15/01/2025", "--du", "01/01/2025", "--csv",
               str(aged)).exit_code == 0
    assert aged.read_text(encoding="utf-8-sig").splitlines()[-1].startswith("Total;Total;0-30;2;")


@pytest.mark.parametrize("args", [("rapports", "anciennete", "--date", "31/02/2025"),
                                  ("rapports", "organismes", "--du", "x"),
                                  ("rapports", "mensuel", "--du", "02/01/2025", "--au", "01/01/2025"),
                                  ("rapports", "sesam-vitale", "--au", "2025-13-01")])
def test_junk_is_refused_in_french(cli: Cli, args: tuple[str, ...]) -> None:
    refused = cli(*args)
    assert refused.exit_code == 2 and "Erreur" in refused.stderr and "Traceback" not in refused.stderr


def test_nothing_to_report(cli: Cli) -> None:
    assert "Aucune facture télétransmise" in cli("rapports", "organismes").stdout
    assert "Rien ne reste dû" in cli("rapports", "anciennete").stdout
    assert "0 dossier dont 0 sécurisé" in cli("rapports", "sesam-vitale").stdout

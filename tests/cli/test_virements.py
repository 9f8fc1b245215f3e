"""``feuille virements`` and ``feuille operations``: the manual's screens on the command line, JSON, CSV."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from feuille.auth import actor_for
from feuille.storage import Database
from tests.conftest import fixed_clock
from tests.returns.transfer_data import MANUAL, VIR_9FR, VIR_REGUL, add
from tests.support.cli import Cli

GOLDEN = Path(__file__).parent / "golden"
MAY = ("--du", "29/04/2024", "--au", "31/05/2024")


@pytest.fixture
def manual(db_url: str) -> list[int]:
    from feuille.auth import Context

    db = Database(db_url)
    try:
        ctx = Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)
        return add(ctx, *MANUAL, replace(VIR_9FR, declared=Decimal("6.44"), label_1="VIR ECART"), VIR_REGUL)
    finally:
        db.dispose()


def test_the_list(cli: Cli, manual: list[int]) -> None:
    shown = cli("virements", "liste", *MAY)
    assert shown.exit_code == 0, shown.stderr
    assert "1-7FR-2" in shown.stdout and "94,48" in shown.stdout, shown.stdout
    assert "écart de 3,22 €" in shown.stdout and "1 à vérifier" in shown.stdout
    data = json.loads(cli("virements", "liste", *MAY, "--organisme", "01349000", "--json").stdout)
    assert [v["libelle_1"] for v in data["virements"]] == ["VIR AMO LIGNE 1-1FR", "VIR AMO LIGNE 1-9FR",
                                                          "VIR ECART"]
    assert data["periode"] == {"du": "2024-04-29", "au": "2024-05-31"}
    only = json.loads(cli("virements", "liste", *MAY, "--ecarts", "--json").stdout)["virements"]
    assert [(v["libelle_1"], v["controle"]["ecart"]) for v in only] == [("VIR ECART", "3.22")]


def test_the_list_as_csv_golden(cli: Cli, manual: list[int], tmp_path: Path) -> None:
    target = tmp_path / "virements.csv"
    written = cli("virements", "liste", *MAY, "--csv", str(target))
    assert written.exit_code == 0 and "6 ligne(s) écrite(s)" in written.stderr
    got = target.read_bytes().decode("utf-8")
    for transfer_id in manual:   # the ids differ between databases: the golden file numbers them #1 to #6
        got = got.replace(f"\r\n{transfer_id};", f"\r\n#{manual.index(transfer_id) + 1};")
    golden = GOLDEN / "virements_liste.csv"
    if os.environ.get("FEUILLE_REGENERATE_GOLDEN"):
        golden.write_bytes(got.encode("utf-8"))
    assert got.encode("utf-8") == golden.read_bytes()
    to_stdout = cli("virements", "liste", *MAY, "--csv", "-")
    assert to_stdout.stdout.startswith("\ufeffn°;Date;") and "Virements" not in to_stdout.stdout


def test_the_detail(cli: Cli, manual: list[int]) -> None:
    shown = cli("virements", "detail", str(manual[2]))
    assert shown.exit_code == 0, shown.stderr
    for text in ("DETTE7FR", "-5,52", "CODE1", "LIBELLE2", "40,00", "conforme", "94,48"):
        assert text in shown.stdout
    data = json.loads(cli("virements", "detail", str(manual[2]), "--json").stdout)
    assert [(m["nature_dette_libelle"], m["operation_libelle"]) for m in data["mouvements_financiers"]] == [
        ("Opposition interne paiement en double", "Constat initial"),
        ("Opposition interne paiement en double", "Retenue sur prestation")]
    regul = cli("virements", "detail", str(manual[5]))
    assert "-4,69" in regul.stdout and "ALEXA" in regul.stdout
    data = json.loads(cli("virements", "detail", str(manual[4]), "--json").stdout)
    assert data["controle"]["message"] == "écart de 3,22 €"


def test_one_off_operations(cli: Cli, manual: list[int], tmp_path: Path) -> None:
    shown = cli("operations", "paiements", *MAY)
    assert shown.exit_code == 0, shown.stderr
    assert "CODE1" in shown.stdout and "LIBELLE2" in shown.stdout and "100,00" in shown.stdout
    payments = json.loads(cli("operations", "paiements", *MAY, "--json").stdout)["paiements"]
    assert [(p["code"], p["montant"]) for p in payments] == [("CODE1", "40.00"), ("CODE2", "60.00")]
    held = json.loads(cli("operations", "retenues", *MAY, "--organisme", "01349000", "--json").stdout)["retenues"]
    assert [(r["reference_dette"], r["montant"]) for r in held] == [("DETTE9FR", "3.22"), ("DETTE9FR", "3.22")]
    detail = cli("operations", "detail", str(payments[0]["id"]))
    assert "PAT01 00" in detail.stdout and "30/11/1999" in detail.stdout and "Autres partenaires de santé" in (
        detail.stdout)
    target = tmp_path / "retenues.csv"
    assert cli("operations", "retenues", *MAY, "--csv", str(target)).exit_code == 0
    assert target.read_text(encoding="utf-8-sig").splitlines()[1].endswith(
        ";29/05/2024;VIR AMO LIGNE 1-7FR-2;DETTE7FR;Retenue sur prestation;5,52")


@pytest.mark.parametrize("args", [("virements", "detail", "abc"), ("virements", "detail", "999999"),
                                  ("virements", "liste", "--du", "31/02/2024"),
                                  ("virements", "liste", "--du", "02/05/2024", "--au", "01/05/2024"),
                                  ("virements", "liste", "--limite", "0"), ("operations", "detail", "-3"),
                                  ("operations", "paiements", "--au", "hier"),
                                  ("virements", "liste", "--csv", "/nonexistent/dir/x.csv")])
def test_junk_is_refused_in_french(cli: Cli, args: tuple[str, ...]) -> None:
    refused = cli(*args)
    assert refused.exit_code in (2, 3), refused.stdout
    assert "Traceback" not in refused.stderr and ("Erreur" in refused.stderr or "Usage" in refused.stderr)


def test_empty_lists(cli: Cli) -> None:
    assert "Aucun virement du 01/01/2020 au 31/01/2020." in cli("virements", "liste", "--du", "01/01/2020",
                                                                "--au", "31/01/2020").stdout
    assert "Aucune retenue" in cli("operations", "retenues").stdout
    assert "Aucun paiement ponctuel" in cli("operations", "paiements").stdout

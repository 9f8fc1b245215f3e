"""``feuille scor``: the « Pièces jointes » list, adding a piece, checking it with the questions [o/N], the purge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feuille.auth import Context
from tests.billing.support import practice
from tests.support.cli import Cli
from tests.transmission import scor_samples as s
from tests.transmission.test_scor_pieces import PRESCRIPTION, secured


@pytest.fixture
def invoice(ctx: Context) -> int:
    practice(ctx)
    return secured(ctx, prescription=PRESCRIPTION)


def rows(cli: Cli, *options: str) -> list[dict[str, object]]:
    done = cli("scor", "liste", "--json", *options)
    assert done.exit_code == 0, done.stderr
    return list(json.loads(done.stdout))


def test_list_add_check_and_purge(cli: Cli, invoice: int, tmp_path: Path) -> None:
    listed = rows(cli)
    assert [(r["facture"], r["etat_pj"], r["type"], r["etat_sv"]) for r in listed] == [
        (invoice, "MANQUANT", "Ordonnance", "DEO"), (invoice, "MANQUANT", "Feuille de soins", "DEO")]
    shown = cli("scor", "liste")
    assert shown.exit_code == 0 and "Etat PJ" in shown.stdout and "MANQUANT" in shown.stdout
    scan = tmp_path / "ordonnance.pdf"
    scan.write_bytes(s.pdf(s.text_page(1), s.text_page(2)))
    added = cli("scor", "ajouter", str(invoice), str(scan), "--type", "ordonnance")
    assert added.exit_code == 0 and "A CONTROLER" in added.stdout, added.stderr
    # two pages, two questions each: « o » to all but the last
    checked = cli("scor", "verifier", str(invoice), input="o\no\no\nn\n")
    assert checked.exit_code == 0, checked.stderr
    assert "page 1 : ✓ page non vide" in checked.stdout and "[o/N]" in checked.stdout
    assert "NON CONFORME : page 2 : lisible et entière : non" in checked.stdout
    again = cli("scor", "verifier", str(invoice), "--confirmer", "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)[0]["conforme"] is True
    assert [r["etat_pj"] for r in rows(cli, "--etat", "conforme")] == ["CONFORME"]
    purged = cli("scor", "purger", "--date", "2099-01-01", "--json")
    assert purged.exit_code == 0 and json.loads(purged.stdout)["pieces_purgees"] == []   # nothing was sent


def test_refusals_are_french(cli: Cli, invoice: int, tmp_path: Path) -> None:
    empty = tmp_path / "vide.png"
    empty.write_bytes(b"")
    refused = cli("scor", "ajouter", str(invoice), str(empty))
    assert refused.exit_code == 2 and "vide ou trop gros" in refused.stderr
    wrong = tmp_path / "faux.png"
    wrong.write_bytes(b"\x89PNX\r\n\x1a\n" + b"\x00" * 20)
    assert "format non accepté" in cli("scor", "ajouter", str(invoice), str(wrong)).stderr
    assert cli("scor", "liste", "--etat", "perdu").exit_code == 2
    nothing = cli("scor", "verifier", str(invoice))
    assert nothing.exit_code == 3 and "aucune pièce SCOR" in nothing.stderr
    assert cli("scor", "purger", "--date", "31/02/2025").exit_code == 2
    missing = cli("scor", "ajouter", str(invoice), str(tmp_path / "absent.pdf"))
    assert missing.exit_code == 2 and "lecture impossible" in missing.stderr

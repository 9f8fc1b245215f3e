"""``feuille suivi …``: French tables and the SV line, JSON, CSV golden, the desk's actions, junk refused."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from feuille.auth import Context
from feuille.cli import common
from feuille.domain.invoices import Event
from tests.cli.test_professionals_cli import flat
from tests.returns.follow_up_support import add_return, practice, send, set_state

MOTIF = "ASSURE INCONNU"

GOLDEN_LIST = (
    "\ufeffId;Reçu le;Nom du client;Facture;N° facture;Lot;Mt attendu;Mt payé;Mt restant dû;Org. AMO/AMC;Etat;SV;"
    "Attendu AMO;Payé AMO;Attendu AMC;Payé AMC;Suite\r\n"
    "3;;ESSAI ALAIN;14/01/2025;3;001;16,10;0,00;16,10;01 996 / ;En cours;oui;16,10;0,00;0,00;0,00;\r\n"
    "2;21/01/2025;ESSAI ALAIN;14/01/2025;2;001;16,10;0,00;16,10;01 996 / ;Rejeté;oui;16,10;0,00;0,00;0,00;\r\n"
    "1;20/01/2025;ESSAI ALAIN;14/01/2025;1;001;16,10;16,10;0,00;01 996 / ;Payé;oui;16,10;16,10;0,00;0,00;\r\n"
)


@pytest.fixture
def desk(ctx: Context) -> list[int]:
    practice(ctx)
    ids = send(ctx, 3).ids
    add_return(ctx, ids[0], created=date(2025, 1, 20))
    set_state(ctx, ids[0], Event.PAY)
    add_return(ctx, ids[1], amo_status="R", created=date(2025, 1, 21), rejects=(("294", "R001", MOTIF),))
    set_state(ctx, ids[1], Event.REJECT)
    return ids


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common.console, "width", 220)


def test_list_table_json_and_csv(cli: Any, desk: list[int], tmp_path: Path) -> None:
    shown = cli("suivi", "liste")
    assert shown.exit_code == 0, shown.stderr
    assert "3 dossiers dont 3 sécurisés en sesam vitale soit 100 %" in flat(shown.stdout)
    assert "Rejeté" in shown.stdout and "Payé" in shown.stdout
    data = json.loads(cli("suivi", "liste", "--etat", "rejete", "--json").stdout)
    assert [line["id"] for line in data["lignes"]] == [desk[1]] and data["total"] == 1
    target = tmp_path / "suivi.csv"
    written = cli("suivi", "liste", "--csv", str(target), "--par-page", "1")
    assert written.exit_code == 0 and "3 ligne(s) écrite(s)" in written.stderr   # every line, not the page
    assert target.read_bytes().decode("utf-8") == GOLDEN_LIST
    out = cli("suivi", "liste", "--csv", "-")
    assert out.stdout.replace("\r\n", "\n").lstrip("\ufeff").splitlines()[0].startswith("Id;Reçu le")


def test_rejects_handling_correction(cli: Any, desk: list[int], tmp_path: Path) -> None:
    rejected = str(desk[1])
    listed = cli("suivi", "rejets")
    assert listed.exit_code == 0 and "R001" in listed.stdout
    rows = json.loads(cli("suivi", "rejets", "--json").stdout)["lignes"]
    assert rows[0]["codes"] == "R001" and MOTIF in rows[0]["raison"]
    assert cli("suivi", "rejets", "--csv", str(tmp_path / "r.csv")).exit_code == 0
    assert "Codes;Motif" in (tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    detail = cli("suivi", "detail", rejected)
    assert detail.exit_code == 0 and "rejet R001" in detail.stdout
    handled = cli("suivi", "traiter", rejected, "--note", "PEC renvoyée")
    assert handled.exit_code == 0 and "TRAITÉ" in handled.stdout
    assert cli("suivi", "traiter", rejected, "--note", "encore").exit_code == 0       # idempotent
    assert "TRAITÉ" in cli("suivi", "liste", "--etat", "rejete").stdout
    made = cli("suivi", "corriger", rejected, "--json")
    assert made.exit_code == 0, made.stderr
    draft = json.loads(made.stdout)["correction"]
    again = cli("suivi", "corriger", rejected)
    assert again.exit_code == 4 and "déjà une correction" in flat(again.stderr)
    assert f"feuille facture controler {draft}" in json.loads(made.stdout)["etapes"][2]
    changed = cli("suivi", "changer-etat", rejected, "--etat", "paye", "--note", "chèque de la caisse")
    assert changed.exit_code == 0 and "« Payé »" in changed.stdout


def test_manual_matching_commands(cli: Any, desk: list[int]) -> None:
    empty = cli("suivi", "non-rapproches")
    assert empty.exit_code == 0 and "Aucun retour non rapproché" in empty.stdout


@pytest.mark.parametrize(("args", "code", "words"), [
    (("liste", "--etat", "payee-ou-pas"), 2, "état"),
    (("liste", "--du", "31/02/2025"), 2, "n'existe pas"),
    (("liste", "--amo", "😴"), 2, "organisme AMO"),
    (("liste", "--page", "0"), 2, "Page"),
    (("liste", "--csv", "/nonexistent/dir/x.csv"), 2, "écriture impossible"),
    (("detail", "abc"), 2, "Facture"),
    (("detail", "999999"), 3, "introuvable"),
    (("rapprocher", "x", "1"), 2, "Retour"),
    (("dissocier", "999999"), 3, "introuvable"),
    (("traiter", "1", "--note", ""), 2, "Note"),
    (("changer-etat", "2", "--etat", "lune", "--note", "n"), 2, "paye"),
    (("changer-etat", "2", "--etat", "partiellement-paye", "--note", "n", "--montant", "abc"), 2, "montant"),
    (("corriger", "1"), 6, "n'est pas rejetée"),
])
def test_junk_refused_in_french(cli: Any, desk: list[int], args: tuple[str, ...], code: int, words: str) -> None:
    result = cli("suivi", *args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert words in flat(result.stderr)
    assert "Traceback" not in result.stderr

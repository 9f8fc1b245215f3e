"""``feuille noemie lire``: any return decoded in French or as streamed JSON (a golden), problems with their entity
and offset and a non-zero exit, the English alias ``read``, standard input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).resolve().parents[1] / "formats" / "golden"


def test_the_json_of_every_entity_type_is_the_golden(cli: Any) -> None:
    result = cli("noemie", "lire", str(GOLDEN / "noemie_toutes_entites_blocs.txt"), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == json.loads((GOLDEN / "noemie_toutes_entites_lire.json").read_text())
    assert result.stdout == (GOLDEN / "noemie_toutes_entites_lire.json").read_text()
    same = cli("noemie", "read", str(GOLDEN / "noemie_toutes_entites.txt"), "--json")   # the hidden alias
    events = json.loads(same.stdout)["evenements"]
    assert same.exit_code == 0 and events[0]["type"] == "debut" and events[0]["blocked"] is False
    assert [e["type"] for e in events][1:3] == ["reglement", "facture"]


def test_the_french_output_shows_the_settlements_invoices_and_the_verdict(cli: Any) -> None:
    result = cli("noemie", "lire", str(GOLDEN / "noemie_toutes_entites.txt"))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Fichier NOEMIE 000106 du 29/05/2024 (référence 576, forme continue)" in out
    assert "Virement du 29/05/2024" in out and "Journée comptable du 29/05/2024" in out
    assert "Facture 000000301 (lot 31 du 27/05/2024, retour 01) : AMO demandé 18,55 €, payé 18,55 € (payé)" in out
    assert "Rejet 0201" in out and "Message A201" in out and "Paiement ponctuel 00007 : 50,00 €." in out
    assert "opération RPR, -2,00 €" in out and out.rstrip().endswith("Fichier NOEMIE valide.")


def test_problems_are_listed_with_entity_and_offset_and_the_exit_is_not_zero(cli: Any, tmp_path: Path) -> None:
    text = (GOLDEN / "noemie_retenue.txt").read_text().rstrip("\n")
    at = text.index("25003") + 37   # the sign of the first movement
    path = tmp_path / "retour.txt"
    path.write_text(text[:at] + "Q" + text[at + 1:])
    result = cli("noemie", "lire", str(path))
    assert result.exit_code == 2
    assert f"Problème (entité 13, octet {at - 37}) : NOEMIE, entité 13 (250), signe" in result.stdout
    assert "non valide : 1 problème(s)" in result.stdout
    as_json = cli("noemie", "lire", str(path), "--json")
    data = json.loads(as_json.stdout)
    assert as_json.exit_code == 2 and data["valide"] is False and data["problemes"] == 1
    problem = next(e for e in data["evenements"] if e["type"] == "probleme")
    assert (problem["entity"], problem["offset"], problem["code"]) == (13, at - 37, "noemie_sign")


def test_standard_input_junk_and_a_missing_file(cli: Any, tmp_path: Path) -> None:
    piped = cli("noemie", "lire", "-", input=(GOLDEN / "noemie_rejet_blocs.txt").read_bytes())
    assert piped.exit_code == 0 and "forme en blocs de 128" in piped.stdout
    junk = cli("noemie", "lire", "-", input=b"\x00\xffjunk@@@")
    assert junk.exit_code == 2 and "non valide" in junk.stdout and "Traceback" not in junk.stdout + junk.stderr
    missing = cli("noemie", "lire", str(tmp_path / "absent"))
    assert missing.exit_code == 2 and "introuvable" in missing.stderr

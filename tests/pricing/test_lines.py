"""``feuille price --lignes``: JSON Lines in, one result a line out, a bad line refused alone."""

from __future__ import annotations

import json
from pathlib import Path

from tests.pricing.support import doc, run
from tests.pricing.test_cli import invoke

GOOD = json.dumps(doc(acts=[{"code": "G"}]))
NURSE = json.dumps(doc(professional={"profession": "infirmier", "specialty": None},
                       acts=[{"code": "AMI", "coefficient": 4}]))


def _answers(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def test_every_line_priced_with_its_number(tmp_path: Path) -> None:
    source = tmp_path / "factures.jsonl"
    source.write_text(f"{GOOD}\n{NURSE}\n", encoding="utf-8")
    code, out, err = invoke(tmp_path, "--lignes", str(source))
    assert (code, err) == (0, "")
    answers = _answers(out)
    assert [a["line"] for a in answers] == [1, 2]
    assert {k: v for k, v in answers[0].items() if k != "line"} == run(doc(acts=[{"code": "G"}]))
    assert answers[1]["totals"]["amo"] == "7.56"  # type: ignore[index]


def test_a_bad_line_is_refused_alone_and_the_exit_code_says_so(tmp_path: Path) -> None:
    unknown = json.dumps(doc(acts=[{"code": "ZZ"}]))
    stdin = f"{GOOD}\n{{pas du json\n\n{unknown}\n{NURSE}\n"
    code, out, err = invoke(tmp_path, "--lignes", "-", stdin=stdin)
    assert code == 2
    assert "2 facture(s) refusée(s) sur 4" in " ".join(err.split())
    answers = _answers(out)
    assert [a["line"] for a in answers] == [1, 2, 4, 5]  # the blank line 3 is no invoice
    assert answers[1]["error"] == {"code": "malformed_json", "field": "(document)",
                                   "message": "(document) : JSON invalide, ligne 1, colonne 2."}
    assert answers[2]["error"]["code"] == "unit_price_required"  # type: ignore[index]
    assert answers[2]["error"]["field"] == "acts[0].unit_price"  # type: ignore[index]
    assert "le code ZZ est absent" in answers[2]["error"]["message"]  # type: ignore[index]
    assert "totals" in answers[3] and "error" not in answers[3]


def test_a_line_not_in_utf8_is_refused_alone(tmp_path: Path) -> None:
    source = tmp_path / "factures.jsonl"
    source.write_bytes(b'{"date": "2025-01-01", "x": "\xe9"}\n' + GOOD.encode() + b"\n")
    code, out, _ = invoke(tmp_path, "--lignes", str(source))
    assert code == 2
    answers = _answers(out)
    assert answers[0]["error"]["code"] == "file_unreadable"  # type: ignore[index]
    assert "totals" in answers[1]


def test_missing_file(tmp_path: Path) -> None:
    code, out, err = invoke(tmp_path, "--lignes", str(tmp_path / "absent.jsonl"))
    assert (code, out) == (2, "")
    assert "introuvable" in err

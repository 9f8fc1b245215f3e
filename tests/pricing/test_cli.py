"""``feuille price FILE``: JSON in, JSON out, French errors with exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from feuille.cli import app
from feuille.cli.common import state
from tests.pricing.support import doc

EXAMPLE_2 = {
    "date": "2025-01-01", "professional": {"profession": "medecin", "specialty": "01", "sector": 1},
    "coverage": {"nature": "maladie", "exoneration": "0", "ald_related": False, "regime_local": False,
                 "parcours": "T", "rate": None},
    "amc": {"formula": "052", "percent": None, "amount": None},
    "acts": [{"code": "C", "coefficient": 1, "quantity": 1},
             {"code": "AFLB001", "unit_price": "50.56", "activity": "1", "phase": "0", "association": "1"}],
    "overrides": [{"line": 0, "amo": "19.00"}],
}


def invoke(tmp_path: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    state._db = None
    result = CliRunner().invoke(app, ["--base", f"sqlite:///{tmp_path / 'feuille.db'}", "price", *args],
                                input=stdin, catch_exceptions=False)
    if state._db is not None:
        state._db.dispose()
        state._db = None
    return result.exit_code, result.stdout, result.stderr


def test_price_a_file(tmp_path: Path) -> None:
    source = tmp_path / "facture.json"
    source.write_text(json.dumps(EXAMPLE_2), encoding="utf-8")
    code, out, _ = invoke(tmp_path, str(source))
    assert code == 0
    result = json.loads(out)
    assert result["lines"][0] == {"code": "C", "total": "23.00", "base": "23.00", "rate": 70, "amo": "19.00",
                                  "amc": "6.90", "patient": "-2.90"}
    assert {k: result["totals"][k] for k in ("total", "amo", "amc", "patient")} == \
        {"total": "73.56", "amo": "54.39", "amc": "22.07", "patient": "-2.90"}
    assert set(result) == {"lines", "totals", "warnings", "trace"}
    assert not (tmp_path / "feuille.db").exists()  # every price was known: no database opened


def test_price_from_stdin(tmp_path: Path) -> None:
    code, out, _ = invoke(tmp_path, "-", stdin=json.dumps(doc(date="2024-08-01", acts=[{"code": "GS"}])))
    assert code == 0
    assert json.loads(out)["totals"]["amo"] == "18.55"


def test_malformed_json_exits_2_in_french(tmp_path: Path) -> None:
    code, out, err = invoke(tmp_path, "-", stdin="{pas du json")
    assert code == 2
    assert out == ""
    assert "JSON invalide" in err


def test_missing_file_exits_2(tmp_path: Path) -> None:
    code, _, err = invoke(tmp_path, str(tmp_path / "absent.json"))
    assert code == 2
    assert "introuvable" in err


def test_invalid_field_is_named(tmp_path: Path) -> None:
    code, _, err = invoke(tmp_path, "-", stdin=json.dumps(doc(coverage={"nature": "maternite"})))
    assert code == 2
    assert "assurance, date de maternité : " in err


def test_ccam_act_without_price_and_without_table_needs_its_price(tmp_path: Path) -> None:
    code, _, err = invoke(tmp_path, "-", stdin=json.dumps(doc(acts=[{"code": "AFLB001"}])))
    assert code == 2
    assert "acte 1, prix unitaire : " in " ".join(err.split())


def test_help_is_french(tmp_path: Path) -> None:
    code, out, _ = invoke(tmp_path, "--help")
    assert code == 0
    assert "Tarifer une facture" in out


def test_ccam_tariff_read_from_the_imported_table(tmp_path: Path) -> None:
    state._db = None
    imported = CliRunner().invoke(app, ["--base", f"sqlite:///{tmp_path / 'feuille.db'}", "ccam", "import",
                                        "--echantillon"], catch_exceptions=False)
    if state._db is not None:
        state._db.dispose()
        state._db = None
    assert imported.exit_code == 0, imported.stderr
    sector_1 = doc(acts=[{"code": "AFLB001"}])
    code, out, _ = invoke(tmp_path, "-", stdin=json.dumps(sector_1))
    assert code == 0
    assert json.loads(out)["lines"][0]["total"] == "50.56"
    code, _, err = invoke(tmp_path, "-", stdin=json.dumps(doc(acts=[{"code": "ZZZZ999"}])))
    assert code == 2
    assert "acte 1, prix unitaire : " in " ".join(err.split())

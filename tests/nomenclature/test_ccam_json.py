"""The nomensland JSON reader: tariff history, the non-sector-1 grid, junk, and the real files."""

from __future__ import annotations

import gzip
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from feuille.nomenclature.ccam_json import DEFAULT_VERSION, parse_nomensland

ACTS = [
    {"code": "AFLB001", "libelle_court": "inj. péridurale sang autologue", "type_acte": "0", "date_debut": "2005-03-01",
     "libelle_long": "Injection péridurale [épidurale] de sang autologue [Blood patch]"},
    {"code": "ZZZZ001", "libelle_court": "acte ancien", "date_debut": "2005-03-01", "date_fin": "2019-12-31",
     "libelle_long": "Acte ancien"},
]
TARIFFS = [
    {"code": "AFLB001", "activite": "1", "phase": "0", "date_effet": "2025-01-01", "tarif": 51.76},
    {"code": "AFLB001", "activite": "1", "phase": "0", "date_effet": "2022-04-01", "tarif": 50.56},
    {"code": "AFLB001", "activite": "1", "phase": "0", "date_effet": "2013-07-01", "tarif": 35.78},
    {"code": "ZZZZ001", "activite": "1", "phase": "0", "date_effet": "2005-03-01", "tarif": 10},
]
DETAILED = [{"code": "AFLB001", "activite": "1", "phase": "0", "date_effet": "2025-01-01", "3": 51.76, "14": 36.47}]


def gz(value: Any) -> bytes:
    return gzip.compress(json.dumps(value).encode("utf-8"), mtime=0)


def test_acts_with_tariff_history() -> None:
    result = parse_nomensland(gz(ACTS), gz(TARIFFS), gz(DETAILED))
    assert result.ok, result.errors
    table = result.table
    assert table is not None
    assert (table.version, table.applicable_from, table.source) == (DEFAULT_VERSION, date(2025, 1, 1), "json")
    act = table.acts[0]
    assert act.short_label == "inj. péridurale sang autologue" and act.label.startswith("Injection péridurale")
    assert [(p.valid_from, p.sector1, p.non_sector1) for p in act.prices] == [
        (date(2013, 7, 1), Decimal("35.78"), None),
        (date(2022, 4, 1), Decimal("50.56"), None),
        (date(2025, 1, 1), Decimal("51.76"), Decimal("36.47")),
    ]
    assert table.acts[1].valid_to == date(2019, 12, 31)


def test_version_and_date_from_the_caller_plain_json_accepted() -> None:
    plain = json.dumps(ACTS).encode()
    result = parse_nomensland(plain, gz(TARIFFS), version="78.10", applicable_from=date(2025, 2, 1))
    assert result.table is not None and result.table.applicable_from == date(2025, 2, 1)


@pytest.mark.parametrize("junk", [b"", b"\x1f\x8b\x08garbage", gzip.compress(b"{not json", mtime=0), gz({"a": 1}),
                                  gzip.compress(b"\xff\xfe\x00", mtime=0), gz(ACTS)[:40]])
def test_unreadable_files(junk: bytes) -> None:
    result = parse_nomensland(junk, gz(TARIFFS))
    assert result.table is None and len(result.errors) == 1
    assert result.errors[0].expected.startswith("ccam_actes.json.gz")


def test_bad_records_are_errors_with_their_position() -> None:
    acts = [*ACTS, {"code": "bad"}, "text", {"code": "AFLB001", "libelle_long": "doublon"}, {"code": "AAAA001"}]
    tariffs = [*TARIFFS, {"code": "AFLB001", "activite": "1", "phase": "0", "date_effet": "2026-13-01", "tarif": 1},
               {"code": "AFLB001", "activite": "1", "phase": "0", "date_effet": "2026-01-01", "tarif": "x"},
               {"code": "QQQQ999", "activite": "1", "phase": "0", "date_effet": "2026-01-01", "tarif": 1}, 7]
    result = parse_nomensland(gz(acts), gz(tariffs))
    found = {(e.line, e.expected) for e in result.errors}
    assert (3, "ccam_actes.json.gz : un acte avec un code CCAM") in found
    assert (4, "ccam_actes.json.gz : un acte avec un code CCAM") in found
    assert (5, "ccam_actes.json.gz : un code unique") in found
    assert (6, "le libellé de l'acte AAAA001") in found
    assert (5, "ccam_tarifs.json.gz : code, activite, phase, date_effet") in found
    assert (6, "ccam_tarifs.json.gz : un tarif en euros") in found
    assert (7, "ccam_tarifs.json.gz : un tarif d'un acte connu") in found
    assert (8, "ccam_tarifs.json.gz : un objet") in found


def test_real_nomensland_files(shared_dir: Path) -> None:
    folder = shared_dir / "data" / "ccam" / "nomensland"
    result = parse_nomensland((folder / "ccam_actes.json.gz").read_bytes(),
                              (folder / "ccam_tarifs.json.gz").read_bytes(),
                              (folder / "ccam_tarifs_detailles.json.gz").read_bytes())
    assert result.ok, result.errors[:5]
    assert result.table is not None
    codes = [row["code"] for row in json.loads(gzip.decompress((folder / "ccam_actes.json.gz").read_bytes()))]
    assert [act.code for act in result.table.acts] == codes
    aflb001 = next(act for act in result.table.acts if act.code == "AFLB001")
    history = {p.valid_from: (p.sector1, p.non_sector1) for p in aflb001.prices}
    assert history[date(2025, 1, 1)] == (Decimal("51.76"), Decimal("36.47"))
    assert history[date(2022, 4, 1)] == (Decimal("50.56"), Decimal("35.78"))
    assert aflb001.short_label == "inj. péridurale sang autologue"

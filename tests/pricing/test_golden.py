"""Golden files: each ``golden/*.in.json`` priced gives exactly ``golden/*.out.json``, trace included.

Regenerate after an intended change with ``FEUILLE_REGEN_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from feuille.pricing import price_document

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.in.json"))


@pytest.mark.parametrize("source", CASES, ids=[case.name.removesuffix(".in.json") for case in CASES])
def test_golden(source: Path) -> None:
    document = json.loads(source.read_text(encoding="utf-8"), parse_float=Decimal)
    actual = json.dumps(price_document(document), ensure_ascii=False, indent=2) + "\n"
    expected_path = source.with_name(source.name.replace(".in.json", ".out.json"))
    if os.environ.get("FEUILLE_REGEN_GOLDEN") == "1":
        expected_path.write_text(actual, encoding="utf-8")
    assert expected_path.exists(), f"missing {expected_path.name}: run with FEUILLE_REGEN_GOLDEN=1"
    assert actual == expected_path.read_text(encoding="utf-8")


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 5

"""Every line of the pricing trace is written the French way (one check: :func:`feuille.pricing.trace.problems`):
a decimal comma, a space before the colon and the semicolon (« G 30,00 × 70 % = 21,00 : médecin »)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from feuille.pricing import trace

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("line", [
    "G 30.00 × 70 % = 21.00 : médecin",  # a point
    "G 30,00 × 70 % = 21,00: médecin",  # the colon glued
    "min(DR − MRO 6,90; 100 % TM 6,90)",  # the semicolon glued
    "total 1.5",
])
def test_a_line_written_the_english_way_is_caught(line: str) -> None:
    assert trace.problems(line)


@pytest.mark.parametrize("line", [
    "G 30,00 × 70 % = 21,00 : médecin, maladie, pas d'exonération, parcours T",
    "facture du 01/01/2025, médecin, spécialité 01, secteur 1",
    "C AMC formule 052 (100 % TM) : min(DR − MRO 6,90 ; 100 % TM 6,90) = 6,90",
    "Droits du dossier patient : service AMO C2S du 01/01/2025 au 31/12/2025",
])
def test_a_french_line_passes(line: str) -> None:
    assert trace.problems(line) == []


def test_numbers_are_written_with_a_comma() -> None:
    assert trace.fr(Decimal("21.00")) == "21,00" and trace.fr(Decimal("-2.90")) == "-2,90" and trace.fr(3) == "3"
    assert trace.coefficient(Decimal("1.50")) == "1,5" and trace.coefficient(Decimal("100.00")) == "100"


def test_every_golden_trace_line_is_french() -> None:
    outputs = sorted(GOLDEN.glob("*.out.json"))
    assert outputs
    bad = [(path.name, line, trace.problems(line)) for path in outputs
           for line in json.loads(path.read_text(encoding="utf-8"))["trace"] if trace.problems(line)]
    assert bad == []

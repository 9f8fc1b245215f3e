"""The engine's shortcuts give what the plain rules give: parts changed by hand priced in one pass, look-ups
remembered per professional and coverage, invoices built by hand rather than read from JSON."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from feuille.errors import ValidationError
from feuille.pricing import price, read_invoice, result_to_json
from feuille.pricing.model import Act, AmcContract, Coverage, Invoice, Override, Professional
from tests.pricing.support import doc, run


def test_two_changes_of_one_line_follow_each_other() -> None:
    result = run(doc(amc={"formula": "052"}, acts=[{"code": "C"}, {"code": "V"}],
                     overrides=[{"line": 1, "amo": "10.00"}, {"line": 1, "amo": "12.00", "amc": "1.00"}]))
    assert [line["amo"] for line in result["lines"]] == ["16.10", "12.00"]
    assert "V AMO modifiée à la main : 10,00 (calculée 16,10)" in result["trace"]
    assert "V AMO modifiée à la main : 12,00 (calculée 10,00)" in result["trace"]
    assert "V AMC modifiée à la main : 1,00 (calculée 6,90)" in result["trace"]
    assert "V patient : 23,00 − 12,00 − 1,00 = 10,00" in result["trace"]


def test_a_change_of_a_missing_line_is_refused_even_after_a_good_one() -> None:
    with pytest.raises(ValidationError) as caught:
        run(doc(acts=[{"code": "C"}], overrides=[{"line": 0, "amo": "1.00"}, {"line": 2, "amo": "1.00"}]))
    assert caught.value.field == "overrides"
    assert "la ligne 2 n'existe pas (la facture a 1 ligne(s))" in caught.value.message


def test_a_change_by_hand_with_a_fixed_amount() -> None:
    result = run(doc(amc={"amount": "10.00"}, acts=[{"code": "C"}, {"code": "C"}],
                     overrides=[{"line": 0, "amc": "2.00"}]))
    assert [line["amc"] for line in result["lines"]] == ["2.00", "5.00"]
    assert [t for t in result["trace"] if t.startswith("C AMC")] == \
        ["C AMC 5,00", "C AMC modifiée à la main : 2,00 (calculée 5,00)", "C AMC 5,00"]


def _by_hand(coverage: Coverage) -> Invoice:
    return Invoice(date(2025, 1, 1), Professional("medecin"), (Act("C", date(2025, 1, 1)),), coverage,
                   AmcContract(formula="052"), (Override(0, amc=Decimal("1.00")),))


def test_invoices_built_by_hand_with_equal_coverages() -> None:
    first = result_to_json(price(_by_hand(Coverage(exoneration="5"))))
    again = result_to_json(price(_by_hand(Coverage(exoneration="5"))))
    other = result_to_json(price(_by_hand(Coverage(exoneration="0"))))
    assert first == again
    assert (first["lines"][0]["rate"], other["lines"][0]["rate"]) == (100, 70)
    assert first["lines"][0]["amc"] == "1.00"


def test_the_same_coverage_object_for_another_professional() -> None:
    coverage = read_invoice(doc()).coverage
    doctor = price(_by_hand(coverage))
    nurse = price(Invoice(date(2025, 1, 1), Professional("infirmier"), (Act("AMI", date(2025, 1, 1)),), coverage))
    assert (doctor.lines[0].rate, nurse.lines[0].rate) == (70, 60)
    assert nurse.trace[0].startswith("facture du 01/01/2025, infirmier, secteur 1")

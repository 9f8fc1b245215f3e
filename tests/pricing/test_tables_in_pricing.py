"""What the NGAP tables' gaps look like in a priced invoice: a clear refusal or a warning, never a silent zero."""

from __future__ import annotations

import pytest

from feuille.errors import ValidationError
from tests.pricing.support import doc, run


def test_a_date_before_the_first_tariff_names_the_code_the_date_and_the_first_date() -> None:
    with pytest.raises(ValidationError) as caught:
        run(doc(date="2016-03-15", acts=[{"code": "G", "date": "2016-03-15"}]))
    error = caught.value
    assert error.code == "unit_price_required"
    assert error.field == "acts[0].unit_price"
    assert "G" in error.message and "15/03/2016" in error.message
    assert "le premier tarif connu de G date du 01/05/2017" in error.message


def test_a_code_outside_the_tables_is_priced_only_with_its_typed_price_and_a_warning() -> None:
    result = run(doc(acts=[{"code": "XYZ", "unit_price": "12.00"}]))
    assert result["lines"][0]["total"] == "12.00"
    assert any("XYZ" in w and "absent des tables NGAP" in w for w in result["warnings"])


def test_a_code_outside_the_tables_without_a_price_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        run(doc(acts=[{"code": "XYZ"}]))
    assert caught.value.code == "unit_price_required"


def test_an_opticians_lpp_codes_are_typed_without_a_warning() -> None:
    optician = {"profession": "opticien", "specialty": None, "sector": 1}
    result = run(doc(professional=optician, acts=[{"code": "VU3", "unit_price": "103.00", "base": "0.05"}]))
    assert result["warnings"] == []

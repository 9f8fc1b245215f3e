"""Invalid input: a French ValidationError naming the field, never another exception."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feuille.domain.invoice_fields import named
from feuille.errors import ValidationError
from feuille.pricing import parse_text, price_document
from tests.pricing.support import doc, run


@pytest.mark.parametrize(("document", "field"), [
    (doc(acts=[{"code": "XYZ"}]), "acts[0].unit_price"),
    (doc(acts=[{"code": "C"}, {"code": "AFLB001"}]), "acts[1].unit_price"),
    (doc(acts=[{"code": "G"}], professional={"profession": "infirmier"}), "acts[0].code"),
    (doc(acts=[{"code": "AFLB001", "unit_price": "50.56"}], professional={"profession": "kinesitherapeute"}),
     "acts[0].code"),
    (doc(acts=[{"code": "COE"}], date="2024-01-01"), "acts[0].unit_price"),
    (doc(coverage={"nature": "maternite"}), "coverage.maternity_date"),
    (doc(coverage={"nature": "at"}), "coverage.accident_date"),
    (doc(coverage={"nature": "smg"}), "coverage.smg_amount"),
    (doc(coverage={"nature": "vacances"}), "coverage.nature"),
    (doc(coverage={"exoneration": "8"}), "coverage.exoneration"),
    (doc(coverage={"parcours": "Z"}), "coverage.parcours"),
    (doc(coverage={"rate": 101}), "coverage.rate"),
    (doc(coverage={"rate": "soixante-dix"}), "coverage.rate"),
    (doc(coverage={"rate": True}), "coverage.rate"),
    (doc(coverage={"service_amo": "XX"}), "coverage.service_amo"),
    (doc(coverage={"regime_local": "oui"}), "coverage.regime_local"),
    (doc(amc={"formula": "021", "percent": None}), "amc.percent"),
    (doc(amc={"formula": "021", "percent": -3}), "amc.percent"),
    (doc(amc={"formula": "999"}), "amc.formula"),
    (doc(amc={"formula": None, "percent": 30}), "amc.formula"),
    (doc(amc={"formula": "052", "amount": "10"}), "amc.amount"),
    (doc(amc={"amount": "-10"}), "amc.amount"),
    (doc(professional={"profession": "plombier"}), "professional.profession"),
    (doc(professional={"sector": 4}), "professional.sector"),
    (doc(professional={"specialty": "abc"}), "professional.specialty"),
    (doc(professional=None), "professional"),
    (doc(date="01/01/2025"), "date"),
    (doc(date=None), "date"),
    (doc(acts=[]), "acts"),
    (doc(acts="C"), "acts"),
    (doc(acts=[{"code": ""}]), "acts[0].code"),
    (doc(acts=[{"code": "C", "quantity": 0}]), "acts[0].quantity"),
    (doc(acts=[{"code": "C", "quantity": 1.5}]), "acts[0].quantity"),
    (doc(acts=[{"code": "C", "coefficient": 0}]), "acts[0].coefficient"),
    (doc(acts=[{"code": "C", "coefficient": "1.234"}]), "acts[0].coefficient"),
    (doc(acts=[{"code": "C", "unit_price": "abc"}]), "acts[0].unit_price"),
    (doc(acts=[{"code": "C", "unit_price": "1.234"}]), "acts[0].unit_price"),
    (doc(acts=[{"code": "C", "total": "-1"}]), "acts[0].total"),
    (doc(acts=[{"code": "C", "date": "2025-02-30"}]), "acts[0].date"),
    (doc(acts=[{"code": "C", "qualifier": "Z"}]), "acts[0].qualifier"),
    (doc(acts=[{"code": "AFLB001", "unit_price": "1", "association": "9"}]), "acts[0].association"),
    (doc(acts=[{"code": "AFLB001", "unit_price": "1", "activity": "7"}]), "acts[0].activity"),
    (doc(acts=[{"code": "AFLB001", "unit_price": "1", "modifiers": "F"}]), "acts[0].modifiers"),
    (doc(acts=[{"code": "AFLB001", "unit_price": "1", "modifiers": ["FF"]}]), "acts[0].modifiers"),
    (doc(acts=[{"code": "C", "exoneration": "8"}]), "acts[0].exoneration"),
    (doc(overrides=[{"line": 3, "amo": "1.00"}]), "overrides"),
    (doc(overrides=[{"line": 0}]), "overrides[0]"),
    (doc(overrides=[{"line": 0, "amo": "x"}]), "overrides[0].amo"),
    (doc(overrides={"line": 0}), "overrides"),
    (doc(tiers_payant={"amo": "yes"}), "tiers_payant.amo"),
])
def test_invalid_input_names_the_field(document: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        run(document)
    assert caught.value.field == field
    assert caught.value.message.startswith(f"{named(field)} : ")
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("text", ["", "{", "[1, 2", "{'date': 1}", "nan", "😴"])
def test_malformed_json(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_text(text)
    assert "JSON invalide" in caught.value.message


@pytest.mark.parametrize("junk", [None, "", "😴", 0, 1.5, [], [1], True, {"date": object()}])
def test_junk_documents(junk: object) -> None:
    with pytest.raises(ValidationError):
        price_document(junk)


def test_lowercase_codes_are_accepted() -> None:
    assert run(doc(acts=[{"code": "c"}]))["lines"][0]["code"] == "C"
    result = run(doc(coverage={"nature": "Maladie", "parcours": "s", "exoneration": "c"}))
    assert result["lines"][0]["rate"] == 100


def test_rate_by_hand_as_text_or_number() -> None:
    assert run(doc(coverage={"rate": "80"}))["lines"][0]["rate"] == 80
    assert run(doc(coverage={"rate": 80.0}))["lines"][0]["rate"] == 80


def test_an_amc_with_nothing_in_it_is_no_amc() -> None:
    result = run(doc(amc={"formula": None, "percent": None, "amount": None}))
    assert result["lines"][0]["amc"] == "0.00"


def test_amounts_may_be_json_numbers() -> None:
    assert run(doc(acts=[{"code": "X", "unit_price": 12.5}]))["lines"][0]["total"] == "12.50"


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 1000) | st.text(max_size=8)
    | st.sampled_from(["C", "G", "AFLB001", "2025-01-01", "052", "medecin", "maladie", "1", "S", "N"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["date", "professional", "profession", "coverage", "nature", "acts", "code",
                         "unit_price", "amc", "formula", "percent", "amount", "overrides", "line", "amo",
                         "quantity", "coefficient", "total", "base", "qualifier", "exoneration"]),
        children, max_size=6),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_any_json_either_prices_or_raises_a_validation_error(document: object) -> None:
    try:
        price_document(document)
    except ValidationError as error:
        assert error.field


def test_deeply_nested_json_is_refused_in_french() -> None:
    # Before: RecursionError reached the user as a traceback (`feuille price -`, `feuille invoice create -`).
    with pytest.raises(ValidationError) as caught:
        parse_text("[" * 100_000 + "]" * 100_000)
    assert caught.value.code == "malformed_json"
    assert "trop imbriqué" in caught.value.message


def test_a_utf8_byte_order_mark_is_accepted() -> None:
    assert parse_text('\ufeff{"date": "2025-01-01"}') == {"date": "2025-01-01"}


@pytest.mark.parametrize(("act", "shown"), [
    ({"code": "G", "quantity": "1E+400"}, "« 1E+400 »"), ({"code": "G", "quantity": Decimal("1.5")}, "1,5"),
    ({"code": "G", "unit_price": "9" * 5000}, "…"),
])
def test_bad_values_are_quoted_as_typed_not_as_python_sees_them(act: dict[str, object], shown: str) -> None:
    # Before: « reçu Decimal('1E+400') », « invalide None », and a 5,000-character price copied whole.
    document = {"date": "2025-01-01", "professional": {"profession": "medecin"}, "acts": [act]}
    with pytest.raises(ValidationError) as caught:
        price_document(document)
    message = caught.value.message
    assert shown in message and "Decimal(" not in message and "None" not in message and len(message) < 200

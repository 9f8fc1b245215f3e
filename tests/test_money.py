from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feuille import money


def test_half_up_to_the_cent() -> None:
    assert money.round_cents(Decimal("18.555")) == Decimal("18.56")
    assert money.round_cents(Decimal("0.005")) == Decimal("0.01")
    assert money.round_cents(Decimal("-0.005")) == Decimal("-0.01")


@pytest.mark.parametrize("text,expected", [("23", "23.00"), ("23,5", "23.50"), (" 1 234,56 ", "1234.56")])
def test_parse(text: str, expected: str) -> None:
    assert money.parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("junk", [None, "", "abc", "1.234", 1.5, True, "NaN", "Infinity", "-1", object(), "😴"])
def test_junk_refused(junk: object) -> None:
    with pytest.raises(money.MoneyError):
        money.parse_amount(junk)


def test_negative_when_allowed() -> None:
    assert money.parse_amount("-2.90", allow_negative=True) == Decimal("-2.90")


@given(st.integers(min_value=-10**9, max_value=10**9))
def test_cents_round_trip(cents: int) -> None:
    assert money.to_cents(money.from_cents(cents)) == cents
    assert money.parse_amount(money.format_amount(money.from_cents(cents)), allow_negative=True) == \
        money.from_cents(cents)


def test_french_format() -> None:
    assert money.format_euros_fr(Decimal("1234.5")) == "1\u202f234,50 €"

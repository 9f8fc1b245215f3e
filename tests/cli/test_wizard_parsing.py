"""What is typed at the terminal wizard's prompts (``cli/wizard_parsing.py``): French dates, « o/oui », list numbers,
places and natures typed short, amounts with a comma; junk refused in French naming the field."""

from __future__ import annotations

from datetime import date

import pytest

from feuille.cli import wizard_parsing as wt
from feuille.errors import ValidationError

DAY = date(2025, 1, 14)


def test_prompt_parsers() -> None:
    assert wt.parse_day("14/01/2025", "date") == DAY == wt.parse_day("2025-01-14", "date")
    assert wt.parse_day("14012025", "date") == DAY == wt.parse_day("", "date", DAY) == wt.parse_day("14/01/25", "d")
    assert wt.parse_yes_no("Oui") and not wt.parse_yes_no("n") and wt.parse_yes_no("", True)
    assert wt.parse_place("dom") == "domicile" and wt.parse_place("") == "cabinet"
    assert wt.parse_nature("2") == "maternite" and wt.parse_nature("Maternité") == "maternite"
    assert wt.parse_nature("accident du travail") == "at" and wt.parse_nature("") == "maladie"
    assert wt.parse_optional_amount("12,5", "x") == "12.50" and wt.parse_optional_amount("", "x") is None
    assert wt.parse_coefficient("1,50") == "1.5" and wt.parse_coefficient("") is None
    assert wt.parse_quantity("3") == 3 and wt.parse_code(" afl b001 ".replace(" ", "")) == "AFLB001"
    assert wt.parse_choice("2", 3, "x") == 2 and wt.parse_choice("", 3, "x", 1) == 1


JUNK = [None, "", "😴", object(), "x" * 300, "-1", "1e400", "nan", "32/13/2025", "0"]


@pytest.mark.parametrize("junk", JUNK)
def test_parsers_refuse_junk_in_french(junk: object) -> None:
    """Junk is refused with a French message naming the field (never another exception)."""
    parsers = [lambda t: wt.parse_day(t, "date"), wt.parse_yes_no, lambda t: wt.parse_choice(t, 3, "n"),
               wt.parse_coefficient, wt.parse_quantity, wt.parse_code,
               lambda t: wt.parse_optional_amount(t, "amount"), wt.parse_nature, wt.parse_place]
    for parse in parsers:
        try:
            parse(junk)
        except ValidationError as error:
            assert error.message and error.field


@pytest.mark.parametrize("junk", ["😴", "-1", "1e400", "nan", "0", "x" * 300, "1.234"])
def test_numbers_refuse_junk(junk: str) -> None:
    for parse in (wt.parse_coefficient, wt.parse_quantity, lambda t: wt.parse_optional_amount(t, "amount")):
        if junk == "0" and parse is not wt.parse_coefficient and parse is not wt.parse_quantity:
            continue  # an amount of 0 is an amount
        with pytest.raises(ValidationError):
            parse(junk)
    with pytest.raises(ValidationError):
        wt.parse_day(junk, "date")

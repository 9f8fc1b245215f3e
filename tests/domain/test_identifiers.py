from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feuille.domain import identifiers as ids
from feuille.errors import ValidationError

JUNK = [None, "", " ", "😴", object(), 12345, "x" * 200, "1" * 14, "1" * 16, "ABCDEFGHIJKLMNO", "18505780060843"]


@pytest.mark.parametrize("junk", JUNK)
def test_junk_is_refused_cleanly(junk: object) -> None:
    assert ids.is_valid_nir(junk) is False
    assert ids.is_valid_billing_number(junk) is False
    assert ids.is_valid_rpps(junk) is False
    with pytest.raises(ValidationError) as err:
        ids.validate_nir(junk)
    assert err.value.field == "nir" and "NIR" in err.value.message


@pytest.mark.parametrize("number", ["991000696", "99 1 14560 8", "999103310"])
def test_manual_prescriber_numbers_check(number: str) -> None:
    assert ids.validate_billing_number(number).value == number.replace(" ", "")


def test_substitute_card_number_with_bad_key_is_a_warning_on_card_an_error_typed() -> None:
    checked = ids.validate_billing_number("99700557 8", from_card=True)
    assert checked.value == "997005578" and checked.warnings
    with pytest.raises(ValidationError) as err:
        ids.validate_billing_number("997005578")
    assert err.value.code == "billing_number_key" and "clé" in err.value.message


def test_rpps() -> None:
    assert ids.is_valid_rpps("99700557897") and ids.is_valid_rpps("00991000696")
    assert not ids.is_valid_rpps("99700557898")


def test_nir_key_and_corsica() -> None:
    first = "2850578006084"
    good = first + ids.nir_key(first)
    assert ids.validate_nir(good).value == good
    with pytest.raises(ValidationError) as err:
        ids.validate_nir(first + "00" if ids.nir_key(first) != "00" else first + "01")
    assert err.value.code == "nir_key"
    corsica = "185022A000001"
    assert ids.is_valid_nir(corsica + ids.nir_key(corsica))


def test_card_nir_with_bad_key_is_kept_with_a_warning() -> None:
    checked = ids.validate_nir("185057800608400", from_card=True)
    assert checked.warnings


@given(st.from_regex(r"[12][0-9]{2}(0[1-9]|1[0-2])[0-9]{8}", fullmatch=True))
def test_computed_key_always_validates(first13: str) -> None:
    assert ids.is_valid_nir(first13 + ids.nir_key(first13))


@given(st.text(max_size=20))
def test_is_valid_never_raises(text: str) -> None:
    ids.is_valid_nir(text)
    ids.is_valid_billing_number(text)
    ids.is_valid_rpps(text)


def test_amo_organism() -> None:
    assert ids.validate_amo_organism("01", "349", "9881") == ("01", "349", "9881")
    with pytest.raises(ValidationError) as err:
        ids.validate_amo_organism("01", "", "9881")
    assert err.value.field == "caisse"
    with pytest.raises(ValidationError):
        ids.validate_amo_organism("1", "349", "9881")


def test_one_ccam_code_pattern() -> None:
    assert ids.is_ccam_code("AFLB001") and ids.is_ccam_code("YYYY010")
    assert not any(ids.is_ccam_code(c) for c in ("aflb001", "AFLB01", "AFLB0011", " AFLB001", "AMI", None, 7))

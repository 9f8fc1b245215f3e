from __future__ import annotations

from decimal import Decimal

import pytest

from feuille.domain import favourites as df
from feuille.errors import ValidationError

JUNK = [None, "", " ", "😴", object(), 12345, "x" * 200, True, ["a"], "\x00"]


@pytest.mark.parametrize("junk", JUNK)
def test_junk_is_refused_cleanly(junk: object) -> None:
    with pytest.raises(ValidationError) as err:
        df.parse_act_code(junk, "acts[1].code")
    assert err.value.field == "acts[1].code" and "Code de l'acte" in err.value.message
    if junk != 12345:
        with pytest.raises(ValidationError) as err:
            df.parse_label(junk)
        assert err.value.field == "label"
    with pytest.raises(ValidationError):
        df.validate_acts(junk)
    for key in ("quantity", "coefficient", "price", "qualifier", "indemnity"):
        if junk in (None, "", " ") and key in ("price", "qualifier", "indemnity"):
            continue  # optional: empty means none
        if junk == 12345 and key == "price":
            continue  # 12 345,00 € is a price
        with pytest.raises(ValidationError) as err:
            df.validate_act({"code": "AMI", key: junk}, 2)
        assert err.value.field is not None and err.value.field.startswith("acts[2].")


@pytest.mark.parametrize("code", ["C", "G", "GS", "AMI", "IFD", "APC", "COE", "AMK", "SF", "AFLB001", "M03", "2200001"])
def test_act_codes(code: str) -> None:
    assert df.parse_act_code(code.lower()) == code


@pytest.mark.parametrize("code", ["AFLB01", "AFLB0011", "A-I", "1AMI", "ABCDEF", "12345678"])
def test_bad_act_codes(code: str) -> None:
    with pytest.raises(ValidationError):
        df.parse_act_code(code)


def test_act_with_everything() -> None:
    act = df.validate_act({"code": "ami", "quantity": "2", "coefficient": "1,5", "price": "4,73", "qualifier": "N",
                           "indemnity": "ik", "distance_km": "12.5"})
    assert act == df.FavouriteAct("AMI", 2, Decimal("1.50"), Decimal("4.73"), df.ExpenseQualifier.NON_REMBOURSABLE,
                                  "IK", Decimal("12.50"))
    plain = df.validate_act({"code": "C", "qualifier": "Aucun", "indemnity": "SANS"})
    assert plain == df.FavouriteAct("C", 1, Decimal("1.00"))


def test_indemnities() -> None:
    with pytest.raises(ValidationError) as err:
        df.validate_act({"code": "AMI", "indemnity": "IK"})
    assert err.value.field == "acts[1].distance_km"
    with pytest.raises(ValidationError) as err:
        df.validate_act({"code": "AMI", "distance_km": "3"})
    assert err.value.code == "distance_without_ik"
    with pytest.raises(ValidationError) as err:
        df.validate_act({"code": "AMI", "indemnity": "XYZ"})
    assert err.value.field == "acts[1].indemnity"
    assert df.validate_act({"code": "G", "indemnity": "MD"}).indemnity == "MD"


def test_numbers_out_of_range() -> None:
    for bad in ({"quantity": "0"}, {"quantity": "100"}, {"coefficient": "0"}, {"coefficient": "-1"},
                {"coefficient": "1.234"}, {"coefficient": "NaN"}, {"price": "-2"}, {"price": "1.234"},
                {"price": "100000"}, {"qualifier": "Z"}):
        with pytest.raises(ValidationError):
            df.validate_act({"code": "AMI", **bad})


def test_acts_list_limits() -> None:
    with pytest.raises(ValidationError) as err:
        df.validate_acts([])
    assert err.value.field == "acts"
    with pytest.raises(ValidationError):
        df.validate_acts([{"code": "C"}] * (df.MAX_ACTS + 1))
    with pytest.raises(ValidationError) as err:
        df.validate_acts([{"code": "C"}, "AMI"])
    assert err.value.field == "acts[2]"


def test_act_specs() -> None:
    assert df.parse_act_spec("AMI") == {"code": "AMI"}
    assert df.parse_act_spec("code=AMI, qte=2, coef=1.5, prix=4.73, qualif=N, indemnite=IK, km=3") == {
        "code": "AMI", "quantity": "2", "coefficient": "1.5", "price": "4.73", "qualifier": "N", "indemnity": "IK",
        "distance_km": "3"}
    for bad in ("", "code=AMI,couleur=bleu", "AMI,2", None):
        with pytest.raises(ValidationError):
            df.parse_act_spec(bad, 3)


def test_labels() -> None:
    assert df.parse_label("  Injection   à domicile ") == "Injection à domicile"
    with pytest.raises(ValidationError):
        df.parse_label("x" * 81)

"""The organism names offered when an AMO organism is added (SNDS table shipped with feuille)."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from feuille.nomenclature.amo_names import FILE, suggested_name


def test_known_centre_and_caisse_fallback() -> None:
    assert suggested_name("01", "751", "0000") == "CPAM DE PARIS"
    assert suggested_name("02", "751", "0000") == "MSA PARIS"
    assert suggested_name("01", "751", "1234") == "CPAM DE PARIS"  # unknown centre: its caisse
    assert suggested_name(" 01", "011", "0000 ") == "CPAM DE BOURG EN BRESSE"


@pytest.mark.parametrize("codes", [("01", "349", "9881"), ("99", "999", "9999"), ("00", "000", "0000"),
                                   (None, "751", "0000"), ("😴", "", ""), (1, 751, 0)])
def test_unknown_or_junk_codes_offer_nothing(codes: tuple[object, object, object]) -> None:
    assert suggested_name(*codes) is None


def test_the_file_names_its_source() -> None:
    document = json.loads(resources.files("feuille.nomenclature").joinpath("data", FILE).read_text("utf-8"))
    assert document["source"]["url"].startswith("https://github.com/indsante/schema-snds/")
    assert all(len(code) == 11 and name for code, name in document["organisms"].items())

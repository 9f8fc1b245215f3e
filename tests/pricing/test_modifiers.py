"""CCAM modifiers priced from the listing's chapter 19.03 (v78): amounts by specialty, percentages, refusals."""

from __future__ import annotations

from typing import Any

import pytest

from feuille.errors import ValidationError
from tests.pricing.support import doc, run

ACT = {"code": "AFLB001", "unit_price": "50.56"}


def _total(modifier: str, professional: dict[str, Any]) -> str:
    result = run(doc(professional=professional, acts=[{**ACT, "modifiers": [modifier]}]))
    return str(result["lines"][0]["total"])


@pytest.mark.parametrize(("modifier", "professional", "total"), [
    ("F", {"specialty": "01"}, "69.62"),  # 19.06 €: general practitioner on a Sunday
    ("F", {"specialty": "04"}, "90.56"),  # 40 €: surgeon
    ("F", {"specialty": "07"}, "90.56"),  # 40 €: obstetric gynaecologist
    ("F", {"specialty": "02"}, "90.56"),  # 40 €: anaesthetist
    ("F", {"specialty": "12"}, "90.56"),  # 40 €: paediatrician
    ("F", {"specialty": "03"}, "69.62"),  # 19.06 €: any other specialty
    ("F", {"profession": "sage_femme", "specialty": None}, "69.62"),
    ("P", {"specialty": "01"}, "85.56"),  # 35 €: GP, 20 h - 0 h
    ("P", {"specialty": "12"}, "100.56"),  # 50 €: paediatrician, 20 h - 0 h
    ("S", {"specialty": "01"}, "90.56"),  # 40 €: GP, 0 h - 8 h
    ("S", {"specialty": "41"}, "130.56"),  # 80 €: orthopaedic surgeon, 0 h - 8 h
    ("U", {"specialty": "03"}, "75.71"),  # 25.15 €: other specialties at night
    ("U", {"specialty": "11"}, "100.56"),  # 50 €: ENT, 20 h - 0 h
    ("M", {"specialty": "01"}, "77.44"),  # 26.88 €
    ("O", {"specialty": "15"}, "130.56"),  # 80 €: ophthalmologist
    ("A", {"specialty": None}, "73.56"),  # 23 €: anyone
    ("E", {"specialty": None}, "75.33"),  # + 49 %
    ("J", {"specialty": "04"}, "53.85"),  # + 6.5 %
    ("Z", {"specialty": "06"}, "58.60"),  # + 15.9 %: radiologist
    ("3", {"specialty": "02", "sector": 1}, "56.63"),  # + 12 %: anaesthetist in sector 1
])
def test_modifier_values_by_specialty(modifier: str, professional: dict[str, Any], total: str) -> None:
    assert _total(modifier, professional) == total


def test_the_trace_names_the_line_of_the_listing() -> None:
    result = run(doc(acts=[{**ACT, "modifiers": ["F"]}]))
    assert any("modificateur F + 19,06 (CCAM ligne 32820)" in t for t in result["trace"])


@pytest.mark.parametrize(("modifier", "professional", "words"), [
    ("P", {"specialty": "03"}, "ne s'applique pas à ce professionnel (médecin, spécialité 03)"),
    ("F", {"specialty": None}, "dépend de la spécialité du médecin"),
    ("9", {"profession": "chirurgien_dentiste", "specialty": None}, "ne dit pas s'il s'agit d'euros"),
    ("T", {"specialty": "07"}, "OPTAM"),
    ("3", {"specialty": "02", "sector": 2}, "OPTAM"),
    ("K", {"specialty": "07", "sector": 2}, "qu'en secteur 1"),
    ("X", {"specialty": "01"}, "n'existe pas"),
    ("Z", {"specialty": "13"}, "ne s'applique pas"),
])
def test_unknown_combinations_are_refused(modifier: str, professional: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _total(modifier, professional)
    assert caught.value.code == "modifier_refused"
    assert caught.value.field == "acts[0].modifiers"
    assert words in caught.value.message

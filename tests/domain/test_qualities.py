"""Qualité du bénéficiaire: the labels of the Vitale codes (issue 9, item 8)."""

from __future__ import annotations

import pytest

from feuille.domain.patients import QUALITIES, validate_patient
from feuille.errors import ValidationError


def test_quality_labels() -> None:
    assert QUALITIES["1"] == "Ascendant, descendant, collatéraux ascendants"
    assert set(QUALITIES) == {str(n) for n in range(10)}


@pytest.mark.parametrize("bad", ["10", "A", "😴", "-1"])
def test_unknown_quality_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        validate_patient({"last_name": "Martin", "first_name": "Anne", "birth_date": "20/01/1980",
                          "quality": bad})


def test_every_listed_quality_is_accepted() -> None:
    for code in QUALITIES:
        record = validate_patient({"last_name": "Martin", "first_name": "Anne", "birth_date": "20/01/1980",
                                   "quality": code})
        assert record.quality == code

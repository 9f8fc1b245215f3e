"""The search box's service: a name, the first digits of the insured's NIR, or a birth date."""

from __future__ import annotations

import pytest

from feuille.auth import Context
from feuille.errors import ValidationError
from feuille.practice import patients
from feuille.practice.patient_search import find_patients, search_kind


def _add(ctx: Context, last: str, first: str, born: str, nir: str | None = None) -> int:
    data: dict[str, object] = {"last_name": last, "first_name": first, "birth_date": born}
    if nir:
        data["insured_nir"] = nir
    return patients.create_patient(ctx, data).id


def test_the_box_reads_a_date_a_nir_or_a_name() -> None:
    assert search_kind("01/03/1969") == "naissance"
    assert search_kind("1 6903 66") == "nir"
    assert search_kind("1690") == "nom"       # too few digits: could be anything
    assert search_kind("dupont") == "nom" and search_kind("") == "nom" and search_kind(None) == "nom"


def test_by_nir_prefix_birth_date_and_name(ctx: Context) -> None:
    a = _add(ctx, "RDTBUT", "Adu A", "01/03/1969", "169036600040952")
    b = _add(ctx, "BERNARD", "Zoé", "01/03/1969")
    c = _add(ctx, "ESSAI", "Alain", "01/01/1942", "142196296516596")
    assert [p.id for p in find_patients(ctx, "1 69036")] == [a]
    assert [p.id for p in find_patients(ctx, "14219 6296516596")] == [c]
    assert find_patients(ctx, "2999999") == []
    assert [p.id for p in find_patients(ctx, "01/03/1969")] == [b, a]          # by name
    assert [p.id for p in find_patients(ctx, "1/3/1969", order="desc")] == [a, b]
    assert [p.id for p in find_patients(ctx, "ess")] == [c]
    assert find_patients(ctx, "01/03/1969", limit=1)[0].birth_date == "01/03/1969"


def test_refuses_a_bad_order_or_limit(ctx: Context) -> None:
    with pytest.raises(ValidationError):
        find_patients(ctx, "01/03/1969", order="haut")
    with pytest.raises(ValidationError):
        find_patients(ctx, "169036", limit=0)

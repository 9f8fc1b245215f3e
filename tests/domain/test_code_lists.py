"""Code lists kept in two places until they have one home: they must agree, code for code."""

from __future__ import annotations

from feuille.domain import favourites, patients
from feuille.nomenclature.rates import default_rates


def test_exoneration_codes_of_the_patient_record_are_those_of_the_rate_table() -> None:
    # domain/patients.EXONERATIONS (labels of the patient record) and rates.json "exonerations" (rates,
    # source named in the file): the domain sits under the nomenclature and cannot read it.
    assert list(patients.EXONERATIONS) == list(default_rates().exonerations)


def test_expense_qualifiers_of_favourites_are_those_of_the_rate_table() -> None:
    assert {q.value for q in favourites.ExpenseQualifier} == set(default_rates().qualifiers)

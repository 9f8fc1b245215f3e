"""The rate table (rates.json): the DOMAIN.md rates, and a loader that refuses bad data."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from feuille.nomenclature.ngap import TableError, load_document
from feuille.nomenclature.rates import RateTable, default_rates


def test_domain_rates() -> None:
    rates = default_rates()
    assert {p: rates.professions[p].rate for p in rates.professions} == {
        "medecin": 70, "sage_femme": 70, "chirurgien_dentiste": 70, "infirmier": 60, "kinesitherapeute": 60,
        "opticien": 60}
    assert rates.regime_local.rate == 90
    assert rates.hors_parcours_rate == 30 and rates.hors_parcours_letters == {"S"}
    assert {c for c, e in rates.exonerations.items() if e.rate == 100} >= {"3", "4", "5", "7", "9"}
    assert rates.exonerations["0"].rate is None
    assert rates.natures["maternite"].rate == 100 and rates.natures["at"].rate == 100
    assert rates.services_amo["C2S"].rate is None  # not an AMO rate: a complementary, contract type 89
    assert (rates.services_amo["C2S"].contract_type, rates.services_amo["C2S"].formula) == ("89", "052")
    assert rates.associations == {"1": 100, "2": 50, "3": 75, "4": 100, "5": 100}
    assert set(rates.amc_formulas) == {"012", "020", "021", "029", "02A", "050", "052"}
    assert rates.natures["maternite"].requires == ("maternity_date",)
    assert set(rates.parcours) == set("TNRUHOMDAS")


def _rates() -> dict[str, Any]:
    return copy.deepcopy(load_document("rates.json"))


@pytest.mark.parametrize("breakage", [
    lambda d: d["precedence"].pop(),
    lambda d: d["precedence"].append("manual"),
    lambda d: d["professions"].pop("opticien"),
    lambda d: d["professions"]["medecin"].update(rate=170),
    lambda d: d["professions"]["medecin"].update(rate="70"),
    lambda d: d["natures"]["maladie"].pop("label"),
    lambda d: d["amc_formulas"]["012"].update(of="XX"),
    lambda d: d["flat_participation"]["periods"][0].update(amount="abc"),
    lambda d: d["flat_participation"]["periods"][0].update(source=""),
    lambda d: d["flat_participation"]["periods"][-1].update(to="2030-01-01"),
    lambda d: d["flat_participation"]["periods"][0].update({"from": "24/02/2011"}),
    lambda d: d["flat_participation"].update(periods=[]),
    lambda d: d["flat_participation"].pop("before_first_period"),
    lambda d: d["flat_participation"].update(replaces=["nobody"]),
    lambda d: d.update(exonerations=[]),
    lambda d: d["hors_parcours"].update(rate=None),
    lambda d: d.update(sectors="1"),
])
def test_loader_refuses_bad_tables(breakage: Any) -> None:
    document = _rates()
    breakage(document)
    with pytest.raises(TableError):
        RateTable.from_document(document)

"""Issue 9 in the engine: the 24 € flat participation, the C2S as a complementary, the exonerations refused.

Cases from ameli.fr, "Le forfait à 24 euros": photocoagulation at 125.40 €, several acts of one consultation
added up, and the people exempted (their line is at 100 %: no ticket modérateur to replace).
"""

from __future__ import annotations

from typing import Any

import pytest

from feuille.errors import ValidationError
from feuille.nomenclature.rates import default_rates
from tests.pricing.support import doc, parts, run

PHOTOCOAGULATION = {"code": "BGLA001", "unit_price": "125.40"}  # ameli's example: 125,40 €


def _lines(result: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    return parts(result)


def test_photocoagulation_leaves_24_euros_to_the_patient() -> None:
    result = run(doc(acts=[PHOTOCOAGULATION]))
    assert _lines(result) == [("BGLA001", "125.40", "101.40", "0.00", "24.00")]
    line = result["lines"][0]
    assert (line["rate"], line["exoneration"], line["participation"]) == (100, "1", "24.00")
    assert any(t.startswith("participation forfaitaire du 01/01/2025 : actes 125.40 €") for t in result["trace"])


def test_a_ccam_act_at_150_euros_is_no_longer_split_70_30() -> None:
    result = run(doc(acts=[{"code": "ZZZZ001", "unit_price": "150.00"}]))
    assert _lines(result) == [("ZZZZ001", "150.00", "126.00", "0.00", "24.00")]


def test_below_the_threshold_the_ticket_moderateur_stays() -> None:
    result = run(doc(acts=[{"code": "ZZZZ001", "unit_price": "119.99"}]))
    assert _lines(result) == [("ZZZZ001", "119.99", "83.99", "0.00", "36.00")]
    assert "exoneration" not in result["lines"][0]


def test_acts_of_one_consultation_are_added_up_and_the_24_euros_left_once() -> None:
    result = run(doc(acts=[{"code": "ZZZZ001", "unit_price": "80.00"}, {"code": "ZZZZ002", "unit_price": "50.00"},
                           {"code": "G"}]))
    assert _lines(result) == [("ZZZZ001", "80.00", "56.00", "0.00", "24.00"),
                              ("ZZZZ002", "50.00", "50.00", "0.00", "0.00"), ("G", "30.00", "30.00", "0.00", "0.00")]
    assert [line["participation"] for line in result["lines"]] == ["24.00", "0.00", "0.00"]
    assert result["totals"]["patient"] == "24.00"


def test_acts_of_two_dates_are_two_consultations() -> None:
    result = run(doc(acts=[{"code": "ZZZZ001", "unit_price": "80.00"},
                           {"code": "ZZZZ002", "unit_price": "50.00", "date": "2025-01-02"}]))
    assert [line["rate"] for line in result["lines"]] == [70, 70]


def test_a_coefficient_of_60_reaches_the_threshold() -> None:
    result = run(doc(acts=[{"code": "K", "unit_price": "1.92", "coefficient": 60}]))
    assert _lines(result) == [("K", "115.20", "91.20", "0.00", "24.00")]


def test_the_complementary_pays_what_the_amo_leaves_under_the_flat_participation() -> None:
    result = run(doc(amc={"formula": "052"}, acts=[PHOTOCOAGULATION]))
    assert _lines(result) == [("BGLA001", "125.40", "101.40", "24.00", "0.00")]


@pytest.mark.parametrize(("coverage", "amo", "patient"), [
    ({"exoneration": "4", "ald_related": True}, "125.40", "0.00"),  # ALD-related care
    ({"nature": "maternite", "maternity_date": "2024-10-17"}, "125.40", "0.00"),  # maternity
    ({"nature": "at", "accident_date": "2024-12-01"}, "125.40", "0.00"),  # work accident
    ({"exoneration": "5"}, "125.40", "0.00"),  # invalidity pension, AT rent ≥ 66,66 %
    ({"exoneration": "3"}, "125.40", "0.00"),  # newborns (soins particuliers exonérés)
    ({"exoneration": "9"}, "125.40", "0.00"),  # FSV / ASPA
    ({"regime_local": True}, "125.40", "0.00"),  # Alsace-Moselle: the local regime pays it
    ({"rate": 70}, "87.78", "37.62"),  # a rate chosen by hand overrides every rule
])
def test_exemptions(coverage: dict[str, Any], amo: str, patient: str) -> None:
    result = run(doc(coverage=coverage, acts=[PHOTOCOAGULATION]))
    line = result["lines"][0]
    assert (line["amo"], line["patient"]) == (amo, patient)
    assert line.get("participation") in (None, "0.00")


def test_c2s_pays_the_flat_participation_as_the_complementary() -> None:
    result = run(doc(coverage={"service_amo": "C2S"}, acts=[PHOTOCOAGULATION]))
    assert _lines(result) == [("BGLA001", "125.40", "101.40", "24.00", "0.00")]
    assert result["amc_contract_type"] == "89"


def test_an_act_declared_under_exoneration_1_takes_the_flat_participation() -> None:
    result = run(doc(acts=[{"code": "ZZZZ001", "unit_price": "100.00", "exoneration": "1"}]))
    assert _lines(result) == [("ZZZZ001", "100.00", "76.00", "0.00", "24.00")]


def test_out_of_the_care_pathway_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ValidationError) as caught:
        run(doc(coverage={"parcours": "S"}, acts=[PHOTOCOAGULATION]))
    assert caught.value.code == "flat_participation_unsupported"
    assert "coverage.rate" in caught.value.message


def test_the_flat_participation_is_sourced_in_the_table() -> None:
    rule = default_rates().flat_participation
    assert (str(rule.amount), str(rule.tariff_threshold), rule.coefficient_threshold, rule.exoneration) == \
        ("24.00", "120.00", 60, "1")


# --- C2S --------------------------------------------------------------------------------------------------

def test_c2s_a_g_gives_amo_70_percent_and_the_rest_to_the_c2s() -> None:
    result = run(doc(coverage={"service_amo": "C2S"}, acts=[{"code": "G"}]))
    assert _lines(result) == [("G", "30.00", "21.00", "9.00", "0.00")]
    assert result["amc_contract_type"] == "89"
    assert "complémentaire : complémentaire santé solidaire (C2S), contrat type 89, formule 052" in result["trace"]


def test_c2s_with_a_contract_given_uses_that_contract() -> None:
    result = run(doc(coverage={"service_amo": "C2S"}, amc={"formula": "021", "percent": "50"}, acts=[{"code": "G"}]))
    assert _lines(result) == [("G", "30.00", "21.00", "9.00", "0.00")]  # min(DR − MRO 9.00 ; 50 % TR 15.00)
    assert result["amc_contract_type"] == "89"


def test_without_c2s_there_is_no_contract_type() -> None:
    assert "amc_contract_type" not in run(doc(acts=[{"code": "G"}]))


# --- exonerations -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["coverage", "act"])
def test_exoneration_2_is_reserved_to_establishments(where: str) -> None:
    document = doc(coverage={"exoneration": "2"}) if where == "coverage" else \
        doc(acts=[{"code": "C", "exoneration": "2"}])
    with pytest.raises(ValidationError) as caught:
        run(document)
    assert caught.value.code == "exoneration_refused"
    assert caught.value.field == ("coverage.exoneration" if where == "coverage" else "acts[0].exoneration")
    assert "réservée aux établissements de santé" in caught.value.message


def test_exoneration_6_needs_the_rate_by_hand() -> None:
    with pytest.raises(ValidationError) as caught:
        run(doc(coverage={"exoneration": "6"}))
    assert "coverage.rate" in caught.value.message
    assert run(doc(coverage={"exoneration": "6", "rate": 100}))["lines"][0]["amo"] == "23.00"


def test_every_exoneration_is_sourced_or_refused() -> None:
    import json
    from importlib.resources import files
    raw = json.loads(files("feuille.nomenclature").joinpath("data/rates.json").read_text(encoding="utf-8"))
    assert "verify" not in json.dumps(raw)
    for code, entry in raw["exonerations"].items():
        assert entry.get("source"), code
    assert raw["participation_forfaitaire"]["amount"] == "2.00"
    assert raw["participation_forfaitaire"]["deducted_from_fse"] is False

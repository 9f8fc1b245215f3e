"""The pricing rules of DOMAIN.md, one at a time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from feuille.errors import ValidationError
from feuille.nomenclature.tariffs import CcamTariff
from feuille.pricing import price, read_invoice, result_to_json
from tests.pricing.support import doc, parts, run


def line0(result: dict[str, Any]) -> dict[str, Any]:
    line: dict[str, Any] = result["lines"][0]
    return line


# --- AMO rate -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("coverage", "profession", "rate", "amo"), [
    ({}, "medecin", 70, "16.10"),
    ({"regime_local": True}, "medecin", 90, "20.70"),
    ({"parcours": "S"}, "medecin", 30, "6.90"),
    ({"parcours": "S", "exoneration": "4", "ald_related": True}, "medecin", 100, "23.00"),
    ({"exoneration": "5"}, "medecin", 100, "23.00"),
    ({"exoneration": "3"}, "medecin", 100, "23.00"),
    ({"exoneration": "7"}, "medecin", 100, "23.00"),
    ({"exoneration": "9"}, "medecin", 100, "23.00"),
    ({"exoneration": "6", "rate": 70}, "medecin", 70, "16.10"),
    ({"exoneration": "4", "ald_related": True}, "medecin", 100, "23.00"),
    ({"exoneration": "4", "ald_related": None}, "medecin", 100, "23.00"),
    ({"exoneration": "4", "ald_related": False}, "medecin", 70, "16.10"),
    ({"exoneration": "0", "ald_related": True}, "medecin", 100, "23.00"),
    ({"nature": "maternite", "maternity_date": "2024-10-17"}, "medecin", 100, "23.00"),
    ({"nature": "at", "accident_date": "2024-12-01"}, "medecin", 100, "23.00"),
    ({"nature": "prevention"}, "medecin", 100, "23.00"),
    ({"nature": "smg", "smg_amount": "200"}, "medecin", 100, "23.00"),
    ({"service_amo": "C2S"}, "medecin", 70, "16.10"),
    ({"rate": 80, "exoneration": "5"}, "medecin", 80, "18.40"),
    ({"rate": 0}, "medecin", 0, "0.00"),
])
def test_rate_rules(coverage: dict[str, Any], profession: str, rate: int, amo: str) -> None:
    result = run(doc(coverage=coverage, acts=[{"code": "X1", "unit_price": "23.00"}],
                     professional={"profession": profession}))
    assert (line0(result)["rate"], line0(result)["amo"]) == (rate, amo)


def test_hors_parcours_does_not_touch_a_nurse() -> None:
    result = run(doc(professional={"profession": "infirmier"}, coverage={"parcours": "S"},
                     acts=[{"code": "AMI", "coefficient": 2}]))
    assert (line0(result)["total"], line0(result)["rate"], line0(result)["amo"]) == ("6.30", 60, "3.78")


def test_per_act_exoneration() -> None:
    result = run(doc(acts=[{"code": "C", "exoneration": "5"}, {"code": "C"}]))
    assert [line["rate"] for line in result["lines"]] == [100, 70]
    assert any("exonération 5" in t for t in result["trace"])


def test_alsace_moselle_trace_names_the_regime() -> None:
    result = run(doc(coverage={"regime_local": True}))
    assert "C 23,00 × 90 % = 20,70 : médecin, maladie, pas d'exonération, parcours T, régime local Alsace-Moselle" \
        in result["trace"]


# --- fees: tables, coefficient, CCAM ------------------------------------------------------------

def test_coefficient_and_quantity_multiply_the_unit_tariff() -> None:
    result = run(doc(professional={"profession": "kinesitherapeute"}, coverage={"parcours": None},
                     date="2024-03-01", acts=[{"code": "AMK", "coefficient": "7.5", "quantity": 2}]))
    assert (line0(result)["total"], line0(result)["amo"]) == ("33.15", "19.89")


def test_physiotherapy_tariff_before_22_february_2024() -> None:
    result = run(doc(professional={"profession": "kinesitherapeute"}, date="2024-02-21",
                     acts=[{"code": "AMK", "coefficient": 10}]))
    assert line0(result)["total"] == "21.50"


def test_ik_depends_on_the_profession() -> None:
    doctor = run(doc(acts=[{"code": "V"}, {"code": "IK", "quantity": 10}]))
    nurse = run(doc(professional={"profession": "infirmier"}, acts=[{"code": "AMI"}, {"code": "IK", "quantity": 10}]))
    assert doctor["lines"][1]["total"] == "6.10"
    assert nurse["lines"][1]["total"] == "3.50"


def test_cox_tariffs_by_date() -> None:
    assert line0(run(doc(acts=[{"code": "COE"}])))["total"] == "54.00"
    assert line0(run(doc(date="2025-07-01", acts=[{"code": "COE"}])))["total"] == "60.00"


def test_midwife_tariff_2025() -> None:
    result = run(doc(professional={"profession": "sage_femme"}, acts=[{"code": "SF", "coefficient": 10}]))
    assert (line0(result)["total"], line0(result)["rate"]) == ("32.00", 70)


def test_unit_price_given_wins_over_the_table() -> None:
    result = run(doc(acts=[{"code": "C", "unit_price": "25.00"}]))
    assert (line0(result)["total"], line0(result)["base"]) == ("25.00", "25.00")


@pytest.mark.parametrize(("association", "total"), [("1", "50.56"), ("2", "25.28"), ("3", "37.92"),
                                                     ("4", "50.56"), ("5", "50.56")])
def test_ccam_association_codes(association: str, total: str) -> None:
    result = run(doc(acts=[{"code": "AFLB001", "unit_price": "50.56", "association": association}]))
    assert (line0(result)["total"], line0(result)["base"]) == (total, total)


def test_ccam_modifier_and_supplement_are_added() -> None:
    result = run(doc(acts=[{"code": "AFLB001", "unit_price": "50.56", "modifiers": ["F"], "supplement": "5.00"}]))
    assert line0(result)["total"] == "74.62"


def test_ccam_modifier_feuille_cannot_value_is_refused_unless_the_total_is_typed() -> None:
    with pytest.raises(ValidationError) as caught:
        run(doc(acts=[{"code": "AFLB001", "unit_price": "50.56", "modifiers": ["T"]}]))
    assert caught.value.code == "modifier_refused"
    result = run(doc(acts=[{"code": "AFLB001", "unit_price": "50.56", "modifiers": ["T"], "total": "60.00"}]))
    assert line0(result)["total"] == "60.00"
    assert any("modificateur T" in w for w in result["warnings"])


class FakeCcam:
    def __init__(self) -> None:
        self.calls: list[tuple[str, date, str, str, int]] = []

    def ccam_tariff(self, code: str, on: date, activity: str = "1", phase: str = "0",
                    sector: int = 1) -> CcamTariff | None:
        self.calls.append((code, on, activity, phase, sector))
        if code == "AFLB001":
            return CcamTariff(code, "inj. péridurale sang autologue", activity, phase, Decimal("50.56"))
        if code == "ZZZZ999":
            return CcamTariff(code, "non pris en charge", activity, phase, None)
        return None


def test_ccam_tariff_comes_from_the_port() -> None:
    ccam = FakeCcam()
    invoice = read_invoice(doc(professional={"sector": 2}, acts=[{"code": "AFLB001", "activity": "4"}]))
    result = result_to_json(price(invoice, ccam=ccam))
    assert line0(result)["total"] == "50.56"
    assert ccam.calls == [("AFLB001", date(2025, 1, 1), "4", "0", 2)]


def test_ccam_port_not_asked_when_the_price_is_given() -> None:
    ccam = FakeCcam()
    price(read_invoice(doc(acts=[{"code": "AFLB001", "unit_price": "50.56"}])), ccam=ccam)
    assert ccam.calls == []


# --- qualifiers, manual totals ------------------------------------------------------------------

def test_qualifier_n_reimburses_nothing_even_with_a_dr_formula() -> None:
    result = run(doc(amc={"formula": "012", "percent": 100}, acts=[{"code": "C", "qualifier": "N"}]))
    assert parts(result) == [("C", "23.00", "0.00", "0.00", "23.00")]
    assert line0(result)["base"] == "0.00"


def test_qualifier_g_is_free() -> None:
    result = run(doc(acts=[{"code": "C", "qualifier": "G"}]))
    assert parts(result) == [("C", "0.00", "0.00", "0.00", "0.00")]


def test_manual_total_with_overrun_keeps_the_base() -> None:
    result = run(doc(professional={"sector": 2}, amc={"formula": "052"},
                     acts=[{"code": "C", "total": "50.00", "qualifier": "A"}]))
    assert (line0(result)["base"], line0(result)["amo"], line0(result)["amc"], line0(result)["patient"]) == \
        ("23.00", "16.10", "6.90", "27.00")
    assert result["warnings"] == []


def test_overrun_in_sector_1_without_qualifier_is_flagged() -> None:
    result = run(doc(acts=[{"code": "C", "total": "30.00"}]))
    assert any("dépassement" in w for w in result["warnings"])


def test_manual_total_below_the_base_lowers_the_base() -> None:
    result = run(doc(acts=[{"code": "C", "total": "20.00"}]))
    assert (line0(result)["base"], line0(result)["amo"]) == ("20.00", "14.00")


# --- AMC ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("formula", "percent", "amc"), [
    ("012", 150, "33.90"), ("012", 50, "25.00"), ("020", None, "23.00"), ("021", 150, "33.90"),
    ("021", 100, "23.00"), ("029", None, "6.90"), ("02A", 150, "18.40"), ("02A", 50, "0.00"),
    ("050", 50, "3.45"), ("052", None, "6.90"), ("02a", "62.5", "0.00"), ("050", "0", "0.00"),
])
def test_the_seven_amc_formulas(formula: str, percent: object, amc: str) -> None:
    result = run(doc(professional={"sector": 2}, amc={"formula": formula, "percent": percent},
                     acts=[{"code": "C", "total": "50.00", "qualifier": "A"}]))
    assert line0(result)["amc"] == amc
    assert Decimal(line0(result)["patient"]) >= 0


def test_no_amc_means_zero() -> None:
    assert line0(run(doc(amc=None)))["amc"] == "0.00"


def test_fixed_amount_is_capped_at_what_the_amo_leaves() -> None:
    result = run(doc(amc={"amount": "100.00"}))
    assert parts(result) == [("C", "23.00", "16.10", "6.90", "0.00")]
    assert any("ramené" in w for w in result["warnings"])


def test_fixed_amount_skips_non_reimbursable_lines() -> None:
    result = run(doc(amc={"amount": "10.00"}, acts=[{"code": "C"}, {"code": "C", "qualifier": "N"}]))
    assert [line["amc"] for line in result["lines"]] == ["6.90", "0.00"]


def test_tiers_payant_amo_and_amc() -> None:
    result = run(doc(amc={"formula": "052"}, tiers_payant={"amo": True, "amc": True}))
    assert (result["totals"]["due_by_amo"], result["totals"]["due_by_amc"], result["totals"]["due_by_patient"]) \
        == ("16.10", "6.90", "0.00")


# --- grouping, overrides ------------------------------------------------------------------------

def test_identical_acts_grouped_when_asked() -> None:
    acts = [{"code": "AMI", "coefficient": 1}, {"code": "AMI", "coefficient": 1}, {"code": "AMI", "coefficient": 2}]
    nurse = {"profession": "infirmier"}
    grouped = run(doc(professional=nurse, acts=acts, group_identical=True))
    assert [(line["code"], line["total"]) for line in grouped["lines"]] == [("AMI", "6.30"), ("AMI", "6.30")]
    assert any("regroupés" in t for t in grouped["trace"])
    assert len(run(doc(professional=nurse, acts=acts))["lines"]) == 3


def test_override_amc_alone() -> None:
    result = run(doc(amc={"formula": "052"}, overrides=[{"line": 0, "amc": "2.00"}]))
    assert parts(result) == [("C", "23.00", "16.10", "2.00", "4.90")]


def test_majoration_alone_is_flagged() -> None:
    result = run(doc(acts=[{"code": "MD"}]))
    assert any("majoration" in w for w in result["warnings"])


def test_unknown_key_is_ignored_with_a_warning() -> None:
    result = run(doc(acts=[{"code": "C", "unit_prix": "30"}]))
    assert "champ inconnu ignoré : acts[0].unit_prix" in result["warnings"]


def test_acts_with_a_manual_total_are_never_grouped() -> None:
    acts = [{"code": "C", "total": "30.00", "qualifier": "A"}, {"code": "C", "total": "30.00", "qualifier": "A"}]
    result = run(doc(professional={"sector": 2}, acts=acts, group_identical=True))
    assert len(result["lines"]) == 2


def test_each_reading_warns_about_unknown_keys() -> None:
    document = doc(acts=[{"code": "C", "prix": "30"}, {"code": "C", "prix": "30"}])
    for _ in range(2):
        assert run(document)["warnings"] == ["champ inconnu ignoré : acts[0].prix",
                                             "champ inconnu ignoré : acts[1].prix"]


def test_each_invoice_date_gives_its_tariff() -> None:
    assert line0(run(doc(date="2024-08-01", acts=[{"code": "G"}])))["total"] == "26.50"
    assert line0(run(doc(date="2025-08-01", acts=[{"code": "G"}])))["total"] == "30.00"


def test_true_is_not_a_quantity() -> None:
    assert line0(run(doc(acts=[{"code": "C", "quantity": 1}])))["total"] == "23.00"
    with pytest.raises(ValidationError):
        run(doc(acts=[{"code": "C", "quantity": True}]))

"""The worked examples of DOMAIN.md, priced to the cent."""

from __future__ import annotations

from tests.pricing.support import doc, parts, run


def test_example_1_gs_on_1_august_2024_with_tp_amo() -> None:
    result = run(doc(date="2024-08-01", acts=[{"code": "GS"}], tiers_payant={"amo": True, "amc": False}))
    assert parts(result) == [("GS", "26.50", "18.55", "0.00", "7.95")]
    assert result["lines"][0]["rate"] == 70
    assert result["totals"] == {"total": "26.50", "amo": "18.55", "amc": "0.00", "patient": "7.95",
                                "due_by_amo": "18.55", "due_by_amc": "0.00", "due_by_patient": "7.95"}


def _example_2(overrides: list[dict[str, str]] | None = None) -> dict[str, object]:
    document = doc(amc={"formula": "052", "percent": None, "amount": None},
                   acts=[{"code": "C", "coefficient": 1, "quantity": 1},
                         {"code": "AFLB001", "unit_price": "50.56", "activity": "1", "phase": "0",
                          "association": "1"}])
    if overrides is not None:
        document["overrides"] = overrides
    return run(document)


def test_example_2_c_and_ccam_with_formula_052() -> None:
    result = _example_2()
    assert parts(result) == [("C", "23.00", "16.10", "6.90", "0.00"),
                             ("AFLB001", "50.56", "35.39", "15.17", "0.00")]
    assert result["totals"]["total"] == "73.56"
    assert (result["totals"]["amo"], result["totals"]["amc"], result["totals"]["patient"]) == \
        ("51.49", "22.07", "0.00")
    assert result["warnings"] == []


def test_example_2_amo_changed_by_hand_keeps_the_amc_and_patient_follows() -> None:
    result = _example_2([{"line": 0, "amo": "19.00"}])
    assert parts(result)[0] == ("C", "23.00", "19.00", "6.90", "-2.90")
    totals = result["totals"]
    assert (totals["amo"], totals["amc"], totals["patient"]) == ("54.39", "22.07", "-2.90")
    assert any("négati" in w for w in result["warnings"])


def test_example_2_then_amc_changed_by_hand_brings_patient_back_to_zero() -> None:
    result = _example_2([{"line": 0, "amo": "19.00"}, {"line": 0, "amc": "4.00"}])
    totals = result["totals"]
    assert (totals["total"], totals["amo"], totals["amc"], totals["patient"]) == ("73.56", "54.39", "19.17", "0.00")
    assert result["warnings"] == []


def test_example_3_invoice_total_with_amo_set_by_hand() -> None:
    # The payments of example 3 belong to billing; the parts are priced here.
    result = run(doc(acts=[{"code": "XYZ", "unit_price": "123.80"}], overrides=[{"line": 0, "amo": "10.00"}]))
    assert result["totals"]["total"] == "123.80"
    assert (result["totals"]["amo"], result["totals"]["amc"], result["totals"]["patient"]) == \
        ("10.00", "0.00", "113.80")


def test_example_4_optician_with_fixed_pec_spread_by_fees() -> None:
    result = run(doc(date="2024-05-28", professional={"profession": "opticien", "specialty": None, "sector": 1},
                     coverage={"parcours": None}, amc={"amount": "100.00"},
                     acts=[{"code": "VU3", "unit_price": "103.00", "base": "0.05"},
                           {"code": "VU3", "unit_price": "103.00", "base": "0.05"},
                           {"code": "M03", "unit_price": "209.00", "base": "0.05"}]))
    assert parts(result) == [("VU3", "103.00", "0.03", "24.82", "78.15"),
                             ("VU3", "103.00", "0.03", "24.82", "78.15"),
                             ("M03", "209.00", "0.03", "50.36", "158.61")]
    assert all(line["rate"] == 60 and line["base"] == "0.05" for line in result["lines"])
    assert result["totals"] == {"total": "415.00", "amo": "0.09", "amc": "100.00", "patient": "314.91",
                                "due_by_amo": "0.00", "due_by_amc": "0.00", "due_by_patient": "415.00"}


def test_example_5_nurse_under_exoneration_5_with_tp_amo() -> None:
    result = run(doc(professional={"profession": "infirmier", "specialty": None},
                     coverage={"exoneration": "5", "parcours": None}, tiers_payant={"amo": True},
                     acts=[{"code": "AMI", "coefficient": 4, "quantity": 9},
                           {"code": "AIS", "coefficient": 3, "quantity": 4},
                           {"code": "IFD", "quantity": 4}]))
    assert [line["rate"] for line in result["lines"]] == [100, 100, 100]
    assert result["totals"] == {"total": "156.20", "amo": "156.20", "amc": "0.00", "patient": "0.00",
                                "due_by_amo": "156.20", "due_by_amc": "0.00", "due_by_patient": "0.00"}


def test_g_tariff_follows_the_date_of_care() -> None:
    before = run(doc(date="2024-08-01", acts=[{"code": "G"}]))
    after = run(doc(date="2025-01-01", acts=[{"code": "G"}]))
    assert before["lines"][0]["total"] == "26.50"
    assert after["lines"][0]["total"] == "30.00"
    assert "G 30,00 × 70 % = 21,00 : médecin, maladie, pas d'exonération, parcours T" in after["trace"]


def test_act_date_wins_over_invoice_date() -> None:
    result = run(doc(date="2025-01-01", acts=[{"code": "G", "date": "2024-12-21"}, {"code": "G"}]))
    assert [line["total"] for line in result["lines"]] == ["26.50", "30.00"]

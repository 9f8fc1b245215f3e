"""The CCAM "Exo TM" column in the 24 € flat participation (issue 9 item 1).

Category 1 (therapeutic or invasive diagnostic acts) is added up with the other acts of the consultation;
category 2 (non-invasive diagnostic acts: scanner, IRM...) is compared to the 120 € threshold on its own
(snmr.org §8.9). The category comes with the act or from the imported CCAM table; the other categories have
no public definition and are refused when the date reaches the threshold.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from feuille.catalog import ccam
from feuille.catalog.ccam import DbCcamTariffs
from feuille.errors import ValidationError
from feuille.nomenclature.rates import default_rates
from feuille.nomenclature.tariffs import CcamTariff, normal_exo_tm
from feuille.pricing import price_document
from tests.pricing.support import doc, run


def ccam_acts(*acts: tuple[str, str, str | None]) -> list[dict[str, Any]]:
    """CCAM acts with their typed price and, unless None, their Exo TM category."""
    return [{"code": code, "unit_price": price, **({"exo_tm": exo} if exo is not None else {})}
            for code, price, exo in acts]


def lines(result: dict[str, Any]) -> list[tuple[int, str, str, str | None]]:
    return [(line["rate"], line["amo"], line["patient"], line.get("participation")) for line in result["lines"]]


def test_a_scanner_at_130_euros_takes_the_flat_participation_on_its_own() -> None:
    result = run(doc(acts=ccam_acts(("ZCQK002", "130.00", "2"))))
    assert lines(result) == [(100, "106.00", "24.00", "24.00")]
    assert result["lines"][0]["exoneration"] == "1"
    assert any("actes comparés un à un au seuil (Exo TM 2, acte diagnostique non invasif) : ZCQK002 130,00 €"
               in step for step in result["trace"])


def test_two_non_invasive_acts_at_70_euros_are_not_added_up() -> None:
    result = run(doc(acts=ccam_acts(("ZCQK002", "70.00", "2"), ("ZCQM004", "70.00", "2"))))
    assert lines(result) == [(70, "49.00", "21.00", None), (70, "49.00", "21.00", None)]
    assert any(step.startswith("participation forfaitaire du 01/01/2025 : actes comparés un à un")
               and step.endswith("seuils 120,00 € ou coefficient 60 non atteints : le ticket modérateur reste")
               for step in result["trace"])


def test_two_invasive_acts_at_70_euros_are_added_up() -> None:
    result = run(doc(acts=ccam_acts(("QZFA038", "70.00", "1"), ("QZFA023", "70.00", "1"))))
    # 140 € ≥ 120 €: the 24 € once, taken from the first of the two equal lines.
    assert lines(result) == [(100, "46.00", "24.00", "24.00"), (100, "70.00", "0.00", "0.00")]
    assert any(step.startswith("participation forfaitaire du 01/01/2025 : actes 140,00 €")
               for step in result["trace"])


def test_an_invasive_act_below_the_threshold_beside_a_heavy_non_invasive_one_keeps_its_ticket() -> None:
    result = run(doc(acts=ccam_acts(("QZFA038", "70.00", "1"), ("ZCQK002", "130.00", "2"))))
    assert lines(result) == [(70, "49.00", "21.00", None), (100, "106.00", "24.00", "24.00")]


def test_invasive_acts_reaching_the_threshold_and_a_heavy_scanner_pay_the_24_euros_once() -> None:
    result = run(doc(acts=ccam_acts(("QZFA038", "70.00", "1"), ("QZFA023", "60.00", "1"),
                                    ("ZCQK002", "130.00", "2"), ("ZCQM004", "50.00", "2"))))
    assert lines(result) == [(100, "70.00", "0.00", "0.00"), (100, "60.00", "0.00", "0.00"),
                             (100, "106.00", "24.00", "24.00"), (70, "35.00", "15.00", None)]
    assert sum(Decimal(line.get("participation") or 0) for line in result["lines"]) == Decimal("24.00")


def test_an_ngap_consultation_is_added_up_with_the_invasive_acts_not_with_the_scanner() -> None:
    # G 30 € (coefficient 1, the general rule) + a category-1 act at 95 €: 125 € ≥ 120 €.
    result = run(doc(acts=[{"code": "G"}, *ccam_acts(("QZFA023", "95.00", "1"), ("ZCQK002", "110.00", "2"))]))
    assert [line.get("participation") for line in result["lines"]] == ["0.00", "24.00", None]
    # G + the scanner alone: 140 €, but the scanner counts on its own and G is below 120 €.
    result = run(doc(acts=[{"code": "G"}, *ccam_acts(("ZCQK002", "110.00", "2"))]))
    assert [line.get("participation") for line in result["lines"]] == [None, None]


def test_without_a_category_the_general_rule_adds_up_and_says_so() -> None:
    result = run(doc(acts=ccam_acts(("ZCQK002", "70.00", None), ("ZCQM004", "70.00", None))))
    assert [line.get("participation") for line in result["lines"]] == ["24.00", "0.00"]
    assert any("catégorie Exo TM inconnue pour ZCQK002, ZCQM004" in step and "actes de la consultation cumulés"
               in step for step in result["trace"])


@pytest.mark.parametrize("category", ["5", "7", "1-7", "2-7", "5-7"])
def test_a_category_no_text_explains_is_refused_when_the_date_reaches_the_threshold(category: str) -> None:
    with pytest.raises(ValidationError) as caught:
        run(doc(acts=ccam_acts(("QZFA023", "100.00", "1"), ("HBQD001", "50.00", category))))
    error = caught.value
    assert (error.code, error.field) == ("flat_participation_category_unknown", "acts[1].exo_tm")
    assert f"catégorie Exo TM {category}" in str(error) and "aucun texte trouvé" in str(error)


def test_a_category_no_text_explains_keeps_its_ticket_below_the_threshold() -> None:
    result = run(doc(acts=ccam_acts(("QZFA023", "60.00", "1"), ("HBQD001", "50.00", "5"))))
    assert lines(result) == [(70, "42.00", "18.00", None), (70, "35.00", "15.00", None)]


def test_a_rate_chosen_by_hand_needs_no_category() -> None:
    result = run(doc(coverage={"rate": 80}, acts=ccam_acts(("HBQD001", "150.00", "5"))))
    assert lines(result) == [(80, "120.00", "30.00", None)]


@pytest.mark.parametrize("value", ["X", "1/7", "12", "-", "1--7", 2, "1234567890123456789"])
def test_a_bad_category_is_refused_naming_the_field(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        run(doc(acts=[{"code": "ZCQK002", "unit_price": "130.00", "exo_tm": value}]))
    assert caught.value.field == "acts[0].exo_tm"
    assert "catégorie Exo TM invalide" in str(caught.value)


def test_the_listing_spellings_are_read_as_one() -> None:
    assert [normal_exo_tm(v) for v in ["1", " 2 ", "5 -7", '"2-7', "", None, "X"]] == \
        ["1", "2", "5-7", "2-7", None, None, None]
    result = run(doc(acts=ccam_acts(("HBQD001", "20.00", "5 -7"), ("ZCQM004", "20.00", ""))))
    assert len(result["lines"]) == 2  # a blank category is "not known", a spaced one is read


def test_the_categories_come_from_rates_json_with_their_sources() -> None:
    categories = default_rates().flat_participation.exo_tm
    assert {code: item.rule for code, item in categories.items()} == {"1": "cumulated", "2": "alone"}


class OneAct:
    """A CCAM port that knows one act and its category (an integrator's own table)."""

    def ccam_tariff(self, code: str, on: date, activity: str = "1", phase: str = "0",
                    sector: int = 1) -> CcamTariff | None:
        return CcamTariff(code, "scanographie", activity, phase, Decimal("70.00"), exo_tm="2")


def test_the_category_given_with_the_act_wins_over_the_table() -> None:
    acts = [{"code": "ZCQK002"}, {"code": "ZCQM004"}]
    assert [line.get("participation") for line in price_document(doc(acts=acts), OneAct())["lines"]] == \
        [None, None]
    acts = [{"code": "ZCQK002", "exo_tm": "1"}, {"code": "ZCQM004", "exo_tm": "1"}]
    assert [line.get("participation") for line in price_document(doc(acts=acts), OneAct())["lines"]] == \
        ["24.00", "0.00"]


# --- the imported table (sample listing, version 67: the same acts and columns as the real one) ---------------

ON = "2021-05-03"


def priced(ctx: Any, *codes: str, **act: Any) -> dict[str, Any]:  # the sample table imported first
    acts = [{"code": code, **act} for code in codes]
    return price_document(doc(date=ON, acts=acts), DbCcamTariffs(ctx.db))


def test_the_imported_table_gives_each_act_its_category(ctx: Any) -> None:
    ccam.import_ccam(ctx, ccam.sample_ccam_path())
    port = DbCcamTariffs(ctx.db)
    assert [port.ccam_tariff(code, date(2021, 5, 3)).exo_tm for code in  # type: ignore[union-attr]
            ("AFLB001", "GLQP011", "HBQD001", "HBJD001", "DZQM006")] == ["1", "2", "5", "5-7", "2-7"]
    # Two category-2 acts (67.64 + 54.02 = 121.66 €): each below 120 €, no flat participation.
    result = priced(ctx, "GLQP011", "ZCQM004")
    assert [(line["total"], line["rate"], line.get("participation")) for line in result["lines"]] == \
        [("67.64", 70, None), ("54.02", 70, None)]
    # Two category-1 acts (50.56 + 85.08 = 135.64 €): added up, the 24 € taken from the larger one.
    result = priced(ctx, "AFLB001", "QZJA001")
    assert [(line["rate"], line.get("participation")) for line in result["lines"]] == [(100, "0.00"), (100, "24.00")]
    assert not any("catégorie Exo TM inconnue" in step for step in result["trace"])
    # A category-5 act on a date whose acts reach the threshold: refused.
    with pytest.raises(ValidationError) as caught:
        priced(ctx, "HBQD001", "AFLB008")
    assert (caught.value.code, caught.value.field) == ("flat_participation_category_unknown", "acts[0].exo_tm")
    # The category given with the act wins over the table's.
    result = priced(ctx, "GLQP011", "ZCQM004", exo_tm="1")
    assert [line.get("participation") for line in result["lines"]] == ["24.00", "0.00"]

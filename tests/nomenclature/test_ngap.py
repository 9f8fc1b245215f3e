"""NGAP and COx tables: tariff history of issue 9 with its sources, professions, and a loader that refuses
bad data."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feuille.nomenclature.ngap import DEFAULT_FILES, NgapTable, TableError, default_table, load_document
from feuille.nomenclature.periods import period_problems

D = date.fromisoformat

# The golden history (issue 9, DOMAIN.md): (code, profession, date, price or None when no tariff applies).
HISTORY = [
    ("G", "medecin", "2017-04-30", None), ("G", "medecin", "2017-05-01", "25.00"),
    ("G", "medecin", "2023-10-31", "25.00"), ("G", "medecin", "2023-11-01", "26.50"),
    ("G", "medecin", "2024-12-21", "26.50"), ("G", "medecin", "2024-12-22", "30.00"),
    ("GS", "medecin", "2017-05-01", "25.00"), ("GS", "medecin", "2023-11-01", "26.50"),
    ("GS", "medecin", "2024-08-01", "26.50"), ("GS", "medecin", "2024-12-22", "30.00"),
    ("VG", "medecin", "2024-12-22", "30.00"),
    ("APC", "medecin", "2017-09-30", None), ("APC", "medecin", "2017-10-01", "48.00"),
    ("APC", "medecin", "2018-06-01", "50.00"), ("APC", "medecin", "2022-03-31", "50.00"),
    ("APC", "medecin", "2022-04-01", "55.00"), ("APC", "medecin", "2023-10-31", "55.00"),
    ("APC", "medecin", "2023-11-01", "56.50"), ("APC", "medecin", "2024-12-21", "56.50"),
    ("APC", "medecin", "2024-12-22", "60.00"),
    ("C", "medecin", "2010-12-31", None), ("C", "medecin", "2011-01-01", "23.00"),
    ("V", "medecin", "2011-01-01", "23.00"), ("V", "medecin", "2025-01-01", "23.00"),
    ("IFD", "infirmier", "2024-01-27", "2.50"), ("IFD", "infirmier", "2024-01-28", "2.75"),
    ("AMI", "infirmier", "2009-04-14", None), ("AMI", "infirmier", "2009-04-15", "3.15"),
    ("AIS", "infirmier", "2009-04-15", "2.65"), ("AIS", "infirmier", "2025-01-01", "2.65"),
    ("SF", "sage_femme", "2024-02-21", "2.80"), ("SF", "sage_femme", "2024-02-22", "3.10"),
    ("SF", "sage_femme", "2024-12-31", "3.10"), ("SF", "sage_femme", "2025-01-01", "3.20"),
    ("SP", "sage_femme", "2024-02-22", "3.10"), ("SP", "sage_femme", "2025-01-01", "3.20"),
    ("MD", "sage_femme", "2024-02-21", None), ("MD", "sage_femme", "2024-02-22", "10.00"),
    ("IK", "sage_femme", "2024-02-21", None), ("IK", "sage_femme", "2024-02-22", "0.61"),
    ("COE", "medecin", "2024-12-21", None), ("COE", "medecin", "2024-12-22", "54.00"),
    ("COE", "medecin", "2025-06-30", "54.00"), ("COE", "medecin", "2025-07-01", "60.00"),
    ("AMK", "kinesitherapeute", "2024-02-21", "2.15"), ("AMK", "kinesitherapeute", "2024-02-22", "2.21"),
    ("IK", "infirmier", "2025-01-01", "0.35"), ("IKM", "infirmier", "2025-01-01", "0.50"),
    ("IKS", "infirmier", "2025-01-01", "3.40"),
]


@pytest.mark.parametrize(("code", "profession", "on", "price"), HISTORY)
def test_tariff_history(code: str, profession: str, on: str, price: str | None) -> None:
    act = default_table().find(code, profession)
    assert act is not None
    assert act.tariff_on(D(on)) == (None if price is None else Decimal(price))


# A working day: the codes each profession bills, each with a tariff today (2025-07-01).
WORKING_DAY = {
    "infirmier": ["AMI", "AIS", "AMX", "BSA", "BSB", "BSC", "DI", "MCI", "MAU", "MIE", "IFD", "IFI", "IK", "IKM",
                  "IKS"],
    "kinesitherapeute": ["AMK", "AMS", "AMC", "IK", "IKM", "IKS"],
    "sage_femme": ["SF", "SP", "C", "V", "MSF", "MD", "IK", "IKM", "CCP"],
    "medecin": ["G", "GS", "VG", "C", "V", "APC", "MD", "MDN", "MDI", "MDD", "MCG", "MEG", "IK", "IKM", "IKS",
                "COE"],
    "chirurgien_dentiste": ["C", "D", "DC", "TO", "IK"],
}


@pytest.mark.parametrize("profession", sorted(WORKING_DAY))
def test_working_day_codes_have_a_tariff(profession: str) -> None:
    for code in WORKING_DAY[profession]:
        act = default_table().find(code, profession)
        assert act is not None, code
        assert act.tariff_on(date(2025, 7, 1)) is not None, code


def test_before_the_first_tariff_the_reason_names_code_date_and_first_date() -> None:
    g = default_table().find("G", "medecin")
    assert g is not None and g.first_date == date(2017, 5, 1)
    assert g.missing_tariff(date(2016, 3, 15)) == (
        "le premier tarif connu de G date du 01/05/2017, aucun tarif au 15/03/2016")
    assert g.missing_tariff(date(2024, 1, 1)) is None


def test_a_period_no_source_prices_asks_for_a_typed_price() -> None:
    coe = default_table().find("COE", "medecin")
    assert coe is not None
    assert coe.tariff_on(date(2024, 3, 1)) is None
    reason = coe.missing_tariff(date(2024, 3, 1))
    assert reason is not None and "aucune source" in reason and "08/11/2022" in reason and "01/03/2024" in reason


def test_professions_and_flags() -> None:
    table = default_table()
    assert table.find("G", "infirmier") is None
    assert table.knows("G")
    assert not table.knows("AFLB001")
    assert table.professions_for("IK") == {"medecin", "sage_femme", "infirmier", "kinesitherapeute",
                                           "chirurgien_dentiste"}
    assert table.professions_for("C") == {"medecin", "sage_femme", "chirurgien_dentiste"}
    ami = table.find("AMI", "infirmier")
    assert ami is not None and ami.prescription and not ami.entente_prealable
    assert ami.majorations == ("IFD", "IK")
    md = table.find("MD", "medecin")
    assert md is not None and md.is_majoration
    coe = table.find("COE", "medecin")
    assert coe is not None and coe.table == "cox"
    assert table.versions == {"ngap": "2025-07-01", "cox": "2025-07-01"}
    assert len(table.acts()) >= 50


def test_every_period_names_a_public_source_and_no_verify_mark_is_left() -> None:
    table = default_table()
    for act in table.acts():
        for tariff in act.tariffs:
            source = table.sources[tariff.source]
            assert source.url.startswith(("http://", "https://")) and source.title and source.kind
            assert date.fromisoformat(source.date)
    for name in DEFAULT_FILES:
        text = resources.files("feuille.nomenclature").joinpath("data", name).read_text(encoding="utf-8")
        assert "verify" not in text.lower()
        document = json.loads(text)
        acts = [a for a in table.acts() if a.table == document["table"]]
        used = {t.source for a in acts for t in a.tariffs} | {u.source for a in acts for u in a.undated}
        assert set(document["sources"]) == used  # no source listed that nothing uses


def test_every_shipped_dated_table_is_continuous() -> None:
    # The loader refuses a broken table; this says it again on what is shipped, period list by period list.
    for act in default_table().acts():
        assert period_problems(act.tariffs) == [], act.code


def _ngap() -> dict[str, Any]:
    return copy.deepcopy(load_document("ngap.json"))


def _set_tariffs(*tariffs: dict[str, Any]) -> Any:
    return lambda d: d["acts"][0].update(tariffs=[{"source": "csmf-2024-g", **t} for t in tariffs])


@pytest.mark.parametrize("breakage", [
    _set_tariffs({"from": "2024-01-01", "to": None, "price": "1.00"}, {"from": "2024-06-01", "to": None,
                                                                        "price": "2.00"}),
    _set_tariffs({"from": "2024-06-01", "to": "2024-01-01", "price": "1.00"}),
    _set_tariffs({"from": "2024-01-01", "to": "2024-03-01", "price": "1.00"},
                 {"from": "2024-06-01", "to": None, "price": "2.00"}),       # a gap
    _set_tariffs({"from": "2024-06-01", "to": None, "price": "2.00"},
                 {"from": "2024-01-01", "to": "2024-05-31", "price": "1.00"}),  # out of order
    _set_tariffs({"from": "2024-13-01", "to": None, "price": "1.00"}),
    _set_tariffs({"from": "2024-01-01", "to": None, "price": "1.234"}),
    _set_tariffs({"from": "2024-01-01", "to": None, "price": 1.5}),
    _set_tariffs({"from": "2024-01-01", "to": None}),
    lambda d: d["acts"][0].update(tariffs=[{"from": "2024-01-01", "to": None, "price": "1.00"}]),  # no source
    lambda d: d["acts"][0].update(tariffs=[{"from": "2024-01-01", "to": None, "price": "1.00",
                                            "source": "inconnue"}]),
    lambda d: d["acts"][0].update(undated=[{"price": "1.00", "until": None, "source": "inconnue"}]),
    lambda d: d["acts"][0].update(undated=[{"price": None, "until": None, "source": "csmf-2024-g"}]),
    lambda d: d["acts"][0].update(undated="😴"),
    lambda d: d["acts"][0].update(tariffs=[]),
    lambda d: d["acts"][0].update(professions=["plombier"]),
    lambda d: d["acts"][0].update(professions=[]),
    lambda d: d["acts"][0].update(prescription="oui"),
    lambda d: d["acts"][0].update(majorations="MD"),
    lambda d: d["acts"][0].pop("label"),
    lambda d: d["acts"].append(copy.deepcopy(d["acts"][0])),
    lambda d: d.update(acts={}),
    lambda d: d["acts"].append("😴"),
    lambda d: d.pop("version"),
    lambda d: d.pop("sources"),
    lambda d: d["sources"]["csmf-2024-g"].pop("url"),
    lambda d: d["sources"]["csmf-2024-g"].update(date="hier"),
    lambda d: d["sources"].update(x=None),
])
def test_loader_refuses_bad_tables(breakage: Any) -> None:
    document = _ngap()
    breakage(document)
    with pytest.raises(TableError):
        NgapTable.from_documents([document])


def test_a_source_defined_twice_differently_is_refused() -> None:
    other = _ngap()
    other["table"] = "autre"
    other["sources"]["csmf-2024-g"]["title"] = "autre titre"
    for act in other["acts"]:
        act["code"] += "X"
    with pytest.raises(TableError):
        NgapTable.from_documents([_ngap(), other])


def test_shipped_tables_load() -> None:
    table = NgapTable.from_documents([_ngap(), load_document("ngap_cox.json")])
    assert table.find("COE", "medecin") is not None


ACTS = default_table().acts()


@given(st.sampled_from(ACTS), st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)))
def test_a_date_inside_a_period_finds_its_tariff_and_any_other_says_why(act: Any, on: date) -> None:
    period = act.period_on(on)
    if period is not None and period.price is not None:
        assert act.tariff_on(on) == period.price and act.missing_tariff(on) is None
        return
    assert act.tariff_on(on) is None  # never a silent zero
    reason = act.missing_tariff(on)
    assert reason is not None and act.code in reason and f"{on:%d/%m/%Y}" in reason
    if period is None:
        assert on < act.first_date and f"{act.first_date:%d/%m/%Y}" in reason

"""NGAP and COx tables: tariffs valid by date, professions, and a loader that refuses bad data."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from feuille.nomenclature.ngap import NgapTable, TableError, default_table, load_document


def test_g_tariff_by_date() -> None:
    g = default_table().find("G", "medecin")
    assert g is not None
    assert g.tariff_on(date(2024, 8, 1)) == Decimal("26.50")
    assert g.tariff_on(date(2024, 12, 21)) == Decimal("26.50")
    assert g.tariff_on(date(2024, 12, 22)) == Decimal("30.00")
    assert g.tariff_on(date(2025, 1, 1)) == Decimal("30.00")
    assert g.tariff_on(date(2020, 1, 1)) is None


@pytest.mark.parametrize(("code", "profession", "on", "price"), [
    ("C", "medecin", date(2025, 1, 1), "23.00"),
    ("V", "medecin", date(2025, 1, 1), "23.00"),
    ("APC", "medecin", date(2024, 12, 1), "56.50"),
    ("APC", "medecin", date(2024, 12, 22), "60.00"),
    ("MD", "medecin", date(2025, 1, 1), "10.00"),
    ("IK", "medecin", date(2025, 1, 1), "0.61"),
    ("IK", "sage_femme", date(2025, 1, 1), "0.61"),
    ("IK", "infirmier", date(2025, 1, 1), "0.35"),
    ("AMI", "infirmier", date(2025, 1, 1), "3.15"),
    ("AIS", "infirmier", date(2025, 1, 1), "2.65"),
    ("IFD", "infirmier", date(2025, 1, 1), "2.75"),
    ("AMK", "kinesitherapeute", date(2024, 2, 21), "2.15"),
    ("AMK", "kinesitherapeute", date(2024, 2, 22), "2.21"),
    ("AMS", "kinesitherapeute", date(2024, 3, 1), "2.21"),
    ("AMC", "kinesitherapeute", date(2024, 3, 1), "2.21"),
    ("SF", "sage_femme", date(2024, 12, 31), "3.10"),
    ("SP", "sage_femme", date(2025, 1, 1), "3.20"),
    ("COE", "medecin", date(2024, 12, 22), "54.00"),
    ("COE", "medecin", date(2025, 7, 1), "60.00"),
])
def test_domain_tariffs(code: str, profession: str, on: date, price: str) -> None:
    act = default_table().find(code, profession)
    assert act is not None
    assert act.tariff_on(on) == Decimal(price)


def test_professions_and_flags() -> None:
    table = default_table()
    assert table.find("G", "infirmier") is None
    assert table.knows("G")
    assert not table.knows("AFLB001")
    assert table.professions_for("IK") == {"medecin", "sage_femme", "infirmier"}
    ami = table.find("AMI", "infirmier")
    assert ami is not None and ami.prescription and not ami.entente_prealable
    md = table.find("MD", "medecin")
    assert md is not None and md.is_majoration
    coe = table.find("COE", "medecin")
    assert coe is not None and coe.table == "cox"
    assert table.versions == {"ngap": "2025-07-01", "cox": "2025-07-01"}
    assert len(table.acts()) >= 17


def _ngap() -> dict[str, Any]:
    return copy.deepcopy(load_document("ngap.json"))


@pytest.mark.parametrize("breakage", [
    lambda d: d["acts"][0].update(tariffs=[{"from": "2024-01-01", "to": None, "price": "1.00"},
                                          {"from": "2024-06-01", "to": None, "price": "2.00"}]),
    lambda d: d["acts"][0].update(tariffs=[{"from": "2024-06-01", "to": "2024-01-01", "price": "1.00"}]),
    lambda d: d["acts"][0].update(tariffs=[{"from": "2024-13-01", "to": None, "price": "1.00"}]),
    lambda d: d["acts"][0].update(tariffs=[{"from": "2024-01-01", "to": None, "price": "1.234"}]),
    lambda d: d["acts"][0].update(tariffs=[{"from": "2024-01-01", "to": None, "price": 1.5}]),
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
])
def test_loader_refuses_bad_tables(breakage: Any) -> None:
    document = _ngap()
    breakage(document)
    with pytest.raises(TableError):
        NgapTable.from_documents([document])


def test_shipped_tables_load() -> None:
    table = NgapTable.from_documents([_ngap(), load_document("ngap_cox.json")])
    assert table.find("COE", "medecin") is not None

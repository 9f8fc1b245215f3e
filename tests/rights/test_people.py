"""The people fixture of the caisse de test: valid NIRs, known organisms, one record behind every card person."""

from __future__ import annotations

import json

from stdnum.fr import nir

from feuille.domain.identifiers import compact
from feuille_sim.cards import definitions
from feuille_sim.rights.people import find, load_people

PEOPLE = load_people()


def _nomenclature_organisms() -> set[str]:
    from importlib import resources

    data = json.loads((resources.files("feuille.nomenclature") / "data" / "amo_organisms.json").read_text())
    return set(data["organisms"])


def test_every_nir_is_valid() -> None:
    for person in PEOPLE.values():
        assert nir.is_valid(person["nir"] + person["cle"]), person["nir"]


def test_every_card_person_has_a_record() -> None:
    for name, spec in definitions().items():
        if spec["kind"] not in ("vitale", "apcv"):
            continue
        number = compact(spec["insured_nir"])
        assert name in PEOPLE[number[:13]]["cartes"]
        for beneficiary in spec["beneficiaries"]:
            day, month, year = beneficiary["birth_date"].split("/")
            match = find(PEOPLE, number[:13], day + month + year, beneficiary.get("rank", 1))
            assert match.result == "ok" and match.beneficiary is not None
            assert match.beneficiary["nom"] == beneficiary["last_name"]


def test_organisms_come_from_the_nomenclature_or_the_manuals() -> None:
    known = _nomenclature_organisms() | {"01 999 9999", "01 349 9881"}  # caisse de TEST, Flux CNAMTS CNDA
    for person in PEOPLE.values():
        for beneficiary in person["beneficiaires"]:
            org = beneficiary["organisme"]
            assert f"{org['regime']} {org['caisse']} {org['centre']}" in known


def test_the_people_the_brief_asks_for() -> None:
    beneficiaries = [b for p in PEOPLE.values() for b in p["beneficiaires"]]
    assert any(len(p["beneficiaires"]) >= 4 for p in PEOPLE.values())                      # a family
    assert any(b["ald"] for b in beneficiaries)
    assert any(b["accident_travail"] for b in beneficiaries)
    assert any(c["type"] == "C2S" for b in beneficiaries for c in b["complementaire"])
    assert any(b["regime_local"] == "alsace_moselle" for b in beneficiaries)
    assert any(all(s["fin"] for s in b["periodes_droits"]) for b in beneficiaries)        # closed rights
    assert any(name.startswith("apcv-") for p in PEOPLE.values() for name in p["cartes"])
    assert any("A" in p["nir"] for p in PEOPLE.values())                                   # Corsica

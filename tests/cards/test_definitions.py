"""The shipped virtual cards are the demo's people, and their beneficiaries are valid patients."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from feuille.domain.identifiers import compact
from feuille.domain.organisms import validate_contract
from feuille.domain.patients import validate_patient
from feuille.domain.professionals import validate_professional
from feuille.practice import demo_patients, demo_professionals
from feuille_sim.cards import definitions, provision

DEFS = definitions()


def test_the_cards_of_the_brief() -> None:
    kinds = sorted((spec["kind"], name) for name, spec in DEFS.items())
    assert [k for k, _ in kinds].count("cps") == 3 and [k for k, _ in kinds].count("cpe") == 1
    assert {"vitale-essai", "vitale-desmaux", "apcv-durand", "apcv-issner"} <= set(DEFS)
    assert len({spec["serial"] for spec in DEFS.values()}) == len(DEFS)


@pytest.mark.parametrize("name", [n for n, s in DEFS.items() if s["kind"] == "cps"])
def test_cps_holders_are_valid_professionals(name: str) -> None:
    record = validate_professional(DEFS[name]["holder"], from_card=True)
    assert record.billing_number
    pin, puk = DEFS[name]["pin"], DEFS[name]["puk"]
    assert len(pin) == 4 and pin.isdigit() and len(puk) == 8 and puk.isdigit()


def test_cps_match_the_demo_professionals() -> None:
    numbers = {compact(DEFS[n]["holder"]["billing_number"]) for n in ("cps-firmier", "cps-medecin", "cps-rempex")}
    rempl = demo_professionals.REMPLACANT
    demo = {compact(demo_professionals.FIRMIER["billing_number"]),
            compact(demo_professionals.MEDECIN["billing_number"]),
            compact(f"{rempl['billing_number']}{rempl['billing_key']}")}
    assert numbers == demo
    assert validate_professional(DEFS["cps-rempex"]["holder"], from_card=True).warnings  # the key that fails


@pytest.mark.parametrize("name", [n for n, s in DEFS.items() if s["kind"] in ("vitale", "apcv")])
def test_beneficiaries_are_valid_card_patients(name: str) -> None:
    for beneficiary in DEFS[name]["beneficiaries"]:
        values = {k: v for k, v in beneficiary.items() if k != "amc_contracts"}
        values.setdefault("amo_proof", "carte_vitale")
        record = validate_patient(values, from_card=True)
        assert compact(record.insured_nir) == compact(DEFS[name]["insured_nir"])
        for contract in beneficiary.get("amc_contracts", []):
            validate_contract(contract)


def test_desmaux_is_the_demo_card() -> None:
    [desmaux] = DEFS["vitale-desmaux"]["beneficiaries"]
    assert desmaux == demo_patients.DESMAUX_CARD


def test_provision_twice_keeps_the_cards(tmp_path: Path) -> None:
    from tests.cards.conftest import MODULE

    first = provision(tmp_path / "c", module=MODULE)
    key = (tmp_path / "c" / "cards" / "vitale-essai.json").read_text()
    assert len(first) == len(DEFS)
    assert provision(tmp_path / "c", module=MODULE) == []
    assert (tmp_path / "c" / "cards" / "vitale-essai.json").read_text() == key
    assert len(provision(tmp_path / "c", module=MODULE, force=True)) == len(DEFS)
    assert (tmp_path / "c" / "cards" / "vitale-essai.json").read_text() != key


def test_provision_command(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "feuille_sim.cards", "provision", str(tmp_path / "d")],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert f"{len(DEFS)} cartes écrites" in run.stdout
    listed = subprocess.run([sys.executable, "-m", "feuille_sim.cards", "list"], capture_output=True, text=True,
                            check=True)
    assert "cps-firmier" in listed.stdout and "code porteur 1234" in listed.stdout

"""The modifier chapter (19.03) of the real listings, and the shipped table derived from v78."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest

from feuille.nomenclature.ccam_listing import parse_modifier_chapter
from feuille.nomenclature.ccam_modifiers import default_modifiers

ROOT = Path(__file__).parent.parent.parent
MODIFIERS = ["O", "U", "P", "S", "F", "M", "A", "E", "G", "N", "9", "6", "8", "4", "5", "R", "L", "J", "K", "T", "3",
             "7", "D", "Y", "Z", "B", "H", "Q", "V", "W"]


@pytest.mark.shared
def test_the_shipped_table_is_what_the_v78_listing_gives(shared_dir: Path) -> None:
    listing = shared_dir / "data/ccam/listing/ccam_v78_2025-02-01.csv"
    derive = runpy.run_path(str(ROOT / "scripts/ccam_modifiers.py"))["derive"]
    shipped = json.loads((ROOT / "src/feuille/nomenclature/data/ccam_modifiers.json").read_text(encoding="utf-8"))
    assert derive(listing.read_bytes()) == shipped


@pytest.mark.shared
@pytest.mark.parametrize("version", ["67_2021-04-26", "78_2025-02-01", "81_2026-01-01"])
def test_every_modifier_of_the_chapter_is_read(shared_dir: Path, version: str) -> None:
    rules = parse_modifier_chapter((shared_dir / f"data/ccam/listing/ccam_v{version}.csv").read_bytes())
    codes = {rule.code for rule in rules}
    assert codes >= set(MODIFIERS) - ({"9", "3"} if version.startswith("67") else set())
    f_rules = [rule for rule in rules if rule.code == "F"]
    assert [str(rule.sector1.amount) for rule in f_rules] == ["19.06", "40.00"]


def test_p_is_20_h_to_midnight_and_s_midnight_to_8_h() -> None:
    rules = default_modifiers().rules
    assert all("20h à 00h" in rule.text for rule in rules["P"])
    assert "00h à 08h" in rules["S"][0].text and "00h et 08h" in rules["S"][1].text


def test_a_bare_fraction_is_read_only_when_the_other_column_says_it() -> None:
    text = ("CNAM - CCAM version 78 applicable 01/02/2025,,,,,,,,,,\n"
            "Code,,Texte,Activité,Phase,Tarif,Tarif,RC,AP,Exo,Regroupement\n"
            "19.03,,MODIFICATEURS,,,,,,,,\n"
            "B,,Radio au bloc,,,0.49,+49%,,,,\n"
            "9,,Soins conservateurs,,,0.3,0.3,,,,\n"
            ",,Facturation : liste annexe,,,,,,,,\n"
            "20.01,,AUTRE,,,,,,,,\n"
            "Z,,hors chapitre,,,1.00,1.00,,,,\n")
    rules = parse_modifier_chapter(text)
    assert [rule.code for rule in rules] == ["B", "9"]
    assert rules[0].sector1.percent == 49 and rules[1].sector1.unreadable == "0.3"
    assert rules[1].notes == ("Facturation : liste annexe",)

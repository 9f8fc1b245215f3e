"""Derive ``src/feuille/nomenclature/data/ccam_modifiers.json`` from a CCAM listing's modifier chapter (19.03).

    .venv/bin/python scripts/ccam_modifiers.py ../shared/data/ccam/listing/ccam_v78_2025-02-01.csv

Values (amounts, percentages), texts and line numbers come from the listing; who may bill each rule (``WHO``)
is read from the rule's own text by hand, with the specialty codes of the SNDS table (IR_SPE_V, in
``../shared/data/codes/sesam_codes.csv``). ``tests/nomenclature/test_ccam_modifiers.py`` checks that the
shipped file is what this script gives for v78.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from feuille.nomenclature.ccam_listing import ModifierValue, parse_modifier_chapter, parse_title

SURGEONS = ["04", "10", "16", "41", "43", "44", "45", "46", "47", "48", "49"]  # chirurgiens (SNDS IR_SPE_V)
ENT, EYES, STOMATOLOGY, ANAESTHESIA, PAEDIATRICS = ["11"], ["15"], ["18"], ["02"], ["12"]
OBSTETRICS = ["07", "77", "79"]  # gynécologie obstétrique, obstétrique, gynécologie obstétrique et médicale
GENERAL = ["01", "22", "23"]  # médecine générale
SURGICAL = sorted(SURGEONS + ENT + EYES + STOMATOLOGY + ANAESTHESIA + OBSTETRICS)
OPTAM = "l'adhésion à l'OPTAM / OPTAM-ACO n'est pas connue de feuille : saisissez le total de l'acte."
ALL: dict[str, Any] = {"all": True}

# (modifier, rank of its rule in the chapter) -> who may bill it, read from the rule's text.
WHO: dict[tuple[str, int], dict[str, Any]] = {
    ("O", 0): {"specialties": SURGICAL},
    ("U", 0): {"others": True, "except": sorted(PAEDIATRICS + GENERAL), "professions": ["chirurgien_dentiste"]},
    ("U", 1): {"specialties": SURGICAL},
    ("P", 0): {"specialties": GENERAL, "professions": ["sage_femme"]},
    ("P", 1): {"specialties": PAEDIATRICS},
    ("S", 0): {"specialties": GENERAL, "professions": ["sage_femme"], "others": True},
    ("S", 1): {"specialties": sorted(SURGICAL + PAEDIATRICS)},
    ("F", 0): {"others": True, "professions": ["sage_femme", "chirurgien_dentiste"]},
    ("F", 1): {"specialties": sorted(SURGICAL + PAEDIATRICS)},
    ("M", 0): {"specialties": sorted(GENERAL + PAEDIATRICS), "professions": ["sage_femme"]},
    ("N", 0): {"professions": ["chirurgien_dentiste"]},
    ("K", 0): {"professions": ["sage_femme"]},
    ("K", 1): {"specialties": sorted(OBSTETRICS + SURGEONS), "sectors": [1]},
    ("K", 2): {"professions": ["chirurgien_dentiste"], "dental_specialties": ["69"]},
    ("T", 0): {"specialties": sorted(OBSTETRICS + SURGEONS), "refused": OPTAM},
    ("3", 0): {"specialties": ANAESTHESIA, "sectors": [1]},
    ("3", 1): {"specialties": ANAESTHESIA, "sectors": [2], "refused": OPTAM},
    ("Y", 0): {"specialties": ["06", "13", "14"]},
    ("Z", 0): {"specialties": ["06"]},
}


def _value(value: ModifierValue) -> dict[str, str]:
    if value.amount is not None:
        return {"amount": f"{value.amount:.2f}"}
    if value.percent is not None:
        return {"percent": f"{value.percent.normalize():f}"}
    return {"unreadable": value.unreadable or ""}


def derive(data: bytes) -> dict[str, Any]:
    title = parse_title(data[:300].decode("utf-8-sig", "replace"))
    version = title[0] if title else "?"
    modifiers: dict[str, list[dict[str, Any]]] = {}
    for rule in parse_modifier_chapter(data):
        rank = len(modifiers.setdefault(rule.code, []))
        entry: dict[str, Any] = {"line": rule.line, "text": rule.text, "sector1": _value(rule.sector1),
                                 "other": _value(rule.other), **WHO.get((rule.code, rank), ALL)}
        if rule.notes:
            entry["notes"] = list(rule.notes)
        modifiers[rule.code].append(entry)
    return {
        "table": "ccam_modifiers",
        "version": version,
        "source": (f"CNAM, CCAM version {version} listing (../shared/data/ccam/listing/ccam_v78_2025-02-01.csv), "
                   "chapter 19.03 'MODIFICATEURS': amounts, percentages, texts, line numbers; who may bill a rule "
                   "is read from its text (scripts/ccam_modifiers.py, WHO) with the SNDS specialty codes "
                   "(IR_SPE_V, ../shared/data/codes/sesam_codes.csv)"),
        "modifiers": modifiers,
    }


if __name__ == "__main__":
    document = derive(Path(sys.argv[1]).read_bytes())
    target = Path(__file__).parent.parent / "src/feuille/nomenclature/data/ccam_modifiers.json"
    target.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{target}: {len(document['modifiers'])} modifiers")

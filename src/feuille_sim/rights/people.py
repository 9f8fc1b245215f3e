"""The insurers' records behind the virtual cards (``feuille_sim/people.json``) and the ADRi answer built from them.

The fixture is data (documented in docs/caisse-de-test.md); this module only finds a person and cuts the answer
to the reference date: dated items are kept when they overlap the year before the reference date (ADRi gives the
rights over that year), a work accident when it happened on or before that date.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Any

PEOPLE_FILE = "people.json"
DATED = ("periodes_droits", "exonerations", "ald", "service_amo", "complementaire")


@dataclass(frozen=True)
class Match:
    result: str                            # "ok", "autre_personne" or "inconnu"
    insured: dict[str, Any] | None = None
    beneficiary: dict[str, Any] | None = None


def load_people() -> dict[str, dict[str, Any]]:
    """The insured people by their 13-character NIR."""
    text = (resources.files("feuille_sim") / PEOPLE_FILE).read_text(encoding="utf-8")
    return {person["nir"]: person for person in json.loads(text)["assures"]}


def find(people: dict[str, dict[str, Any]], nir: str, birth: str, rank: int) -> Match:
    """Same NIR, birth date and rank: "ok". Same NIR only: "autre_personne" with the nearest person of the card
    (same birth date, else same rank, else the insured). No such NIR: "inconnu"."""
    insured = people.get(nir)
    if insured is None:
        return Match("inconnu")
    beneficiaries = insured["beneficiaires"]
    for person in beneficiaries:
        if person["date_naissance"] == birth and person["rang"] == rank:
            return Match("ok", insured, person)
    nearest = (next((p for p in beneficiaries if p["date_naissance"] == birth), None)
               or next((p for p in beneficiaries if p["rang"] == rank), None)
               or next((p for p in beneficiaries if p["qualite"] == "0"), beneficiaries[0]))
    return Match("autre_personne", insured, nearest)


def _overlaps(item: dict[str, Any], start: date, end: date) -> bool:
    begin = date.fromisoformat(item["debut"]) if item.get("debut") else date.min
    finish = date.fromisoformat(item["fin"]) if item.get("fin") else date.max
    return begin <= end and finish >= start


def answer_body(match: Match, reference: date) -> dict[str, Any]:
    """The answer's content (without version, identifiant, date_reponse) for ``match`` at ``reference``."""
    empty: dict[str, Any] = {"beneficiaire": None, "assure": None, "organisme": None, "regime_local": None,
                             "accident_travail": [], **{key: [] for key in DATED}}
    if match.insured is None or match.beneficiary is None:
        return {"resultat": match.result, **empty}
    person, insured = match.beneficiary, match.insured
    window_start = reference - timedelta(days=365)
    body: dict[str, Any] = {
        "resultat": match.result,
        "beneficiaire": {key: person[key] for key in ("nom", "prenom", "date_naissance", "rang", "qualite",
                                                       "nir_individuel")},
        "assure": {"nir": insured["nir"], "cle": insured["cle"], "nom": insured.get("nom"),
                   "prenom": insured.get("prenom")},
        "organisme": dict(person["organisme"]),
        "regime_local": person.get("regime_local"),
        "accident_travail": [dict(at) for at in person.get("accident_travail", [])
                             if date.fromisoformat(at["date"]) <= reference],
    }
    for key in DATED:
        body[key] = [dict(item) for item in person.get(key, []) if _overlaps(item, window_start, reference)]
    return body

"""Checking an ADRi request (docs/droits.md) on the service's side, field by field, with French reasons.

Written apart from the product's client on purpose: the caisse de test must not share the client's mistakes.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from feuille.cards.card_files import decode_apcv_payload
from feuille.cards.port import CardDataError

NIR_RE = re.compile(r"^[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{6}$")
TOP_KEYS = {"version", "identifiant", "date_reference", "beneficiaire", "professionnel"}
CARD_KEYS = {"nir", "cle", "date_naissance", "rang"}


@dataclass(frozen=True)
class Lookup:
    identifiant: str
    reference: date
    nir: str
    birth: str       # JJMMAAAA
    rank: int
    serial_hint: str | None = None


class BadRequest(Exception):
    def __init__(self, problems: list[dict[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(p["message"] for p in problems))


def nir_key(nir: str) -> str:
    number = int(nir.replace("2A", "19").replace("2B", "18"))
    return f"{97 - number % 97:02d}"


def parse(raw: bytes) -> Lookup:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise BadRequest([{"champ": "corps", "message": "Le corps de la demande doit être du JSON en UTF-8."}]) \
            from None
    if not isinstance(data, dict):
        raise BadRequest([{"champ": "corps", "message": "Un objet JSON est attendu."}])
    problems: list[dict[str, str]] = []

    def bad(field: str, message: str) -> None:
        problems.append({"champ": field, "message": message})

    for key in sorted(set(data) - TOP_KEYS):
        bad(str(key)[:40], "Champ inconnu.")
    if data.get("version") != 1 or isinstance(data.get("version"), bool):
        bad("version", "Version 1 attendue.")
    ident = _uuid(data.get("identifiant"), bad)
    reference = _date(data.get("date_reference"), bad)
    _professional(data.get("professionnel"), bad)
    person = _beneficiary(data.get("beneficiaire"), bad)
    if problems:
        raise BadRequest(problems)
    assert ident is not None and reference is not None and person is not None
    return Lookup(ident, reference, *person)


def _uuid(value: object, bad: Any) -> str | None:
    try:
        if isinstance(value, str) and uuid.UUID(value).version == 4 and len(value) == 36:
            return value.lower()
    except ValueError:
        pass
    bad("identifiant", "Un UUID version 4 est attendu.")
    return None


def _date(value: object, bad: Any) -> date | None:
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    bad("date_reference", "Une date AAAA-MM-JJ est attendue.")
    return None


def _professional(value: object, bad: Any) -> None:
    if not isinstance(value, dict):
        bad("professionnel", "Objet attendu (numero_facturation, specialite).")
        return
    number = value.get("numero_facturation")
    if not isinstance(number, str) or not re.fullmatch(r"[0-9]{9}", number):
        bad("professionnel.numero_facturation", "Numéro de facturation : 9 chiffres (8 et la clé) attendus.")
    specialty = value.get("specialite")
    if not isinstance(specialty, str) or not re.fullmatch(r"[0-9A-Z]{1,3}", specialty):
        bad("professionnel.specialite", "Code spécialité attendu.")


def _beneficiary(value: object, bad: Any) -> tuple[str, str, int] | None:
    if isinstance(value, dict) and set(value) == {"apcv"}:
        return _apcv(value["apcv"], bad)
    if not isinstance(value, dict) or set(value) != CARD_KEYS:
        bad("beneficiaire", "Objet attendu : nir, cle, date_naissance, rang (ou apcv seul).")
        return None
    nir, key, birth, rank = value["nir"], value["cle"], value["date_naissance"], value["rang"]
    ok = True
    if not isinstance(nir, str) or not NIR_RE.fullmatch(nir):
        bad("beneficiaire.nir", "NIR : 13 caractères (chiffres, 2A ou 2B pour la Corse) attendus.")
        ok = False
    if not isinstance(key, str) or not re.fullmatch(r"[0-9]{2}", key):
        bad("beneficiaire.cle", "Clé du NIR : 2 chiffres attendus.")
        ok = False
    elif ok and nir_key(str(nir)) != key:
        bad("beneficiaire.cle", "La clé ne correspond pas au NIR.")
        ok = False
    if not isinstance(birth, str) or not re.fullmatch(r"[0-9]{8}", birth) or int(birth[4:]) < 1850:
        bad("beneficiaire.date_naissance", "Date de naissance JJMMAAAA (8 chiffres) attendue.")
        ok = False
    if isinstance(rank, bool) or not isinstance(rank, int) or not 1 <= rank <= 9:
        bad("beneficiaire.rang", "Rang : nombre entier de 1 à 9 attendu.")
        ok = False
    return (str(nir), str(birth), int(rank)) if ok else None


def _apcv(payload: object, bad: Any) -> tuple[str, str, int] | None:
    try:
        if not isinstance(payload, str):
            raise CardDataError("apcv", "texte attendu")
        content = decode_apcv_payload(payload, "apcv")
        person = content["beneficiaries"][0]
        nir = str(content["insured_nir"]).replace(" ", "")[:13]
        day, month, year = str(person["birth_date"]).split("/")
        rank = int(person.get("rank", 1))
    except (CardDataError, KeyError, IndexError, TypeError, ValueError, AttributeError):
        bad("beneficiaire.apcv", "Contenu de l'appli carte Vitale illisible.")
        return None
    if not NIR_RE.fullmatch(nir) or not 1 <= rank <= 9 or not (day + month + year).isdigit():
        bad("beneficiaire.apcv", "Contenu de l'appli carte Vitale illisible.")
        return None
    return nir, day + month + year, rank

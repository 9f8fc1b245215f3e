"""ADRi as feuille speaks it, version 1 (feuille's own: the real ADRi is a licensed SOAP service; docs/droits.md).

Pure: the request body and the answer's model. The answer is checked strictly (unknown result, malformed dates:
refused), so that what reaches the patient's record is what the protocol says.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

VERSION = 1
PATH = "/adri/v1/droits"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Person(_Model):
    nom: str
    prenom: str | None = None
    date_naissance: str = Field(pattern=r"^[0-9]{8}$")
    rang: int = Field(ge=1, le=9)
    qualite: str
    nir_individuel: str | None = None


class Insured(_Model):
    nir: str
    cle: str
    nom: str | None = None
    prenom: str | None = None


class Organism(_Model):
    regime: str = Field(pattern=r"^[0-9]{2}$")
    caisse: str = Field(pattern=r"^[0-9]{3}$")
    centre: str = Field(pattern=r"^[0-9]{4}$")
    code_gestion: str | None = Field(default=None, pattern=r"^[0-9]{2}$")
    libelle: str | None = None


class Span(_Model):
    debut: date | None = None
    fin: date | None = None


class Exoneration(Span):
    code: str


class Ald(Span):
    libelle: str | None = None


class WorkAccident(_Model):
    numero: str | None = None
    date: date
    organisme: str | None = None


class Service(Span):
    code: str
    libelle: str | None = None


class Complementary(Span):
    type: Literal["C2S", "AMC"]
    numero: str | None = None
    libelle: str | None = None


class Answer(_Model):
    version: Literal[1]
    identifiant: str
    resultat: Literal["ok", "autre_personne", "inconnu"]
    date_reponse: datetime
    beneficiaire: Person | None = None
    assure: Insured | None = None
    organisme: Organism | None = None
    periodes_droits: tuple[Span, ...] = ()
    exonerations: tuple[Exoneration, ...] = ()
    ald: tuple[Ald, ...] = ()
    accident_travail: tuple[WorkAccident, ...] = ()
    service_amo: tuple[Service, ...] = ()
    regime_local: Literal["alsace_moselle"] | None = None
    complementaire: tuple[Complementary, ...] = ()


def request_body(identifiant: str, reference: date, beneficiary: dict[str, object], billing_number: str,
                 specialty: str) -> bytes:
    """The exact bytes sent (and signed): compact UTF-8 JSON."""
    body = {"version": VERSION, "identifiant": identifiant, "date_reference": reference.isoformat(),
            "beneficiaire": beneficiary,
            "professionnel": {"numero_facturation": billing_number, "specialite": specialty}}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def card_beneficiary(insured_nir: str, birth: str, rank: int) -> dict[str, object]:
    """From the stored NIR (``1234567890123 45``) and birth date (AAAAMMJJ as stored) to the protocol's form."""
    compact = insured_nir.replace(" ", "")
    return {"nir": compact[:13], "cle": compact[13:15], "date_naissance": birth[6:8] + birth[4:6] + birth[:4],
            "rang": rank}

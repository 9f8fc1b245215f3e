"""Patients over HTTP: search, create, read, update; a beneficiary read from the Vitale card (or app).

Field names are those of ``feuille patient ... --json`` (the service's keys). Values are what a user would type
(text), or JSON numbers and booleans where they fit; the service validates them and names every field it
refuses, all at once (422, or 409 for a duplicate).

Idempotency: ``POST /api/patients`` takes an ``Idempotency-Key`` header (as ``POST /api/factures``): the same key
and body give back the patient the first request created (200, ``cree`` false), the same key with another body is a
409 ``idempotency_key_reused``. Without a key, a request sent twice is still harmless: the second gets a 409
``patient_duplicate`` naming the patient recorded by the first. ``POST /api/patients/carte`` needs no key: it
finds the beneficiary already recorded (``cree`` false).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.cards.agent_http import vitale_from_json
from feuille.cards.port import CardKind, ProfessionalCardData, Signature
from feuille.errors import ValidationError
from feuille.practice import patients
from feuille.practice.patient_search import find_patients
from feuille.rights import lookup

router = APIRouter(tags=["patients"])

Text = str | None
Number = str | int | None
Amount = str | int | Decimal | None


class PeriodIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(max_length=16)
    start: str | date | None = None
    end: str | date | None = None
    code: str | None = Field(default=None, max_length=10)


class WorkAccidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: str | date
    identifier: str | None = Field(default=None, max_length=12)
    code: str | None = Field(default=None, max_length=4)
    organism: str | None = Field(default=None, max_length=16)


class PatientChanges(BaseModel):
    """Every field optional: PATCH changes only those given."""

    model_config = ConfigDict(extra="forbid")

    last_name: Text = Field(default=None, max_length=200)
    first_name: Text = Field(default=None, max_length=200)
    birth_date: Text = Field(default=None, max_length=20)
    lunar: bool | None = None
    rank: Number = None
    quality: Text = Field(default=None, max_length=2)
    beneficiary_nir: Text = Field(default=None, max_length=30)
    phone: Text = Field(default=None, max_length=40)
    phone2: Text = Field(default=None, max_length=40)
    address: Text = Field(default=None, max_length=400)
    postcode: Text = Field(default=None, max_length=10)
    town: Text = Field(default=None, max_length=200)
    extra_info: Text = Field(default=None, max_length=1000)
    ik: Amount = None
    ikm: Amount = None
    iks: Amount = None
    insured_last_name: Text = Field(default=None, max_length=200)
    insured_first_name: Text = Field(default=None, max_length=200)
    insured_nir: Text = Field(default=None, max_length=30)
    amo_organism_id: int | None = None
    amo_regime: Text = Field(default=None, max_length=4)
    amo_caisse: Text = Field(default=None, max_length=6)
    amo_centre: Text = Field(default=None, max_length=8)
    amo_management_code: Text = Field(default=None, max_length=4)
    amo_proof: Text = Field(default=None, max_length=32)
    reimbursement_rate: Text = Field(default=None, max_length=64)
    exoneration: Text = Field(default=None, max_length=2)
    ald: bool | None = None
    alsace_moselle: bool | None = None
    periods: list[PeriodIn] | None = Field(default=None, max_length=50)
    work_accidents: list[WorkAccidentIn] | None = Field(default=None, max_length=50)


class PatientIn(PatientChanges):
    """A new patient: the name and the birth date are required (the service says so in French when empty)."""

    last_name: str = Field(max_length=200)
    birth_date: str = Field(max_length=20)


class CardBeneficiaryIn(BaseModel):
    """One beneficiary as the card agent read it (``GET /cartes`` of the desk's agent), with its card's kind."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["vitale", "apcv"]
    nir_assure: str | None = Field(default=None, max_length=30)
    beneficiaire: dict[str, Any]


class PatientSummaryOut(BaseModel):
    id: int
    last_name: str
    first_name: str | None
    birth_date: str
    rank: int
    insured_nir: str | None
    source: str


class PatientOut(BaseModel):
    id: int
    source: str
    values: dict[str, Any] = Field(description="Les champs du dossier (clés du service)")
    birth_date: str
    lunar: bool
    amo_organism_id: int | None
    periods: list[dict[str, Any]]
    work_accidents: list[dict[str, Any]]
    contracts: list[dict[str, Any]]
    warnings: list[str]


class SavedOut(BaseModel):
    id: int
    cree: bool
    avertissements: list[str]


def _data(body: BaseModel, *, given_only: bool) -> dict[str, object]:
    data = body.model_dump(exclude_unset=given_only)
    return {k: v for k, v in data.items() if given_only or v is not None}


def _out(view: patients.PatientView) -> PatientOut:
    return PatientOut(id=view.id, source=view.source, values=view.values, birth_date=view.birth_date,
                      lunar=view.lunar, amo_organism_id=view.amo_organism_id, periods=view.periods,
                      work_accidents=view.work_accidents, contracts=[asdict(c) for c in view.contracts],
                      warnings=view.warnings)


@router.get("/patients", response_model=list[PatientSummaryOut], summary="Rechercher des patients",
            dependencies=[needs(Permission.READ)])
def search(ctx: ContextDep, q: str = Query("", max_length=100, description="Nom, prénom, début du NIR ou date "
                                           "de naissance JJ/MM/AAAA"),
           ordre: Literal["asc", "desc"] = "asc",
           limite: int = Query(50, ge=1, le=1000)) -> list[PatientSummaryOut]:
    return [PatientSummaryOut(**asdict(p)) for p in find_patients(ctx, q, order=ordre, limit=limite)]


@router.post("/patients", response_model=SavedOut, status_code=201,
             summary="Créer un patient (clé d'idempotence)",
             responses={200: {"description": "Même clé, même corps : le patient déjà créé"}},
             dependencies=[needs(Permission.PATIENT_WRITE)])
def create(body: PatientIn, ctx: ContextDep, response: Response,
           idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> SavedOut:
    saved = patients.create_patient_once(ctx, _data(body, given_only=False), idempotency_key)
    if not saved.created:
        response.status_code = 200
    return SavedOut(id=saved.id, cree=saved.created, avertissements=list(saved.warnings))


@router.post("/patients/carte", response_model=SavedOut, summary="Enregistrer un bénéficiaire de la carte Vitale",
             dependencies=[needs(Permission.PATIENT_WRITE)])
def from_card(body: CardBeneficiaryIn, ctx: ContextDep) -> SavedOut:
    data = dict(body.beneficiaire)
    if body.nir_assure and not data.get("insured_nir"):
        data["insured_nir"] = body.nir_assure
    if body.type == "apcv" and not data.get("amo_proof"):
        data["amo_proof"] = "apcv"
    saved = patients.create_patient_from_card(ctx, data)
    return SavedOut(id=saved.id, cree=saved.created, avertissements=list(saved.warnings))


@router.get("/patients/{patient_id:int}", response_model=PatientOut, summary="Le dossier d'un patient",
            dependencies=[needs(Permission.READ)])
def read(patient_id: int, ctx: ContextDep) -> PatientOut:
    return _out(patients.get_patient(ctx, patient_id))


@router.patch("/patients/{patient_id:int}", response_model=PatientOut, summary="Modifier un patient",
              dependencies=[needs(Permission.PATIENT_WRITE, Permission.READ)])
def update(patient_id: int, body: PatientChanges, ctx: ContextDep) -> PatientOut:
    patients.update_patient(ctx, patient_id, _data(body, given_only=True))
    return _out(patients.get_patient(ctx, patient_id))


# --- the rights lookup (ADRi) in three steps: the CPS at the desk signs, behind the browser ----------------------

class CardIn(BaseModel):
    """The professional card as the desk's card agent reads it (``GET /cartes``, ``professionnelle``)."""

    model_config = ConfigDict(extra="ignore")   # the agent's other fields (certificate, names…) are not needed

    numero_serie: str = Field(max_length=64)
    type: str = Field(max_length=8)
    numero_facturation: str | None = Field(default=None, max_length=16)
    specialite: str | None = Field(default=None, max_length=4)


class RightsPreparationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carte: CardIn | None = None
    date_reference: date | None = None
    appli: dict[str, Any] | None = Field(default=None, description="L'appli carte Vitale lue au poste pour cette "
                                         "interrogation (GET /appli/nfc ou /appli/qr de l'agent), si elle est "
                                         "présentée")


class RightsPreparationOut(BaseModel):
    demande: str = Field(description="Les octets à faire signer par la CPS, en base64")
    carte: str


class SignatureIn(BaseModel):
    """What the agent's ``POST /signer`` answers."""

    model_config = ConfigDict(extra="forbid")

    carte: str = Field(max_length=64)
    type: Literal["cps"]
    algorithme: str = Field(max_length=32)
    signature: str = Field(max_length=4096)
    cle_publique: str = Field(max_length=8192)


class RightsSignedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    demande: str = Field(max_length=65536)
    signature: SignatureIn


class LookupOut(BaseModel):
    interrogation: int
    patient: int
    resultat: str
    autre_personne: bool


def _card(body: CardIn | None) -> ProfessionalCardData | None:
    if body is None:
        return None
    try:
        kind = CardKind(body.type)
    except ValueError:
        return None
    return ProfessionalCardData(serial=body.numero_serie, kind=kind, civility="", last_name="", first_name="",
                                billing_number=body.numero_facturation, specialty=body.specialite)


def _b64(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(f"{field} : base64 attendu.", code="base64", field=field) from None


@router.post("/patients/{patient_id:int}/droits/preparation", response_model=RightsPreparationOut,
             summary="Interrogation ADRi, étape 1 : la demande à signer par la CPS",
             dependencies=[needs(Permission.PATIENT_WRITE)])
def prepare_rights(patient_id: int, body: RightsPreparationIn, ctx: ContextDep) -> RightsPreparationOut:
    app = None if body.appli is None else vitale_from_json(body.appli, "appli")
    prepared = lookup.prepare_lookup(ctx, patient_id, _card(body.carte), reference=body.date_reference, app=app)
    return RightsPreparationOut(demande=base64.b64encode(prepared.body).decode("ascii"),
                                carte=prepared.card_serial)


@router.post("/patients/{patient_id:int}/droits", response_model=LookupOut,
             summary="Interrogation ADRi, étape 3 : la demande signée envoyée, la réponse gardée",
             dependencies=[needs(Permission.PATIENT_WRITE)])
def send_rights(patient_id: int, body: RightsSignedIn, ctx: ContextDep) -> LookupOut:
    signed = body.signature
    signature = Signature(card_serial=signed.carte, card_kind=CardKind.CPS, algorithm=signed.algorithme,
                          value=_b64(signed.signature, "signature.signature"),
                          public_key=_b64(signed.cle_publique, "signature.cle_publique"))
    view = lookup.send_signed_lookup(ctx, patient_id, _b64(body.demande, "demande"), signature)
    return LookupOut(interrogation=view.id, patient=view.patient_id, resultat=view.result,
                     autre_personne=view.other_person)

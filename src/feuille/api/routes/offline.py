"""Visits typed offline, sent by the browser when the server is back (« Factures à saisir »).

A record carries the id the browser gave it (``id_client``) and the time it was typed (``saisi_le``): sent again
(a sync cut in the middle), it is a repeat (200, nothing changes); changed, an edit (200) until billing has started
from it, then a conflict (409 ``offline_record_billed``) the page shows beside the record. ``POST
/api/hors-ligne/envoi`` takes up to :data:`BATCH_MAX` records in one request, each stored in its own transaction, and
answers for each: a refused record does not hold back the others, and the browser deletes only those the server
stored.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.billing import offline_records
from feuille.errors import FeuilleError

router = APIRouter(tags=["hors connexion"])
BATCH_MAX = 200

Text = str | None


class OfflineActIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=10)
    coefficient: str | int | None = None


class OfflineRecordIn(BaseModel):
    """A record as the offline page's form has it (manual 000); the service checks every field."""

    model_config = ConfigDict(extra="forbid")

    id_client: str = Field(max_length=64)
    saisi_le: str = Field(max_length=40)
    patient_est_assure: bool | str | None = None
    nir_connu: bool | str | None = None
    nom: Text = Field(default=None, max_length=200)
    prenom: Text = Field(default=None, max_length=200)
    nir: Text = Field(default=None, max_length=30)
    cle: str | int | None = None
    date_naissance: Text = Field(default=None, max_length=20)
    rang: str | int | None = None
    assure_nom: Text = Field(default=None, max_length=200)
    assure_prenom: Text = Field(default=None, max_length=200)
    date_soins: Text = Field(default=None, max_length=40)
    note: Text = Field(default=None, max_length=4000)
    actes: list[OfflineActIn] | None = Field(default=None, max_length=50)


class OfflineRecordOut(BaseModel):
    id: int
    id_client: str
    etat: str
    saisi_le: str
    recu_le: str
    patient_est_assure: bool
    nir_connu: bool
    nom: str
    prenom: str
    nir: str | None
    date_naissance: str | None
    rang: int | None
    assure_nom: str | None
    assure_prenom: str | None
    date_soins: str
    note: str | None
    actes: list[dict[str, Any]]
    facture: int | None
    envoye_par: str


class StoredOut(BaseModel):
    resultat: Literal["enregistre", "deja_recu", "modifie"]
    enregistrement: OfflineRecordOut


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enregistrements: list[OfflineRecordIn] = Field(max_length=BATCH_MAX)


class BatchItemOut(BaseModel):
    id_client: str
    resultat: Literal["enregistre", "deja_recu", "modifie", "refuse"]
    enregistrement: OfflineRecordOut | None = None
    erreur: dict[str, Any] | None = None


class BatchOut(BaseModel):
    resultats: list[BatchItemOut]


def _document(body: OfflineRecordIn) -> dict[str, object]:
    return body.model_dump(exclude_none=True)


@router.post("/hors-ligne/enregistrements", response_model=StoredOut, status_code=201,
             summary="Envoyer un enregistrement fait hors connexion (une seule fois, même envoyé plusieurs fois)",
             responses={200: {"description": "Déjà reçu (rien ne change) ou modifié"}},
             dependencies=[needs(Permission.INVOICE_DRAFT)])
def send_record(body: OfflineRecordIn, ctx: ContextDep, response: Response) -> StoredOut:
    stored = offline_records.store(ctx, _document(body))
    if not stored.created:
        response.status_code = 200
    return StoredOut.model_validate({"resultat": stored.outcome, "enregistrement": stored.record.to_json()})


@router.post("/hors-ligne/envoi", response_model=BatchOut,
             summary=f"Envoyer jusqu'à {BATCH_MAX} enregistrements faits hors connexion, chacun pour lui-même",
             dependencies=[needs(Permission.INVOICE_DRAFT)])
def send_batch(body: BatchIn, ctx: ContextDep) -> BatchOut:
    results = []
    for item in body.enregistrements:
        try:
            stored = offline_records.store(ctx, _document(item))
        except FeuilleError as refused:
            results.append(BatchItemOut(id_client=item.id_client, resultat="refuse", erreur=refused.to_json()))
            continue
        results.append(BatchItemOut.model_validate({"id_client": item.id_client, "resultat": stored.outcome,
                                                    "enregistrement": stored.record.to_json()}))
    return BatchOut(resultats=results)


@router.get("/hors-ligne/enregistrements", response_model=list[OfflineRecordOut],
            summary="Factures à saisir : les enregistrements hors connexion encore à facturer",
            dependencies=[needs(Permission.READ)])
def records_to_bill(ctx: ContextDep) -> list[OfflineRecordOut]:
    return [OfflineRecordOut.model_validate(view.to_json()) for view in offline_records.to_bill(ctx)]


@router.delete("/hors-ligne/enregistrements/{id_client}", status_code=204,
               summary="Supprimer un enregistrement envoyé (par son identifiant dans le navigateur)",
               dependencies=[needs(Permission.INVOICE_DRAFT)])
def delete_sent(id_client: str, ctx: ContextDep) -> Response:
    offline_records.remove_sent(ctx, id_client)
    return Response(status_code=204)

"""Securing an invoice over HTTP with the cards at the desk (three-step signing, ARCHITECTURE.md « Signing when the
card is at the desk»): the client reads the cards through the desk's card agent and sends what it read
(``POST /api/factures/{id}/preparation``), has the agent sign the bytes it gets back, and sends the signatures
(``POST /api/factures/{id}/validation``); the server commits. The securing page does the same through
``/factures/{id}/securiser/…`` (:mod:`feuille.web.pages.securing`), with these models and functions.
"""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from feuille.api.deps import ContextDep, needs
from feuille.auth import Context, Permission
from feuille.billing import securing, signing
from feuille.billing.views import InvoiceView
from feuille.cards.agent_http import professional_from_json, signature_from_json, vitale_from_json
from feuille.cards.messages import no_professional_card
from feuille.errors import ValidationError

router = APIRouter(tags=["sécurisation"])
#: What the securing services require besides INVOICE_DRAFT, for all but the first signature of a desynchronised
#: invoice (``securing.prepare``, ``prepare_final``; ``signing.commit_for``/``release_for`` by the step prepared).
FINAL = (Permission.INVOICE_SIGN_FINAL,)


class CardsIn(BaseModel):
    """The cards as the agent's ``GET /cartes`` answers (``vitale``: only when the mode needs it)."""

    model_config = ConfigDict(extra="forbid")

    professionnelle: dict[str, Any] | None = None
    vitale: dict[str, Any] | None = None


class PreparationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: str | None = Field(default=None, max_length=30,
                             description="synchronise, desynchronise, degrade ou sans-vitale (première sécurisation)")
    signature_finale: bool = Field(default=False, description="signature finale d'une facture « à sécuriser »")
    cartes: CardsIn


class SignatureIn(BaseModel):
    """A card's signature as the agent's ``POST /signer`` answers."""

    model_config = ConfigDict(extra="forbid")

    carte: str = Field(max_length=200)
    type: str = Field(max_length=20)
    algorithme: str = Field(max_length=60)
    signature: str = Field(max_length=20_000)
    cle_publique: str = Field(max_length=20_000)


class ValidationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    preparation: int = Field(ge=1)
    signature: SignatureIn
    vitale: SignatureIn | None = None


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    preparation: int = Field(ge=1)
    raison: str = Field(default="", max_length=500)


class PreparationOut(BaseModel):
    """Either the bytes the cards must sign (``termine`` false), or the invoice already secured so (true)."""

    termine: bool
    preparation: int | None = None
    numero: int | None = None
    donnees: str | None = Field(default=None, description="base64 des octets à signer")
    carte: str | None = Field(default=None, description="la carte professionnelle qui signe")
    vitale: str | None = Field(default=None, description="la carte Vitale (ou l'appli) qui signe aussi")
    expire_a: str | None = None
    facture: dict[str, Any] | None = None


class InvoiceOut(BaseModel):
    termine: bool = True
    facture: dict[str, Any]


def prepare(ctx: Context, invoice_id: int, body: PreparationIn) -> PreparationOut:
    """Step 1 with the cards as read at the desk: the first securing in ``body.mode``, or the final signature."""
    if body.cartes.professionnelle is None:
        raise no_professional_card()
    card = professional_from_json(body.cartes.professionnelle, "cartes.professionnelle")
    if body.signature_finale:
        prepared = securing.prepare_final(ctx, invoice_id, card)
    else:
        if body.mode is None:
            raise ValidationError("Mode de sécurisation : choisissez-en un.", code="secure_mode", field="mode")
        vitale = None if body.cartes.vitale is None else vitale_from_json(body.cartes.vitale, "cartes.vitale")
        prepared = securing.prepare(ctx, invoice_id, body.mode, securing.Cards(card, vitale))
    return prepared_out(prepared)


def prepared_out(prepared: signing.Prepared | InvoiceView) -> PreparationOut:
    """What a preparation answers (securing or a credit note): the bytes to sign, or the invoice done already."""
    if isinstance(prepared, InvoiceView):
        return PreparationOut(termine=True, facture=prepared.to_json())
    return PreparationOut(termine=False, preparation=prepared.id, numero=prepared.number,
                          donnees=base64.b64encode(prepared.data).decode("ascii"), carte=prepared.card_serial,
                          vitale=prepared.vitale_serial, expire_a=prepared.expires_at.isoformat())


def commit(ctx: Context, invoice_id: int, body: ValidationIn) -> InvoiceView:
    """Step 3: the cards' signatures committed (or the preparation released, and the French reason raised)."""
    signature = signature_from_json(body.signature.model_dump(), "signature")
    vitale = None if body.vitale is None else signature_from_json(body.vitale.model_dump(), "vitale")
    return signing.commit_for(ctx, invoice_id, body.preparation, signature, vitale)


def release(ctx: Context, invoice_id: int, body: ReleaseIn) -> None:
    signing.release_for(ctx, invoice_id, body.preparation, body.raison)


@router.post("/factures/{invoice_id:int}/preparation", response_model=PreparationOut,
             summary="Préparer la sécurisation (étape 1 : les cartes lues au poste)",
             dependencies=[needs(Permission.INVOICE_DRAFT, depending=FINAL)])
def preparation(invoice_id: int, body: PreparationIn, ctx: ContextDep) -> PreparationOut:
    return prepare(ctx, invoice_id, body)


@router.post("/factures/{invoice_id:int}/validation", response_model=InvoiceOut,
             summary="Valider la sécurisation (étape 3 : les signatures des cartes)",
             dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ, depending=FINAL)])
def validation(invoice_id: int, body: ValidationIn, ctx: ContextDep) -> InvoiceOut:
    return InvoiceOut(facture=commit(ctx, invoice_id, body).to_json())


@router.post("/factures/{invoice_id:int}/abandon", status_code=204,
             summary="Abandonner une sécurisation préparée (la carte n'a pas signé)",
             dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ, depending=FINAL)])
def abandon(invoice_id: int, body: ReleaseIn, ctx: ContextDep) -> None:
    release(ctx, invoice_id, body)

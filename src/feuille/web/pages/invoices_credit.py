"""Cancelling an invoice by a credit note (avoir) in the browser, through the card agent at the desk.

The page reads the CPS through the desk's agent (``static/agent.js``) and posts what it read to
``…/annuler/preparer``: the server writes the credit note as a draft, draws its number and answers the bytes to
sign; the agent has the card sign them; the page posts the signature to ``…/annuler/valider`` and the server
commits (credit note secured, invoice cancelled). A card that refuses releases the preparation
(``…/annuler/abandonner``). The three steps are ``static/desk_signing.js``'s, shared with the securing page; they
answer JSON with the securing API's models. The server never reads a card, and no card PIN goes through a page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from feuille.api.deps import ContextDep, needs
from feuille.api.routes import securing as api
from feuille.auth import Permission
from feuille.billing import cancel, queries
from feuille.cards.agent_http import professional_from_json, signature_from_json
from feuille.cards.messages import no_professional_card
from feuille.web.pages.securing import desk_json
from feuille.web.templating import page

router = APIRouter()


class CreditNoteIn(BaseModel):
    """The cards as the agent read them: the CPS signs the credit note (a Vitale card, if sent, is not used)."""

    model_config = ConfigDict(extra="forbid")

    cartes: api.CardsIn


def _done(invoice_id: int) -> str:
    return f"/factures/{invoice_id}?fait=avoir"


@router.get("/factures/{invoice_id:int}/annuler", include_in_schema=False, dependencies=[needs(Permission.READ)])
def cancel_page(request: Request, ctx: ContextDep, invoice_id: int) -> Response:
    found = queries.details(ctx, invoice_id)
    return page(request, "invoices/annuler.html", {"title": "Annuler la facture par un avoir", "d": found,
                                                    "v": found.view})


@router.post("/factures/{invoice_id:int}/annuler/preparer", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_SIGN_FINAL)])
async def prepare(request: Request, invoice_id: int, ctx: ContextDep) -> Response:
    def work(body: CreditNoteIn) -> dict[str, Any]:
        if body.cartes.professionnelle is None:
            raise no_professional_card()
        card = professional_from_json(body.cartes.professionnelle, "cartes.professionnelle")
        answer = api.prepared_out(cancel.prepare_credit_note(ctx, invoice_id, card)).model_dump(mode="json")
        return {**answer, "adresse": _done(invoice_id)}

    return await desk_json(request, CreditNoteIn, work)


@router.post("/factures/{invoice_id:int}/annuler/valider", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_SIGN_FINAL, Permission.READ)])
async def commit(request: Request, invoice_id: int, ctx: ContextDep) -> Response:
    def work(body: api.ValidationIn) -> dict[str, Any]:
        signature = signature_from_json(body.signature.model_dump(), "signature")
        credit = cancel.commit_for(ctx, invoice_id, body.preparation, signature)
        return {"termine": True, "facture": credit.to_json(), "adresse": _done(invoice_id)}

    return await desk_json(request, api.ValidationIn, work)


@router.post("/factures/{invoice_id:int}/annuler/abandonner", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_SIGN_FINAL, Permission.READ)])
async def release(request: Request, invoice_id: int, ctx: ContextDep) -> Response:
    def work(body: api.ReleaseIn) -> dict[str, Any]:
        cancel.release_for(ctx, invoice_id, body.preparation, body.raison)
        return {"abandonnee": True}

    return await desk_json(request, api.ReleaseIn, work)

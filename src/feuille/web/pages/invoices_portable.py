"""The portable reader's screens (manual 001, « Factures eS-KAP+ », « Factures poste de travail »): what a reader
carries (its two indicators: signed, not signed), loading « TP calculé » invoices on it, reading the patient's
Vitale card (or the Vitale app, by NFC or QR code) to list his invoices, signing a selection, deleting unsigned
ones, unloading it; after a signing or an unloading, the recap.

Signing is the desynchronised first signature, made on the reader's side: the page reads the cards through the
desk's card agent (``static/agent.js``; in the virtual world the agent plays the portable reader) and signs each
chosen invoice in three steps (``…/{id}/preparer``, the agent signs, ``…/{id}/valider``; a card that refuses:
``…/{id}/abandonner``), driven by ``static/lecteur_portable.js``. The server never reads a card.
Every screen and form carries the reader's name (``lecteur``, « portable » by default), as ``--lecteur`` does.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from feuille.api.deps import ContextDep, needs
from feuille.api.routes import securing as api
from feuille.auth import Context, Permission, may
from feuille.billing import portable, portable_delete, queries, securing
from feuille.cards.agent_http import professional_from_json, signature_from_json, vitale_from_json
from feuille.cards.messages import no_professional_card
from feuille.domain.invoices import InvoiceState
from feuille.errors import FeuilleError, PermissionDeniedError
from feuille.web.pages.securing import desk_json
from feuille.web.templating import page

router = APIRouter()
ADDRESS = "/factures/lecteur-portable"
READER = Annotated[str, Form(max_length=100)]
MAX_IDS = 500  # invoices named in a recap's address, as a batch of the reader


def _address(reader: str, **query: str) -> str:
    return f"{ADDRESS}?{urlencode({'lecteur': reader, **query})}"


def _reader(value: str) -> tuple[str, FeuilleError | None]:
    """The reader's name; a wrong one falls back to the default reader, with the refusal to show beside it."""
    try:
        return portable.reader_name(value or portable.DEFAULT_READER), None
    except FeuilleError as error:
        return portable.DEFAULT_READER, error


def _ids(text: str) -> list[str]:
    return [part for part in text.split(",") if part.isdigit() and 0 < int(part) < 2**31][:MAX_IDS]


def _screen(request: Request, ctx: Context, reader: str, *, message: str | None = None,
            error: FeuilleError | None = None, chosen: list[str] | None = None, status: int = 200,
            recap: dict[str, list[str]] | None = None, signing: portable.Recap | None = None,
            failed: str = "") -> Response:
    carried = portable.listing(ctx, reader)
    on_reader = {item.id for item in carried}
    loadable = [item for item in queries.list_invoices(ctx, InvoiceState.PRICED.value, queries.MAX_LIST)
                if item.id not in on_reader]
    return page(request, "invoices/lecteur.html", {
        "title": "Lecteur portable", "carried": carried, "signed": [i for i in carried if i.signed],
        "not_signed": [i for i in carried if not i.signed], "loadable": loadable, "message": message,
        "chosen": set(chosen or []), "recap": recap, "signing": signing, "reader": reader,
        "failed": failed, "can_sign": may(ctx, Permission.INVOICE_DRAFT),
    }, error=error, status=status)


@router.get(ADDRESS, include_in_schema=False, dependencies=[needs(Permission.READ)])
def reader_screen(request: Request, ctx: ContextDep) -> Response:
    params = request.query_params
    reader, wrong = _reader(params.get("lecteur", ""))
    done = params.get("fait", "")
    messages = {"charge": "Factures chargées sur le lecteur portable.",
                "supprime": "Factures supprimées du lecteur portable."}
    recap = signing = None
    if done == "decharge":
        recap = {key: _ids(params.get(key, "")) for key in ("signees", "inchangees")}
        messages["decharge"] = (f"Lecteur déchargé : {len(recap['signees'])} facture(s) signée(s), à sécuriser au "
                                f"poste ; {len(recap['inchangees'])} inchangée(s).")
    elif done == "signe" and wrong is None:
        signing = portable.recap(ctx, _ids(params.get("factures", "")), reader)
        messages["signe"] = (f"Signature terminée : {len(signing.signed)} facture(s) signée(s), "
                             f"{len(signing.not_signed)} non signée(s).")
    return _screen(request, ctx, reader, message=messages.get(done), recap=recap, signing=signing, error=wrong,
                   status=wrong.http_status if wrong else 200, failed="lecteur" if wrong else "")


@router.post(f"{ADDRESS}/charger", include_in_schema=False, dependencies=[needs(Permission.INVOICE_DRAFT)])
def load(request: Request, ctx: ContextDep, ids: Annotated[list[str] | None, Form()] = None,
         memes_patients: Annotated[str, Form()] = "", lecteur: READER = portable.DEFAULT_READER) -> Response:
    reader, _ = _reader(lecteur)
    try:
        portable.load(ctx, ids or [], lecteur, same_patients=bool(memes_patients))
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return _screen(request, ctx, reader, error=error, chosen=ids, status=error.http_status, failed="charger")
    return RedirectResponse(_address(reader, fait="charge"), status_code=303)


@router.post(f"{ADDRESS}/supprimer", include_in_schema=False, dependencies=[needs(Permission.INVOICE_DRAFT)])
def delete(request: Request, ctx: ContextDep, sur_lecteur: Annotated[list[str] | None, Form()] = None,
           lecteur: READER = portable.DEFAULT_READER) -> Response:
    """« Supprimer les factures »: the page asks « Oui / Non » first (``static/lecteur_portable.js``)."""
    reader, _ = _reader(lecteur)
    try:
        portable_delete.delete_on_reader(ctx, sur_lecteur or [], lecteur)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return _screen(request, ctx, reader, error=error, status=error.http_status, failed="supprimer")
    return RedirectResponse(_address(reader, fait="supprime"), status_code=303)


@router.post(f"{ADDRESS}/decharger", include_in_schema=False, dependencies=[needs(Permission.INVOICE_DRAFT)])
def unload(request: Request, ctx: ContextDep, lecteur: READER = portable.DEFAULT_READER) -> Response:
    """Then the recap: which invoices came back signed (« à sécuriser ») and which unchanged."""
    reader, _ = _reader(lecteur)
    try:
        result = portable.unload(ctx, lecteur)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return _screen(request, ctx, reader, error=error, status=error.http_status, failed="lecteur")
    signed = ",".join(str(item.id) for item in result.signed)
    unchanged = ",".join(str(item.id) for item in result.unchanged)
    return RedirectResponse(_address(result.reader, fait="decharge", signees=signed, inchangees=unchanged),
                            status_code=303)


# --- signing on the reader: the three steps, as JSON for static/lecteur_portable.js ------------------------------

class SigningIn(BaseModel):
    """Step 1: the cards as the desk's agent read them (the CPS/CPE and the patient's Vitale card or app)."""

    model_config = ConfigDict(extra="forbid")

    lecteur: str = Field(default=portable.DEFAULT_READER, max_length=100)
    cartes: api.CardsIn


class CommitIn(api.ValidationIn):
    lecteur: str = Field(default=portable.DEFAULT_READER, max_length=100)


class ReleaseIn(api.ReleaseIn):
    lecteur: str = Field(default=portable.DEFAULT_READER, max_length=100)


def _cards(body: SigningIn) -> securing.Cards:
    if body.cartes.professionnelle is None:
        raise no_professional_card()
    card = professional_from_json(body.cartes.professionnelle, "cartes.professionnelle")
    vitale = None if body.cartes.vitale is None else vitale_from_json(body.cartes.vitale, "cartes.vitale")
    return securing.Cards(card, vitale)


@router.post(f"{ADDRESS}/{{invoice_id:int}}/preparer", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT)])
async def prepare(request: Request, invoice_id: int, ctx: ContextDep) -> Response:
    def work(body: SigningIn) -> dict[str, Any]:
        prepared = portable.prepare_sign(ctx, invoice_id, _cards(body), body.lecteur)
        return api.prepared_out(prepared).model_dump(mode="json")

    return await desk_json(request, SigningIn, work)


@router.post(f"{ADDRESS}/{{invoice_id:int}}/valider", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ)])
async def commit(request: Request, invoice_id: int, ctx: ContextDep) -> Response:
    def work(body: CommitIn) -> dict[str, Any]:
        signature = signature_from_json(body.signature.model_dump(), "signature")
        vitale = None if body.vitale is None else signature_from_json(body.vitale.model_dump(), "vitale")
        view = portable.commit_sign(ctx, invoice_id, body.preparation, signature, vitale, body.lecteur)
        return {"termine": True, "facture": view.to_json()}

    return await desk_json(request, CommitIn, work)


@router.post(f"{ADDRESS}/{{invoice_id:int}}/abandonner", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ)])
async def release(request: Request, invoice_id: int, ctx: ContextDep) -> Response:
    def work(body: ReleaseIn) -> dict[str, Any]:
        portable.release_sign(ctx, invoice_id, body.preparation, body.raison, body.lecteur)
        return {"abandonnee": True}

    return await desk_json(request, ReleaseIn, work)

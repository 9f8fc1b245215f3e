"""The portable reader's screens (manual 001, « Factures eS-KAP+ », « Factures poste de travail »): what the
reader carries (signed, not signed), loading « TP calculé » invoices on it, deleting unsigned ones, unloading it
(the recap: signed invoices come back « à sécuriser », the others unchanged).

Signing on the reader needs the patient's Vitale card and the CPS at the reader itself (``feuille lecteur
signer``): the card pages of the desk drive it; this screen shows its outcome (signed / not signed, last refusal).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from feuille.api.deps import ContextDep, needs
from feuille.auth import Context, Permission
from feuille.billing import portable, portable_delete, queries
from feuille.domain.invoices import InvoiceState
from feuille.errors import FeuilleError, PermissionDeniedError
from feuille.web.templating import page

router = APIRouter()
ADDRESS = "/factures/lecteur-portable"


def _screen(request: Request, ctx: Context, *, message: str | None = None, error: FeuilleError | None = None,
            chosen: list[str] | None = None, status: int = 200,
            recap: dict[str, list[str]] | None = None, failed: str = "") -> Response:
    carried = portable.listing(ctx, portable.DEFAULT_READER)
    on_reader = {item.id for item in carried}
    loadable = [item for item in queries.list_invoices(ctx, InvoiceState.PRICED.value, queries.MAX_LIST)
                if item.id not in on_reader]
    return page(request, "invoices/lecteur.html", {
        "title": "Lecteur portable", "carried": carried, "signed": [i for i in carried if i.signed],
        "not_signed": [i for i in carried if not i.signed], "loadable": loadable, "message": message,
        "chosen": set(chosen or []), "recap": recap, "reader": portable.DEFAULT_READER,
        "failed": failed,
    }, error=error, status=status)


@router.get(ADDRESS, include_in_schema=False, dependencies=[needs(Permission.READ)])
def reader_screen(request: Request, ctx: ContextDep) -> Response:
    done = request.query_params.get("fait", "")
    messages = {"charge": "Factures chargées sur le lecteur portable.",
                "supprime": "Factures supprimées du lecteur portable."}
    recap = None
    if done == "decharge":
        recap = {key: [part for part in request.query_params.get(key, "").split(",") if part.isdigit()]
                 for key in ("signees", "inchangees")}
        messages["decharge"] = (f"Lecteur déchargé : {len(recap['signees'])} facture(s) signée(s), à sécuriser au "
                                f"poste ; {len(recap['inchangees'])} inchangée(s).")
    return _screen(request, ctx, message=messages.get(done), recap=recap)


@router.post(f"{ADDRESS}/charger", include_in_schema=False, dependencies=[needs(Permission.INVOICE_DRAFT)])
def load(request: Request, ctx: ContextDep, ids: Annotated[list[str] | None, Form()] = None,
         memes_patients: Annotated[str, Form()] = "") -> Response:
    try:
        portable.load(ctx, ids or [], portable.DEFAULT_READER, same_patients=bool(memes_patients))
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return _screen(request, ctx, error=error, chosen=ids, status=error.http_status, failed="charger")
    return RedirectResponse(f"{ADDRESS}?fait=charge", status_code=303)


@router.post(f"{ADDRESS}/supprimer", include_in_schema=False, dependencies=[needs(Permission.INVOICE_DRAFT)])
def delete(request: Request, ctx: ContextDep, sur_lecteur: Annotated[list[str] | None, Form()] = None) -> Response:
    try:
        portable_delete.delete_on_reader(ctx, sur_lecteur or [], portable.DEFAULT_READER)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return _screen(request, ctx, error=error, status=error.http_status, failed="supprimer")
    return RedirectResponse(f"{ADDRESS}?fait=supprime", status_code=303)


@router.post(f"{ADDRESS}/decharger", include_in_schema=False, dependencies=[needs(Permission.INVOICE_DRAFT)])
def unload(request: Request, ctx: ContextDep) -> Response:
    """Then the recap: which invoices came back signed (« à sécuriser ») and which unchanged."""
    try:
        result = portable.unload(ctx, portable.DEFAULT_READER)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return _screen(request, ctx, error=error, status=error.http_status)
    signed = ",".join(str(item.id) for item in result.signed)
    unchanged = ",".join(str(item.id) for item in result.unchanged)
    return RedirectResponse(f"{ADDRESS}?fait=decharge&signees={signed}&inchangees={unchanged}", status_code=303)

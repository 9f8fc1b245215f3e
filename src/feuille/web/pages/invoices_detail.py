"""An invoice's details page: the invoice, its lines and shares, payments, pieces, lots and history, with the
actions its state allows (``billing.queries.details``); a refused action shows this page again with its message."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from feuille.api.deps import ContextDep, needs
from feuille.auth import Context, Permission
from feuille.billing import queries
from feuille.domain.invoices import MEANS_LABELS, InvoiceState
from feuille.errors import FeuilleError
from feuille.web.templating import page

router = APIRouter()
#: The confirmations a change redirects with (``?fait=``): what the details page then says.
DONE = {
    "paiement": "Paiement enregistré.",
    "paiement-retire": "Paiement retiré.",
    "supprimee": "Facture supprimée.",
    "piece": "Pièce jointe enregistrée.",
    "papier": "Feuille de soins marquée envoyée sur papier.",
    "feuille-jointe": "Feuille de soins jointe à la facture : elle devient transmissible.",
    "avoir": "Facture annulée par un avoir.",
}
MEANS_OPTIONS = [(m.value, label[:1].upper() + label[1:]) for m, label in MEANS_LABELS.items()]


@router.get("/factures/{invoice_id:int}", include_in_schema=False, dependencies=[needs(Permission.READ)])
def invoice_details(request: Request, ctx: ContextDep, invoice_id: int) -> Response:
    return details_page(request, ctx, invoice_id, message=DONE.get(request.query_params.get("fait", "")))


def details_page(request: Request, ctx: Context, invoice_id: int, *, message: str | None = None,
                 error: FeuilleError | None = None, typed: dict[str, str] | None = None,
                 status: int = 200) -> Response:
    """The details page; ``error`` and ``typed``: a refused form shown again with what was typed."""
    found = queries.details(ctx, invoice_id)
    view = found.view
    number = f"n° {view.number}" if view.number is not None else "sans numéro"
    return page(request, "invoices/detail.html", {
        "title": f"Facture {view.id} ({number})", "d": found, "v": view, "message": message,
        "typed": typed or {}, "means": MEANS_OPTIONS, "means_labels": dict(MEANS_OPTIONS),
        "partly_secured": view.state == InvoiceState.PARTLY_SECURED.value,
    }, error=error, status=status)



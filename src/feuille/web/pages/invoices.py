"""Invoice lists and an invoice's details (manual 001, « Factures poste de travail », « Détail de la facture »).

The list filters by state, patient, professional and dates; typed filters refresh the table through htmx (the
partial ``invoices/_table.html``) without reloading the page. The details page shows the invoice and the actions
its state allows (``billing.queries.details``); the actions themselves are in :mod:`invoices_actions`, the
portable reader's screens in :mod:`invoices_portable`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from feuille.api.deps import ContextDep, needs
from feuille.auth import Context, Permission
from feuille.billing import queries
from feuille.domain.invoices import STATE_LABELS
from feuille.errors import FeuilleError
from feuille.practice import professionals
from feuille.web.pages import invoices_actions, invoices_credit, invoices_detail, invoices_portable
from feuille.web.templating import page

router = APIRouter()
FILTERS = ("etat", "patient", "pro", "du", "au")
STATE_OPTIONS = [("", "Tous les états")] + [(s.value, label.capitalize()) for s, label in STATE_LABELS.items()]


def filters_of(request: Request) -> dict[str, str]:
    return {name: request.query_params.get(name, "").strip() for name in FILTERS}


def listing(ctx: Context, filters: dict[str, str], limit: int = 200) -> list[queries.ListedInvoice]:
    return queries.list_invoices(ctx, filters["etat"] or None, limit, patient=filters["patient"] or None,
                                 professional=filters["pro"] or None, since=filters["du"] or None,
                                 until=filters["au"] or None)


@router.get("/factures", include_in_schema=False, dependencies=[needs(Permission.READ)])
def invoice_list(request: Request, ctx: ContextDep) -> Response:
    filters = filters_of(request)
    partial = bool(request.headers.get("hx-request")) and not request.headers.get("hx-boosted")
    error: FeuilleError | None = None
    try:
        found = listing(ctx, filters)
    except FeuilleError as refused:
        if refused.http_status == 403:
            raise
        error, found = refused, []
    values: dict[str, Any] = {"title": "Factures", "filters": filters, "invoices": found,
                              "states": STATE_OPTIONS, "pros": _pro_options(ctx)}
    if partial:   # htmx swaps 2xx answers only: the refusal is shown in the table's place
        return page(request, "invoices/_table.html", values, error=error)
    return page(request, "invoices/liste.html", values, error=error,
                status=error.http_status if error is not None else 200)


def _pro_options(ctx: Context) -> list[tuple[str, str]]:
    return [("", "Tous les professionnels")] + [
        (str(pro.id), f"{pro.last_name} {pro.first_name} ({pro.billing_number})")
        for pro in professionals.list_professionals(ctx)]


router.include_router(invoices_portable.router)
router.include_router(invoices_detail.router)
router.include_router(invoices_actions.router)
router.include_router(invoices_credit.router)

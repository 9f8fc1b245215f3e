"""Securing an invoice in the browser (three-step signing through the card agent at the desk): synchronised,
desynchronised (first and final signature), degraded; and the list of the invoices « à sécuriser ».

The page reads the cards through the desk's agent (``static/agent.js``) and posts what it read to
``…/securiser/preparer``; the agent signs the bytes the server prepared; the page posts the signatures to
``…/securiser/valider`` and the server commits (``static/securing.js``, over ``static/desk_signing.js`` which the
credit note's page shares). A card that refuses releases the preparation (``…/securiser/abandonner``). These three
answer JSON, as the API's equivalents (:mod:`feuille.api.routes.securing`) whose models and functions they share.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from pydantic import ValidationError as BodyError
from starlette.concurrency import run_in_threadpool

from feuille.api import errors as api_errors
from feuille.api.deps import ContextDep, needs
from feuille.api.routes import securing as api
from feuille.auth import Permission
from feuille.billing import offline_records, queries, securing
from feuille.billing.views import InvoiceView
from feuille.domain.invoices import SecureMode
from feuille.errors import FeuilleError
from feuille.web.templating import page

router = APIRouter()
Body = TypeVar("Body", bound=BaseModel)


def done_message(view: InvoiceView) -> str | None:
    """The confirmation shown after the page secured the invoice (« ?fait=1 »), by its state."""
    number = f"n° {view.number}" if view.number is not None else str(view.id)
    mode = view.secure_mode_label
    if view.state == "partly_secured":
        return (f"Première signature enregistrée : la facture {number} est « à sécuriser ». La signature finale se "
                "fait avec la CPS du professionnel qui facture, avant la télétransmission.")
    if view.state != "secured":
        return None
    if not view.sendable:
        return (f"Facture {number} sécurisée en mode {mode} : joignez sa feuille de soins ou envoyez-la sur papier "
                "avant de la télétransmettre.")
    return f"Facture {number} sécurisée ({mode}) : elle est prête à être télétransmise."


@router.get("/factures/{invoice_id:int}/securiser", include_in_schema=False, dependencies=[needs(Permission.READ)])
def securing_page(request: Request, invoice_id: int, ctx: ContextDep, fait: str | None = None) -> Response:
    options = securing.desk_options(ctx, invoice_id)
    record = offline_records.for_invoice(ctx, invoice_id)
    # a visit recorded offline is billed in degraded mode by default (manual 000): the card was not read then
    preferred = SecureMode.DEGRADE if record is not None else SecureMode.SYNCHRONISE
    default = preferred if preferred in options.modes else (options.modes[0] if options.modes else None)
    return page(request, "securing/securiser.html", {
        "title": f"Sécuriser la facture {invoice_id}", "options": options, "invoice": options.invoice,
        "default_mode": default.value if default else None,
        "mode_label": options.invoice.secure_mode_label, "offline_record": record,
        "message": done_message(options.invoice) if fait else None})


@router.get("/factures/a-securiser", include_in_schema=False, dependencies=[needs(Permission.READ)])
def to_secure(request: Request, ctx: ContextDep) -> Response:
    """« Factures à sécuriser » (the home tile): the desynchronised invoices waiting for their final signature."""
    listed = queries.list_invoices(ctx, "partly_secured", limit=queries.MAX_LIST)
    return page(request, "securing/a_securiser.html", {"title": "Factures à sécuriser", "invoices": listed})


async def desk_json(request: Request, model: type[Body], work: Callable[[Body], Any]) -> Response:
    """Read the JSON body as the API would, run ``work``; a refusal is the API's JSON (audited when it is one
    for want of a right), never a page: the script shows its French message."""
    try:
        body = model.model_validate_json(await request.body())
    except BodyError as bad:
        return JSONResponse(api_errors.validation_body(bad.errors()), status_code=422)
    try:
        return JSONResponse(await run_in_threadpool(work, body))  # the services block: not on the event loop
    except FeuilleError as refused:
        return await api_errors.feuille_error(request, refused)


@router.post("/factures/{invoice_id:int}/securiser/preparer", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT, depending=api.FINAL)])
async def prepare(request: Request, invoice_id: int, ctx: ContextDep) -> Response:
    def work(body: api.PreparationIn) -> dict[str, Any]:
        answer = api.prepare(ctx, invoice_id, body).model_dump(mode="json")
        return {**answer, "adresse": f"/factures/{invoice_id}/securiser?fait=1"}

    return await desk_json(request, api.PreparationIn, work)


@router.post("/factures/{invoice_id:int}/securiser/valider", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ, depending=api.FINAL)])
async def commit(request: Request, invoice_id: int, ctx: ContextDep) -> Response:
    def work(body: api.ValidationIn) -> dict[str, Any]:
        view = api.commit(ctx, invoice_id, body)
        return {"termine": True, "facture": view.to_json(), "adresse": f"/factures/{invoice_id}/securiser?fait=1"}

    return await desk_json(request, api.ValidationIn, work)


@router.post("/factures/{invoice_id:int}/securiser/abandonner", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ, depending=api.FINAL)])
async def release(request: Request, invoice_id: int, ctx: ContextDep) -> Response:
    def work(body: api.ReleaseIn) -> dict[str, Any]:
        api.release(ctx, invoice_id, body)
        return {"abandonnee": True}

    return await desk_json(request, api.ReleaseIn, work)

"""Follow-up (manual 003 VII): the list with its filters (htmx), an invoice's returns, manual matching and
unmatching, rejects and « traiter ». Transfers, one-off operations, NOEMIE files and charts are in
:mod:`follow_up_money`, included here.

Routes only read what was typed and call ``feuille.returns``; every refusal is the service's, in French.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.domain import follow_up as fu
from feuille.errors import FeuilleError, Problem
from feuille.returns import corrections, follow_up, manual_matching, rejects
from feuille.returns.follow_up_detail import invoice_detail
from feuille.web.pages import follow_up_money, reports
from feuille.web.templating import page

router = APIRouter()

#: The follow-up states a filter offers (the manual's words), as the service parses them.
STATES = [(state.value, label) for state, label in fu.LABELS.items()]
MANUAL_STATES = [("paye", "Payé"), ("partiellement_paye", "Partiellement payé")]
FILTER_FIELDS = ("du", "au", "selon", "amo", "amc", "patient", "page")


def done(address: str, message: str) -> RedirectResponse:
    """Post/Redirect/Get: the page showing the result, with its French confirmation."""
    separator = "&" if "?" in address else "?"
    return RedirectResponse(f"{address}{separator}message={quote(message)}", status_code=303)


def typed(request: Request, *names: str) -> dict[str, str]:
    """What the user typed in a GET form (empty fields left out)."""
    return {name: request.query_params.get(name, "").strip() for name in names}


def _or_none(value: str) -> str | None:
    return value or None


def _filter_values(request: Request) -> dict[str, Any]:
    values: dict[str, Any] = typed(request, *FILTER_FIELDS)
    values["etat"] = [v for v in request.query_params.getlist("etat") if v]
    values["rsp"] = request.query_params.get("rsp") == "1"
    return values


@router.get("/suivi", include_in_schema=False, dependencies=[needs(Permission.READ)])
def follow_up_list(request: Request, ctx: ContextDep, message: str | None = None) -> Response:
    values = _filter_values(request)
    result, error = None, None
    try:
        filters = follow_up.parse_filters(
            states=values["etat"], since=_or_none(values["du"]), until=_or_none(values["au"]),
            selon=_or_none(values["selon"]), amo=_or_none(values["amo"]), amc=_or_none(values["amc"]),
            patient=_or_none(values["patient"]), no_matched_return=values["rsp"], page=_or_none(values["page"]))
        result = follow_up.list_follow_up(ctx, filters)
    except FeuilleError as refusal:
        if refusal.http_status == 403:
            raise
        error = refusal
    partial = bool(request.headers.get("hx-request")) and request.headers.get("hx-target") == "suivi-resultats"
    name = "follow_up/_resultats.html" if partial else "follow_up/liste.html"
    # htmx swaps only a 2xx answer: the partial says the refusal itself, at the top of the results
    status = error.http_status if error is not None and not partial else 200
    return page(request, name, {"values": values, "result": result, "states": STATES, "message": message,
                                "pages": _pages(request, result)}, status=status, error=error)


def _pages(request: Request, result: follow_up.FollowUpPage | None) -> dict[str, str]:
    """The addresses of the previous and next pages, with the same filters."""
    if result is None:
        return {}
    found = {}
    if result.page > 1:
        found["previous"] = str(request.url.include_query_params(page=result.page - 1))
    if result.total > result.page * result.per_page:
        found["next"] = str(request.url.include_query_params(page=result.page + 1))
    return {name: address[address.index("/suivi"):] for name, address in found.items()}


@router.get("/suivi/factures/{invoice_id:int}", include_in_schema=False, dependencies=[needs(Permission.READ)])
def follow_up_detail(request: Request, ctx: ContextDep, invoice_id: int, message: str | None = None) -> Response:
    return _detail_page(request, ctx, invoice_id, message=message)


def _detail_page(request: Request, ctx: ContextDep, invoice_id: int, *, message: str | None = None,
                 typed_values: dict[str, str] | None = None, form: str = "", error: FeuilleError | None = None,
                 status: int = 200) -> Response:
    """An invoice's follow-up; after a refusal, only the form that was sent, with what was typed."""
    found = invoice_detail(ctx, str(invoice_id))
    return page(request, "follow_up/detail.html", {"found": found, "message": message, "form": form,
                                                   "typed": typed_values or {}, "states": MANUAL_STATES},
                status=status, error=error)


@router.post("/suivi/factures/{invoice_id:int}/traiter", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT)])
def handle_reject(request: Request, ctx: ContextDep, invoice_id: int,
                  note: Annotated[str, Form()] = "", suite: Annotated[str, Form()] = "") -> Response:
    try:
        rejects.mark_handled(ctx, str(invoice_id), note)
    except FeuilleError as error:
        if error.http_status == 403:
            raise
        return _detail_page(request, ctx, invoice_id, typed_values={"note": note}, form="traiter", error=error,
                            status=error.http_status)
    back = "/suivi/rejets" if suite == "rejets" else f"/suivi/factures/{invoice_id}"
    return done(back, f"Rejet de la facture {invoice_id} marqué traité.")


@router.post("/suivi/factures/{invoice_id:int}/etat", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT)])
def change_state(request: Request, ctx: ContextDep, invoice_id: int, etat: Annotated[str, Form()] = "",
                 note_etat: Annotated[str, Form()] = "", montant: Annotated[str, Form()] = "") -> Response:
    try:
        made = rejects.change_state(ctx, str(invoice_id), etat, note_etat, montant or None)
    except FeuilleError as error:
        if error.http_status == 403:
            raise
        # this form's note is « note_etat » (the reject handling's is « note », on the same page)
        renamed = FeuilleError(error.message, code=error.code, problems=[
            Problem("note_etat" if p.field == "note" else p.field, p.code, p.message) for p in error.problems])
        return _detail_page(request, ctx, invoice_id, form="etat", error=renamed, status=error.http_status,
                            typed_values={"etat": etat, "note_etat": note_etat, "montant": montant})
    label = fu.LABELS.get(fu.of_invoice(made.state_to or "") or fu.FollowUp.EN_COURS, "")
    return done(f"/suivi/factures/{invoice_id}", f"Facture {invoice_id} : « {label} ». Pensez au lettrage manuel "
                                                 "du retour quand il arrive.")


@router.post("/suivi/factures/{invoice_id:int}/corriger", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT)])
def correct(request: Request, ctx: ContextDep, invoice_id: int) -> Response:
    made = corrections.correct(ctx, str(invoice_id))
    return done(f"/suivi/factures/{invoice_id}", f"Correction créée : nouvelle facture brouillon n° interne "
                                                 f"{made.draft_id} (son numéro sera tiré à la signature).")


@router.get("/suivi/non-rapproches", include_in_schema=False, dependencies=[needs(Permission.READ)])
def unmatched(request: Request, ctx: ContextDep, message: str | None = None) -> Response:
    return _unmatched_page(request, ctx, {}, message=message)


def _unmatched_page(request: Request, ctx: ContextDep, typed_invoices: dict[int, str], *,
                    message: str | None = None, error: FeuilleError | None = None, status: int = 200) -> Response:
    number = request.query_params.get("page", "1")
    current = int(number) if number.isdigit() and 0 < int(number) < 1_000_000 else 1
    result = manual_matching.list_unmatched(ctx, current, follow_up.PER_PAGE)
    return page(request, "follow_up/non_rapproches.html", {"result": result, "typed": typed_invoices,
                                                          "message": message}, status=status, error=error)


@router.post("/suivi/non-rapproches/{return_id:int}/rapprocher", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT)])
def match(request: Request, ctx: ContextDep, return_id: int, facture: Annotated[str, Form()] = "") -> Response:
    try:
        made = manual_matching.match(ctx, str(return_id), facture)
    except FeuilleError as error:
        if error.http_status == 403:
            raise
        return _unmatched_page(request, ctx, {return_id: facture}, error=_beside(error, f"facture-{return_id}"),
                               status=error.http_status)
    return done("/suivi/non-rapproches", f"Retour n° {made.return_invoice_id} rapproché de la facture n° "
                                         f"{made.invoice_number} : {made.follow_up}.")


@router.post("/suivi/retours/{return_id:int}/dissocier", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT)])
def unmatch(request: Request, ctx: ContextDep, return_id: int) -> Response:
    made = manual_matching.unmatch(ctx, str(return_id))
    return done(f"/suivi/factures/{made.invoice_id}", f"Retour n° {made.return_id} dissocié : la facture est "
                                                      f"« {made.follow_up} ».")


def _beside(error: FeuilleError, field: str) -> FeuilleError:
    """The same refusal, its field named as the form on this row names it (one form per return)."""
    return FeuilleError(error.message, code=error.code, field=field)


@router.get("/suivi/rejets", include_in_schema=False, dependencies=[needs(Permission.READ)])
def reject_list(request: Request, ctx: ContextDep, message: str | None = None) -> Response:
    values = typed(request, "du", "au", "patient", "page")
    values["non_traites"] = "1" if request.query_params.get("non_traites") == "1" else ""
    result, error = None, None
    try:
        filters = follow_up.parse_filters(since=_or_none(values["du"]), until=_or_none(values["au"]),
                                          patient=_or_none(values["patient"]), page=_or_none(values["page"]))
        result = rejects.list_rejects(ctx, filters, unhandled_only=bool(values["non_traites"]))
    except FeuilleError as refusal:
        if refusal.http_status == 403:
            raise
        error = refusal
    return page(request, "follow_up/rejets.html", {"values": values, "result": result, "message": message},
                status=error.http_status if error else 200, error=error)


router.include_router(follow_up_money.router)
router.include_router(reports.router)

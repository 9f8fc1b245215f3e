"""« Exporter (CSV) » of every list and report: the invoices (``/factures``), the follow-up (``/suivi``), its
rejects and unmatched returns, the transfers, the one-off operations and the reports of ``/suivi/rapports``.

Each export takes the query string of its list (so the link keeps the filters one sees), asks the very service
the list asks, and streams the rows through the one CSV writer (:mod:`feuille.formats.csv_export`: UTF-8 with
BOM, « ; », French headers, amounts 1234,56) with the columns the command line's ``--csv`` writes
(:mod:`feuille.returns.exports`). A filter the service refuses sends the browser back to the list, which says
why beside the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any, cast

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.billing import queries, views
from feuille.errors import FeuilleError, NotFoundError, quoted
from feuille.formats.csv_export import Column, csv_chunks
from feuille.returns import exports, follow_up, manual_matching, one_off, rejects, report_modes, reports, transfers
from feuille.web.pages.reports_filters import report_filters

router = APIRouter(dependencies=[needs(Permission.READ)])


def _view(row: object) -> views.InvoiceView:
    return cast(queries.ListedInvoice, row).view


def _amount(name: str) -> Callable[[object], Decimal]:
    return lambda row: Decimal(_view(row).totals[name])


#: The columns of the invoice list's table, with the way each was secured.
INVOICE_COLUMNS = (
    Column("Id", "id"), Column("N°", lambda row: _view(row).number),
    Column("Date", lambda row: date.fromisoformat(_view(row).invoice_date)),
    Column("Patient", "patient"), Column("Professionnel", "professional"),
    Column("État", lambda row: _view(row).state_label),
    Column("Mode de sécurisation", lambda row: _view(row).secure_mode_label),
    Column("Total", _amount("total")), Column("AMO", _amount("amo")), Column("AMC", _amount("amc")),
    Column("Patient (part)", _amount("patient")),
    Column("Solde patient", lambda row: Decimal(_view(row).balance)),
    Column("Avoir de", lambda row: _view(row).credit_of))


def _csv(name: str, rows: Iterable[object], columns: Sequence[Column]) -> StreamingResponse:
    """The file, streamed as the rows are read (a long list is never held whole)."""
    return StreamingResponse((chunk.encode("utf-8", errors="replace") for chunk in csv_chunks(rows, columns)),
                             media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}.csv"',
                                      "Cache-Control": "no-store"})


def _back(request: Request, address: str) -> RedirectResponse:
    """Back to the list with the same filters: it shows the refusal beside its field."""
    query = request.url.query
    return RedirectResponse(f"{address}?{query}" if query else address, status_code=303)


def _typed(request: Request, name: str) -> str | None:
    return request.query_params.get(name, "").strip() or None


def _exported(request: Request, list_address: str, make: Callable[[], StreamingResponse]) -> Response:
    try:
        return make()
    except FeuilleError as refused:
        if refused.http_status == 403:
            raise
        return _back(request, list_address)


@router.get("/factures/export.csv", include_in_schema=False)
def invoices_csv(request: Request, ctx: ContextDep) -> Response:
    def make() -> StreamingResponse:
        rows = queries.iter_invoices(ctx, _typed(request, "etat"), patient=_typed(request, "patient"),
                                     professional=_typed(request, "pro"), since=_typed(request, "du"),
                                     until=_typed(request, "au"))
        return _csv("factures", rows, INVOICE_COLUMNS)
    return _exported(request, "/factures", make)


def _follow_up_filters(request: Request) -> follow_up.Filters:
    return follow_up.parse_filters(
        states=[v for v in request.query_params.getlist("etat") if v], since=_typed(request, "du"),
        until=_typed(request, "au"), selon=_typed(request, "selon"), amo=_typed(request, "amo"),
        amc=_typed(request, "amc"), patient=_typed(request, "patient"),
        no_matched_return=request.query_params.get("rsp") == "1")


@router.get("/suivi/export.csv", include_in_schema=False)
def follow_up_csv(request: Request, ctx: ContextDep) -> Response:
    def make() -> StreamingResponse:
        filters = _follow_up_filters(request)
        follow_up.list_follow_up(ctx, replace(filters, per_page=1))   # refuses a filter before the file starts
        return _csv("suivi", follow_up.iter_lines(ctx, filters), exports.FOLLOW_UP_COLUMNS)
    return _exported(request, "/suivi", make)


@router.get("/suivi/rejets/export.csv", include_in_schema=False)
def rejects_csv(request: Request, ctx: ContextDep) -> Response:
    def make() -> StreamingResponse:
        filters = follow_up.parse_filters(since=_typed(request, "du"), until=_typed(request, "au"),
                                          patient=_typed(request, "patient"))
        unhandled = request.query_params.get("non_traites") == "1"
        total = rejects.list_rejects(ctx, replace(filters, per_page=1), unhandled_only=unhandled).total
        everything = replace(filters, page=1, per_page=max(total, 1))
        return _csv("rejets", rejects.list_rejects(ctx, everything, unhandled_only=unhandled).lines,
                    exports.REJECT_COLUMNS)
    return _exported(request, "/suivi/rejets", make)


@router.get("/suivi/non-rapproches/export.csv", include_in_schema=False)
def unmatched_csv(request: Request, ctx: ContextDep) -> Response:
    total = manual_matching.list_unmatched(ctx, 1, 1).total
    return _csv("non-rapproches", manual_matching.list_unmatched(ctx, 1, max(total, 1)).lines,
                exports.UNMATCHED_COLUMNS)


@router.get("/suivi/virements/export.csv", include_in_schema=False)
def transfers_csv(request: Request, ctx: ContextDep) -> Response:
    def make() -> StreamingResponse:
        _, rows = transfers.listing_transfers(ctx, _typed(request, "du"), _typed(request, "au"),
                                              _typed(request, "organisme"),
                                              differences=request.query_params.get("ecarts") == "1")
        return _csv("virements", rows, exports.TRANSFER_COLUMNS)
    return _exported(request, "/suivi/virements", make)


@router.get("/suivi/operations/paiements.csv", include_in_schema=False)
def payments_csv(request: Request, ctx: ContextDep) -> Response:
    def make() -> StreamingResponse:
        _, rows = one_off.payments(ctx, _typed(request, "du"), _typed(request, "au"), _typed(request, "organisme"))
        return _csv("paiements-ponctuels", rows, exports.PAYMENT_COLUMNS)
    return _exported(request, "/suivi/operations", make)


@router.get("/suivi/operations/retenues.csv", include_in_schema=False)
def withholdings_csv(request: Request, ctx: ContextDep) -> Response:
    def make() -> StreamingResponse:
        _, rows = one_off.withholdings(ctx, _typed(request, "du"), _typed(request, "au"),
                                       _typed(request, "organisme"))
        return _csv("retenues", rows, exports.WITHHOLDING_COLUMNS)
    return _exported(request, "/suivi/operations", make)


#: The reports of /suivi/rapports: file name → (what the rows are, their columns).
REPORTS: dict[str, tuple[Callable[..., Any], Sequence[Column]]] = {
    "mensuel": (lambda ctx, f: reports.monthly(ctx, f.start, f.end, professional=f.professional).lines,
                exports.MONTHLY_COLUMNS),
    "organismes": (lambda ctx, f: reports.by_organism(ctx, f.start, f.end, professional=f.professional).lines,
                   exports.ORGANISM_COLUMNS),
    "anciennete": (lambda ctx, f: reports.ageing(ctx, None, f.start, f.end, professional=f.professional).cells,
                   exports.AGEING_COLUMNS),
    "sesam-vitale": (lambda ctx, f: _with_total(report_modes.modes_by_month(ctx, f.start, f.end,
                                                                            professional=f.professional)),
                     exports.MODES_COLUMNS),
}


def _with_total(report: report_modes.ModesReport) -> list[report_modes.ModeMonth]:
    return [*report.months, report.total] if report.months else []


@router.get("/suivi/rapports/{name}.csv", include_in_schema=False)
def report_csv(request: Request, ctx: ContextDep, name: str) -> Response:
    if name not in REPORTS:
        raise NotFoundError(f"Rapport {quoted(name, 30)} inconnu ({', '.join(REPORTS)}).", code="not_found",
                            field="rapport")
    rows_of, columns = REPORTS[name]

    def make() -> StreamingResponse:
        return _csv(f"rapport-{name}", rows_of(ctx, report_filters(ctx, request)), columns)
    return _exported(request, "/suivi/rapports", make)

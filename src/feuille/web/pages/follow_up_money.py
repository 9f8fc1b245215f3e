"""Follow-up of the money (manual 003 IX-X): transfers and their detail, one-off payments and withholdings, and the
charts of ``feuille.returns.reports``. The NOEMIE files are :mod:`feuille.web.pages.follow_up_files`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.domain.months import month_label
from feuille.errors import FeuilleError
from feuille.money import total
from feuille.returns import one_off, reports, transfers
from feuille.web.pages.reports_charts import billed_paid_rejected, chart
from feuille.web.templating import page

router = APIRouter()


def _typed(request: Request, *names: str) -> dict[str, str]:
    return {name: request.query_params.get(name, "").strip() for name in names}


def _none(value: str) -> str | None:
    return value or None


def _refused(error: FeuilleError) -> FeuilleError:
    if error.http_status == 403:
        raise error
    return error


@router.get("/suivi/virements", include_in_schema=False, dependencies=[needs(Permission.READ)])
def transfer_list(request: Request, ctx: ContextDep) -> Response:
    values = _typed(request, "du", "au", "organisme")
    values["ecarts"] = "1" if request.query_params.get("ecarts") == "1" else ""
    span, error = None, None
    rows: list[transfers.TransferSummary] = []
    try:
        span, rows = transfers.listing_transfers(ctx, _none(values["du"]), _none(values["au"]),
                                                 _none(values["organisme"]), differences=bool(values["ecarts"]))
    except FeuilleError as refusal:
        error = _refused(refusal)
    return page(request, "follow_up/virements.html",
                {"values": values, "span": span, "rows": rows, "paid": total(r.paid for r in rows),
                 "wrong": [r for r in rows if not r.check.ok]},
                status=error.http_status if error else 200, error=error)


@router.get("/suivi/virements/{transfer_id:int}", include_in_schema=False, dependencies=[needs(Permission.READ)])
def transfer_detail(request: Request, ctx: ContextDep, transfer_id: int) -> Response:
    found = transfers.detail(ctx, str(transfer_id))
    return page(request, "follow_up/virement.html", {"found": found})


@router.get("/suivi/operations", include_in_schema=False, dependencies=[needs(Permission.READ)])
def operations(request: Request, ctx: ContextDep) -> Response:
    values = _typed(request, "du", "au", "organisme")
    span, error = None, None
    payments: list[one_off.PaymentLine] = []
    withholdings: list[one_off.WithholdingLine] = []
    try:
        span, payments = one_off.payments(ctx, _none(values["du"]), _none(values["au"]), _none(values["organisme"]))
        _, withholdings = one_off.withholdings(ctx, _none(values["du"]), _none(values["au"]),
                                               _none(values["organisme"]))
    except FeuilleError as refusal:
        error = _refused(refusal)
    return page(request, "follow_up/operations.html",
                {"values": values, "span": span, "payments": payments, "withholdings": withholdings,
                 "paid": total(p.amount for p in payments), "withheld": total(w.amount for w in withholdings)},
                status=error.http_status if error else 200, error=error)


@router.get("/suivi/operations/{payment_id:int}", include_in_schema=False, dependencies=[needs(Permission.READ)])
def operation_detail(request: Request, ctx: ContextDep, payment_id: int) -> Response:
    return page(request, "follow_up/operation.html", {"found": one_off.detail(ctx, str(payment_id))})


# --- charts -------------------------------------------------------------------------------------------------------

@router.get("/suivi/graphiques", include_in_schema=False, dependencies=[needs(Permission.READ)])
def charts(request: Request, ctx: ContextDep) -> Response:
    values = _typed(request, "du", "au")
    context: dict[str, Any] = {"values": values, "mois": month_label}
    try:
        monthly = reports.monthly(ctx, _none(values["du"]), _none(values["au"]))
        ageing = reports.ageing(ctx)
    except FeuilleError as refusal:
        error = _refused(refusal)
        return page(request, "follow_up/graphiques.html", context, status=error.http_status, error=error)
    months = sorted(monthly.totals_by("month"), key=lambda m: m.key)
    organisms = monthly.totals_by("organism")
    per_organism = monthly.per_organism()
    totals = ageing.totals
    context.update({
        "period": monthly.period, "months": months, "organisms": organisms, "ageing": ageing, "totals": totals,
        "per_organism": [(o, billed_paid_rejected(o.months)) for o in per_organism],
        "chart_months": billed_paid_rejected(months),
        "chart_organisms": billed_paid_rejected(organisms, months=False),
        "chart_ageing": chart([c.bucket for c in totals], [("Restant dû", [c.remaining for c in totals])]),
    })
    return page(request, "follow_up/graphiques.html", context)

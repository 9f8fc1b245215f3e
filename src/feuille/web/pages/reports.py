"""« Rapports » (``/suivi/rapports``): every report of ``feuille rapports`` on one page, over whole months and one
professional or all: billed / paid / rejected per month (and per organism within each month), expected / paid /
remaining per AMO and AMC organism, the « part SESAM-Vitale » month by month (SESAM-Vitale, sans Vitale,
degraded, paper), and the ageing of what remains due; each with its chart where one helps, and its CSV file
(:mod:`reports_exports`). Figures come from ``feuille.returns.reports`` / ``report_modes`` as they are."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from feuille.api.deps import ContextDep, needs
from feuille.auth import Context, Permission
from feuille.domain.months import month_label
from feuille.errors import FeuilleError
from feuille.practice import professionals
from feuille.returns import report_modes, reports
from feuille.web.pages import reports_exports
from feuille.web.pages.reports_charts import billed_paid_rejected, chart
from feuille.web.pages.reports_filters import report_filters, typed
from feuille.web.templating import page

router = APIRouter()


def _pro_options(ctx: Context) -> list[tuple[str, str]]:
    return [("", "Tous les professionnels")] + [
        (str(pro.id), f"{pro.last_name} {pro.first_name} ({pro.billing_number})")
        for pro in professionals.list_professionals(ctx)]


@router.get("/suivi/rapports", include_in_schema=False, dependencies=[needs(Permission.READ)])
def reports_page(request: Request, ctx: ContextDep) -> Response:
    values = typed(request)
    context: dict[str, Any] = {"values": values, "pros": _pro_options(ctx), "mois": month_label,
                               "query": request.url.query}
    try:
        context.update(_figures(ctx, request))
    except FeuilleError as refused:
        if refused.http_status == 403:
            raise
        return page(request, "follow_up/rapports.html", context, status=refused.http_status, error=refused)
    return page(request, "follow_up/rapports.html", context)


def _figures(ctx: Context, request: Request) -> dict[str, Any]:
    """Every report over the filters, and what their charts draw."""
    f = report_filters(ctx, request)
    monthly = reports.monthly(ctx, f.start, f.end, professional=f.professional)
    months = sorted(monthly.totals_by("month"), key=lambda m: m.key)
    modes = report_modes.modes_by_month(ctx, f.start, f.end, professional=f.professional)
    return {
        "period": monthly.period, "monthly": monthly, "months": months,
        "organisms": reports.by_organism(ctx, f.start, f.end, professional=f.professional),
        "modes": modes, "kinds": report_modes.KINDS,
        "ageing": reports.ageing(ctx, None, f.start, f.end, professional=f.professional),
        "chart_months": billed_paid_rejected(months),
        "chart_modes": chart([month_label(m.month) for m in modes.months],
                             [(label, [getattr(m, name) for m in modes.months]) for name, label in report_modes.KINDS],
                             unit="nombre", stacked=True),
    }


router.include_router(reports_exports.router)

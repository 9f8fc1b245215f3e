"""The filters of « Rapports » (month from / to, professional), read once for the page and for its CSV files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import Request

from feuille.auth import Context
from feuille.returns import reports

FIELDS = ("du", "au", "professionnel")


@dataclass(frozen=True)
class ReportFilters:
    start: date
    end: date
    professional: str | None


def typed(request: Request) -> dict[str, str]:
    """What was typed in the filters (kept as typed, to show it again)."""
    return {name: request.query_params.get(name, "").strip() for name in FIELDS}


def report_filters(ctx: Context, request: Request) -> ReportFilters:
    """The whole months and the professional the reports are asked for; a refusal names its field."""
    values = typed(request)
    span = reports.months_period(ctx, values["du"], values["au"])
    return ReportFilters(span.start, span.end, values["professionnel"] or None)

"""What ``static/graphiques.js`` draws, built from the reports' figures: labels (months in French, « déc. 2026 »)
and series of amounts or counts, as strings (no float on our side; the browser only draws them)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal

from feuille.domain.months import month_label
from feuille.returns.reports import MonthTotal


def chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal | int]]], *, unit: str = "euros",
          stacked: bool = False) -> str:
    """The ``data-graphique`` of a canvas: ``unit`` « euros » (amounts) or « nombre » (counts)."""
    def text(value: Decimal | int) -> str:
        return f"{value:.2f}" if isinstance(value, Decimal) else str(value)

    return json.dumps({"labels": list(labels), "unit": unit, "stacked": stacked,
                       "series": [{"label": name, "values": [text(v) for v in values]} for name, values in series]})


def billed_paid_rejected(totals: Sequence[MonthTotal], *, months: bool = True) -> str:
    """Billed, paid and rejected bar groups, one per month (shown in French) or per organism."""
    labels = [month_label(t.key) if months else t.key for t in totals]
    return chart(labels, [("Facturé", [t.billed for t in totals]), ("Payé", [t.paid for t in totals]),
                          ("Rejeté", [t.rejected for t in totals])])

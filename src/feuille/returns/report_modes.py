"""« Part SESAM-Vitale » month by month: of the followed invoices of each month (by invoice date), how many were
secured in SESAM-Vitale (card read, synchronised or not), in SESAM sans Vitale, in degraded mode with the care
sheet sent as a digitised piece, and in degraded mode with the care sheet sent on paper.

The same invoices as the other reports (:mod:`feuille.returns.reports`: followed, invoice date in the period, one
professional when asked) and the same rule for the share (:func:`feuille.returns.follow_up.sesam_vitale_share`);
one GROUP BY, whatever the number of invoices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import extract, func, select

from feuille.auth import Context, Permission, require
from feuille.domain.invoices import SecureMode
from feuille.returns import listing
from feuille.returns.follow_up import FOLLOWED, SV_MODES, sesam_vitale_share
from feuille.returns.reports import professional_id, report_period
from feuille.storage.models import Invoice

#: The columns of the report, in order: (attribute, French heading).
KINDS = (("sesam_vitale", "SESAM-Vitale"), ("without_vitale", "SESAM sans Vitale"),
         ("degraded", "Dégradé (pièces numérisées)"), ("paper", "Dégradé (feuille papier)"))


@dataclass(frozen=True)
class ModeMonth:
    """One month (AAAA-MM, or « Total »): how many invoices of each kind."""

    month: str
    sesam_vitale: int = 0
    without_vitale: int = 0
    degraded: int = 0
    paper: int = 0
    other: int = 0          # no securing mode recorded (never expected for a followed invoice)

    @property
    def total(self) -> int:
        return self.sesam_vitale + self.without_vitale + self.degraded + self.paper + self.other

    @property
    def percent(self) -> int:
        """The share secured in SESAM-Vitale, rounded half-up (the follow-up list's rule)."""
        return sesam_vitale_share(self.total, self.sesam_vitale).percent

    def to_json(self) -> dict[str, Any]:
        return {"mois": self.month, "factures": self.total, "sesam_vitale": self.sesam_vitale,
                "sesam_sans_vitale": self.without_vitale, "degrade": self.degraded, "papier": self.paper,
                "autre": self.other, "pourcentage_sesam_vitale": self.percent}


@dataclass(frozen=True)
class ModesReport:
    period: listing.Period
    months: list[ModeMonth]

    @property
    def total(self) -> ModeMonth:
        return ModeMonth("Total", *(sum(getattr(m, name) for m in self.months)
                                    for name in ("sesam_vitale", "without_vitale", "degraded", "paper", "other")))

    def to_json(self) -> dict[str, Any]:
        return {"periode": self.period.to_json(), "mois": [m.to_json() for m in self.months],
                "total": self.total.to_json()}


def _kind(mode: str | None, paper_sent: bool) -> str:
    if mode in SV_MODES:
        return "sesam_vitale"
    if mode == SecureMode.SANS_VITALE.value:
        return "without_vitale"
    if mode == SecureMode.DEGRADE.value:
        return "paper" if paper_sent else "degraded"
    return "other"


def modes_by_month(ctx: Context, start: object = None, end: object = None, *,
                   professional: object = None) -> ModesReport:
    """Per month of invoice date, the followed invoices by way of securing (default period: the last year)."""
    require(ctx, Permission.READ)
    span = report_period(ctx, start, end)
    inv = Invoice.__table__
    year, month = extract("year", inv.c.invoice_date), extract("month", inv.c.invoice_date)
    with ctx.db.read() as session:
        pro = professional_id(session, professional)
        query = (select(year, month, inv.c.secure_mode, inv.c.paper_sent, func.count())
                 .where(inv.c.state.in_(FOLLOWED), inv.c.invoice_date.between(span.start, span.end))
                 .group_by(year, month, inv.c.secure_mode, inv.c.paper_sent))
        if pro is not None:
            query = query.where(inv.c.professional_id == pro)
        rows = session.execute(query).all()
    counts: dict[str, dict[str, int]] = {}
    for y, m, mode, paper_sent, n in rows:
        into = counts.setdefault(f"{int(y):04d}-{int(m):02d}", {})
        kind = _kind(mode, bool(paper_sent))
        into[kind] = into.get(kind, 0) + int(n)
    return ModesReport(span, [ModeMonth(key, **counts[key]) for key in sorted(counts)])

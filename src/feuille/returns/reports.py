"""Reports on the followed invoices (manual 003 VII–IX, issue 13): expected / paid / remaining per organism, the
ageing of what is unpaid, the SESAM-Vitale share, and billed / paid / rejected per month and organism (the web
charts of issue 14).

Every figure is one SQL aggregate over :func:`feuille.returns.amounts.amounts_query` (the one place expected and
paid are computed), summed in whole cents (``listing.cents_sum``): nothing is loaded invoice by invoice, so the
reports stay fast on half a million invoices. The invoices counted are the followed ones (sent, acknowledged,
paid, partly paid, rejected, in anomaly: ``follow_up.FOLLOWED``) whose **invoice date** is in the period.

Organisms (as the follow-up list shows them): the AMO share belongs to the régime + caisse + centre of the FSE
lot holding the invoice (its live lot: a refused lot gave its invoices back, they left the follow-up); the AMC
share to the AMC of its live DRE lot, else the AMC number frozen in the invoice's document. A share with
nothing expected and nothing paid is left out of the organism rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import CTE, ColumnElement, String, and_, case, extract, func, literal, select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.domain.fields import parse_date
from feuille.domain.invoices import InvoiceState
from feuille.money import ZERO, format_amount
from feuille.returns import amounts, listing
from feuille.returns.follow_up import FOLLOWED, SesamVitaleShare, sesam_vitale_secured, sesam_vitale_share
from feuille.returns.follow_up_sql import amc_number_of
from feuille.storage.models import Invoice, Lot, LotInvoice, ReturnInvoice

AMO, AMC = "AMO", "AMC"
REPORT_DAYS = 365          # a report opens on the last year (the lists on the last 30 days)
#: Ageing buckets: (label, first day, last day or None), days counted from the invoice date to the reference date.
BUCKETS: tuple[tuple[str, int, int | None], ...] = (("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90),
                                                    ("> 90", 91, None))


def _period(ctx: Context, start: object, end: object) -> listing.Period:
    return listing.period(ctx.clock().date(), start, end, days=REPORT_DAYS)


# --- the base: one row per followed invoice of the period, with its amounts and organisms -------------------------

def _paid(invoices: Any, column: str) -> ColumnElement[Decimal]:
    """What the invoice's matched returns paid on one share (``amounts.MATCHED``), read from the covering index
    ``ix_return_invoices_paid``: one index lookup per invoice, no table of all the invoices' sums built first."""
    ri = ReturnInvoice.__table__
    return (select(func.coalesce(func.sum(ri.c[column]), literal(ZERO, type_=ri.c[column].type)))
            .where(ri.c.invoice_id == invoices.c.id, ri.c.match.in_(amounts.MATCHED)).scalar_subquery())


def _base(span: listing.Period) -> CTE:
    """Followed invoices of the period (read from the covering index ``ix_invoices_followed_amounts``): expected
    and paid per share (:mod:`feuille.returns.amounts`' rules), invoice date, SV flag, state, AMO and AMC
    organisms. Materialized once: the reports refer to its columns several times each."""
    inv, lots, li = Invoice.__table__, Lot.__table__, LotInvoice.__table__
    fse, dre = li.alias("fse"), li.alias("dre")
    fse_lot, dre_lot = lots.alias("fse_lot"), lots.alias("dre_lot")
    # The document (JSON, long) is read only for an invoice with an AMC share, through a second look at its row:
    # naming it in the main SELECT would make every invoice's row be read instead of the covering index.
    no_amc, own = inv.c.amc == 0, inv.alias("own")
    expected_amc = case((no_amc, literal(ZERO, type_=inv.c.amc.type)),
                        else_=select(amounts.expected_amc(own)).where(own.c.id == inv.c.id).scalar_subquery())
    amc_organism = func.coalesce(dre_lot.c.amc_number, case(
        (no_amc, literal(None, type_=String())),
        else_=select(amc_number_of(own)).where(own.c.id == inv.c.id).scalar_subquery()))
    query = (select(inv.c.id.label("invoice_id"), amounts.expected_amo(inv).label("expected_amo"),
                    expected_amc.label("expected_amc"), _paid(inv, "amo_paid").label("paid_amo"),
                    _paid(inv, "amc_paid").label("paid_amc"), inv.c.invoice_date.label("invoice_date"),
                    inv.c.state.label("state"), sesam_vitale_secured(inv).label("sv"),
                    fse_lot.c.regime.label("regime"), fse_lot.c.caisse.label("caisse"),
                    fse_lot.c.centre.label("centre"), amc_organism.label("amc_organism"))
             .select_from(inv.outerjoin(fse, and_(fse.c.invoice_id == inv.c.id, fse.c.kind == "FSE",
                                                  fse.c.live.is_(True)))
                          .outerjoin(fse_lot, fse_lot.c.id == fse.c.lot_id)
                          .outerjoin(dre, and_(dre.c.invoice_id == inv.c.id, dre.c.kind == "DRE",
                                               dre.c.live.is_(True)))
                          .outerjoin(dre_lot, dre_lot.c.id == dre.c.lot_id))
             .where(inv.c.state.in_(FOLLOWED), inv.c.invoice_date.between(span.start, span.end)))
    return query.cte("followed").prefix_with("MATERIALIZED")


def _remaining(base: CTE, share: str | None) -> ColumnElement[Decimal]:
    c = base.c
    amo, amc = c.expected_amo - c.paid_amo, c.expected_amc - c.paid_amc
    return amo if share == AMO else amc if share == AMC else amo + amc


def amo_label(regime: str | None, caisse: str | None, centre: str | None) -> str:
    """« 01 349 9881 » (the follow-up list's words); « (sans lot) » when the invoice was in no FSE lot."""
    return " ".join(part for part in (regime, caisse, centre) if part) or "(sans lot)"


def _amc_label(number: str | None) -> str:
    return (number or "").strip() or "(sans AMC)"


# --- expected / paid / remaining per organism ---------------------------------------------------------------------

@dataclass(frozen=True)
class OrganismLine:
    share: str              # AMO or AMC
    organism: str
    invoices: int
    expected: Decimal
    paid: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.expected - self.paid

    def to_json(self) -> dict[str, Any]:
        return {"part": self.share, "organisme": self.organism, "factures": self.invoices,
                "attendu": format_amount(self.expected), "paye": format_amount(self.paid),
                "restant_du": format_amount(self.remaining)}


@dataclass(frozen=True)
class OrganismReport:
    period: listing.Period
    lines: list[OrganismLine]

    @property
    def expected(self) -> Decimal:
        return sum((line.expected for line in self.lines), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((line.paid for line in self.lines), ZERO)

    @property
    def remaining(self) -> Decimal:
        return self.expected - self.paid

    def to_json(self) -> dict[str, Any]:
        return {"periode": self.period.to_json(), "organismes": [line.to_json() for line in self.lines],
                "total": {"attendu": format_amount(self.expected), "paye": format_amount(self.paid),
                          "restant_du": format_amount(self.remaining)}}


def _share_lines(session: Session, base: CTE, share: str) -> list[OrganismLine]:
    c = base.c
    expected, paid = (c.expected_amo, c.paid_amo) if share == AMO else (c.expected_amc, c.paid_amc)
    keys = [c.regime, c.caisse, c.centre] if share == AMO else [c.amc_organism]
    query = (select(*keys, func.count(), listing.cents_sum(expected), listing.cents_sum(paid))
             .where((expected != 0) | (paid != 0)).group_by(*keys).order_by(*keys))
    lines = []
    for row in session.execute(query):
        organism = amo_label(*row[:3]) if share == AMO else _amc_label(row[0])
        lines.append(OrganismLine(share, organism, int(row[-3]), listing.from_cents(row[-2]),
                                  listing.from_cents(row[-1])))
    return lines


def by_organism(ctx: Context, start: object = None, end: object = None) -> OrganismReport:
    """Expected, paid and remaining per AMO organism then per AMC, over the invoices of a period (default: the
    last 365 days)."""
    require(ctx, Permission.READ)
    span = _period(ctx, start, end)
    base = _base(span)
    with ctx.db.read() as session:
        return OrganismReport(span, _share_lines(session, base, AMO) + _share_lines(session, base, AMC))


# --- ageing of what is unpaid -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgeingCell:
    share: str | None       # None: the invoice as a whole (the totals line)
    organism: str
    bucket: str
    invoices: int
    remaining: Decimal

    @property
    def share_label(self) -> str:
        return self.share or "Total"

    def to_json(self) -> dict[str, Any]:
        return {"part": self.share, "organisme": self.organism, "tranche": self.bucket, "factures": self.invoices,
                "restant_du": format_amount(self.remaining)}


@dataclass(frozen=True)
class AgeingReport:
    reference: date
    period: listing.Period
    cells: list[AgeingCell]     # per share and organism, then the totals (share None, organism « Total »)

    @property
    def totals(self) -> list[AgeingCell]:
        return [cell for cell in self.cells if cell.share is None]

    def to_json(self) -> dict[str, Any]:
        return {"date_reference": self.reference.isoformat(), "periode": self.period.to_json(),
                "compte_depuis": "date de facture", "tranches": [b[0] for b in BUCKETS],
                "organismes": [c.to_json() for c in self.cells if c.share is not None],
                "total": [c.to_json() for c in self.totals]}


def bucket_of(invoice_date: Any, reference: date) -> ColumnElement[str]:
    """The ageing bucket of an invoice date at ``reference``, as a SQL CASE on dates computed here (no date
    arithmetic in SQL: the same on SQLite and PostgreSQL). 30 days old is « 0-30 », 31 days « 31-60 »."""
    whens = [(invoice_date >= reference - timedelta(days=last), label) for label, _, last in BUCKETS
             if last is not None]
    return case(*whens, else_=literal(BUCKETS[-1][0]))


def ageing(ctx: Context, reference: object = None, start: object = None, end: object = None) -> AgeingReport:
    """What remains due, by age of the invoice (days from its invoice date to ``reference``, default today) in
    the buckets 0–30, 31–60, 61–90, > 90, per share and organism and in total; invoices dated after the
    reference date are not counted."""
    require(ctx, Permission.READ)
    at = parse_date(reference, "date", "Date de référence") or ctx.clock().date()
    span = _period(ctx, start, end if end is not None else at)
    base = _base(listing.Period(span.start, min(span.end, at)))
    c = base.c
    cells: list[AgeingCell] = []
    with ctx.db.read() as session:
        for share, keys in ((AMO, [c.regime, c.caisse, c.centre]), (AMC, [c.amc_organism]), (None, [])):
            remaining = _remaining(base, share)
            bucket = bucket_of(c.invoice_date, at).label("bucket")
            query = (select(bucket, *keys, func.count(), listing.cents_sum(remaining)).where(remaining > 0)
                     .group_by(bucket, *keys).order_by(*keys, bucket))
            for row in session.execute(query):
                organism = ("Total" if share is None else amo_label(*row[1:4]) if share == AMO
                            else _amc_label(row[1]))
                cells.append(AgeingCell(share, organism, row[0], int(row[-2]), listing.from_cents(row[-1])))
    order = {label: i for i, (label, _, _) in enumerate(BUCKETS)}
    cells.sort(key=lambda cell: (cell.share is None, cell.share or "", cell.organism, order[cell.bucket]))
    return AgeingReport(at, span, cells)


# --- SESAM-Vitale share -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShareReport:
    period: listing.Period
    share: SesamVitaleShare

    def to_json(self) -> dict[str, Any]:
        return {"periode": self.period.to_json(), **self.share.to_json()}


def sesam_vitale(ctx: Context, start: object = None, end: object = None) -> ShareReport:
    """« N dossiers dont M sécurisés en sesam vitale soit P % » over the followed invoices of a period (the
    follow-up list's rule, :func:`feuille.returns.follow_up.sesam_vitale_share`)."""
    require(ctx, Permission.READ)
    span = _period(ctx, start, end)
    base = _base(span)
    with ctx.db.read() as session:
        total, secured = session.execute(select(func.count(), func.coalesce(func.sum(base.c.sv), 0))).one()
    return ShareReport(span, sesam_vitale_share(int(total), int(secured)))


# --- billed / paid / rejected per month and organism --------------------------------------------------------------

@dataclass(frozen=True)
class MonthLine:
    month: str              # AAAA-MM
    share: str
    organism: str
    invoices: int
    billed: Decimal         # what was expected from the organism
    paid: Decimal
    rejected: Decimal       # what was expected on the invoices now rejected
    rejected_invoices: int

    def to_json(self) -> dict[str, Any]:
        return {"mois": self.month, "part": self.share, "organisme": self.organism, "factures": self.invoices,
                "facture": format_amount(self.billed), "paye": format_amount(self.paid),
                "rejete": format_amount(self.rejected), "factures_rejetees": self.rejected_invoices}


@dataclass(frozen=True)
class MonthlyReport:
    period: listing.Period
    lines: list[MonthLine]

    def to_json(self) -> dict[str, Any]:
        return {"periode": self.period.to_json(), "mois": [line.to_json() for line in self.lines]}


def _month_lines(session: Session, base: CTE, share: str) -> list[MonthLine]:
    c = base.c
    expected, paid = (c.expected_amo, c.paid_amo) if share == AMO else (c.expected_amc, c.paid_amc)
    keys = [c.regime, c.caisse, c.centre] if share == AMO else [c.amc_organism]
    year, month = extract("year", c.invoice_date).label("y"), extract("month", c.invoice_date).label("m")
    rejected = c.state == InvoiceState.REJECTED.value
    query = (select(year, month, *keys, func.count(), listing.cents_sum(expected), listing.cents_sum(paid),
                    listing.cents_sum(case((rejected, expected), else_=literal(0))),
                    func.sum(case((and_(rejected, expected != 0), 1), else_=0)))
             .where((expected != 0) | (paid != 0)).group_by(year, month, *keys).order_by(year, month, *keys))
    lines = []
    for row in session.execute(query):
        organism = amo_label(*row[2:5]) if share == AMO else _amc_label(row[2])
        lines.append(MonthLine(f"{int(row[0]):04d}-{int(row[1]):02d}", share, organism, int(row[-5]),
                               listing.from_cents(row[-4]), listing.from_cents(row[-3]),
                               listing.from_cents(row[-2]), int(row[-1] or 0)))
    return lines


def monthly(ctx: Context, start: object = None, end: object = None) -> MonthlyReport:
    """Per month of invoice date and per organism: billed (expected), paid and rejected, AMO then AMC."""
    require(ctx, Permission.READ)
    span = _period(ctx, start, end)
    base = _base(span)
    with ctx.db.read() as session:
        lines = _month_lines(session, base, AMO) + _month_lines(session, base, AMC)
    lines.sort(key=lambda line: (line.month, line.share, line.organism))
    return MonthlyReport(span, lines)

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

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import CTE, ColumnElement, String, and_, case, extract, func, literal, select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.domain.fields import check_period, parse_date
from feuille.domain.invoices import InvoiceState
from feuille.domain.months import last_day, parse_month
from feuille.errors import Problems, ValidationError
from feuille.money import ZERO, format_amount
from feuille.practice import professionals
from feuille.returns import amounts, listing
from feuille.returns.follow_up import FOLLOWED, SesamVitaleShare, sesam_vitale_secured, sesam_vitale_share
from feuille.returns.follow_up_sql import amc_number_of
from feuille.storage.models import Invoice, Lot, LotInvoice, ReturnInvoice

AMO, AMC = "AMO", "AMC"
REPORT_DAYS = 365          # a report opens on the last year (the lists on the last 30 days)
EARLIEST = date(2000, 1, 1)  # the ageing looks back to here by default (no NOEMIE return predates it)
#: Ageing buckets: (label, first day, last day or None), days counted from the invoice date to the reference date.
BUCKETS: tuple[tuple[str, int, int | None], ...] = (("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90),
                                                    ("> 90", 91, None))


def report_period(ctx: Context, start: object, end: object) -> listing.Period:
    return listing.period(ctx.clock().date(), start, end, days=REPORT_DAYS)


def months_period(ctx: Context, first: object, last: object) -> listing.Period:
    """Whole months as typed in « du » and « au » (AAAA-MM or MM/AAAA): from the first day of the first to the
    last day of the last; by default the twelve months up to this one. Both fields' problems at once."""
    problems = Problems()
    found: dict[str, date | None] = {}
    for name, value, label in (("du", first, "Du (mois)"), ("au", last, "Au (mois)")):
        try:
            found[name] = parse_month(value, name, label)
        except ValidationError as refused:
            problems.items.append(refused)
    problems.raise_if_any()
    end = found["au"] or ctx.clock().date().replace(day=1)
    index = end.year * 12 + end.month - 1 - 11          # eleven months before the last one
    start = found["du"] or date(index // 12, index % 12 + 1, 1)
    check_period(start, end, "au", "Période")
    return listing.Period(start, last_day(end))


# --- the base: one row per followed invoice of the period, with its amounts and organisms -------------------------

def _paid(invoices: Any, column: str) -> ColumnElement[Decimal]:
    """What the invoice's matched returns paid on one share (``amounts.MATCHED``), read from the covering index
    ``ix_return_invoices_paid``: one index lookup per invoice, no table of all the invoices' sums built first."""
    ri = ReturnInvoice.__table__
    return (select(func.coalesce(func.sum(ri.c[column]), literal(ZERO, type_=ri.c[column].type)))
            .where(ri.c.invoice_id == invoices.c.id, ri.c.match.in_(amounts.MATCHED)).scalar_subquery())


def _base(span: listing.Period, pro_id: int | None = None) -> CTE:
    """Followed invoices of the period (read from the covering index ``ix_invoices_followed_amounts``): expected
    and paid per share (:mod:`feuille.returns.amounts`' rules), invoice date, SV flag, state, AMO and AMC
    organisms; of one professional when given. Materialized once: the reports refer to its columns several times
    each."""
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
    if pro_id is not None:
        query = query.where(inv.c.professional_id == pro_id)
    return query.cte("followed").prefix_with("MATERIALIZED")


def professional_id(session: Session, professional: object) -> int | None:
    """The professional a report is restricted to (internal number or billing number), None for all."""
    if professional is None or (isinstance(professional, str) and not professional.strip()):
        return None
    return professionals.resolve(session, professional, "professionnel").id


def amo_label(regime: str | None, caisse: str | None, centre: str | None) -> str:
    """« 01 349 9881 » (the follow-up list's words); « (sans lot) » when the invoice was in no FSE lot."""
    return " ".join(part for part in (regime, caisse, centre) if part) or "(sans lot)"


def _amc_label(number: str | None) -> str:
    return (number or "").strip() or "(sans AMC)"


Measures = Callable[[Any, Any], list[ColumnElement[Any]]]


def _folded(session: Session, base: CTE, extra: list[Any], measures: Measures, *,
            total: bool = False) -> dict[tuple[str | None, tuple[Any, ...], str], list[int]]:
    """One GROUP BY over the materialized base (``extra`` keys, then the AMO and AMC organisms) computing
    ``measures(expected, paid)`` for each share (and for the whole invoice with ``total``), folded here per
    (share, extra keys, organism label): every figure is a count or whole cents, summed as integers. The first
    measure is a count: a share it counts nothing for is left out."""
    c = base.c
    organisms = [c.regime, c.caisse, c.centre, c.amc_organism]
    parts: list[tuple[str | None, list[ColumnElement[Any]]]] = [(AMO, measures(c.expected_amo, c.paid_amo)),
                                                               (AMC, measures(c.expected_amc, c.paid_amc))]
    if total:
        parts.append((None, measures(c.expected_amo + c.expected_amc, c.paid_amo + c.paid_amc)))
    query = (select(*extra, *organisms, *(m for _, ms in parts for m in ms)).group_by(*extra, *organisms))
    found: dict[tuple[str | None, tuple[Any, ...], str], list[int]] = {}
    width, start = len(parts[0][1]), len(extra) + len(organisms)
    for row in session.execute(query):
        keys, (regime, caisse, centre, amc) = tuple(row[:len(extra)]), row[len(extra):start]
        labels = {AMO: amo_label(regime, caisse, centre), AMC: _amc_label(amc), None: "Total"}
        for index, (share, _) in enumerate(parts):
            values = [int(v or 0) for v in row[start + index * width:start + (index + 1) * width]]
            if values[0]:
                into = found.setdefault((share, keys, labels[share]), [0] * width)
                for i, value in enumerate(values):
                    into[i] += value
    return found


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


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


def _organism_measures(expected: Any, paid: Any) -> list[ColumnElement[Any]]:
    return [_count((expected != 0) | (paid != 0)), listing.cents_sum(expected), listing.cents_sum(paid)]


def by_organism(ctx: Context, start: object = None, end: object = None, *,
                professional: object = None) -> OrganismReport:
    """Expected, paid and remaining per AMO organism then per AMC, over the invoices of a period (default: the
    last 365 days), of one professional when given."""
    require(ctx, Permission.READ)
    span = report_period(ctx, start, end)
    with ctx.db.read() as session:
        base = _base(span, professional_id(session, professional))
        found = _folded(session, base, [], _organism_measures)
    lines = [OrganismLine(str(share), organism, n, listing.from_cents(expected), listing.from_cents(paid))
             for (share, _, organism), (n, expected, paid) in found.items()]
    lines.sort(key=lambda line: (line.share != AMO, line.organism))
    return OrganismReport(span, lines)


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


def ageing(ctx: Context, reference: object = None, start: object = None, end: object = None, *,
           professional: object = None) -> AgeingReport:
    """What remains due, by age of the invoice (days from its invoice date to ``reference``, default today) in
    the buckets 0–30, 31–60, 61–90, > 90, per share and organism and in total; invoices dated after the
    reference date are not counted."""
    require(ctx, Permission.READ)
    at = parse_date(reference, "date", "Date de référence") or ctx.clock().date()
    # by default every invoice up to the reference date: an unpaid invoice of two years ago is the one to see
    span = report_period(ctx, start if start is not None else EARLIEST, end if end is not None else at)

    def unpaid(expected: Any, paid: Any) -> list[ColumnElement[Any]]:
        remaining = expected - paid
        return [_count(remaining > 0), listing.cents_sum(case((remaining > 0, remaining), else_=literal(0)))]

    with ctx.db.read() as session:
        base = _base(listing.Period(span.start, min(span.end, at)), professional_id(session, professional))
        found = _folded(session, base, [bucket_of(base.c.invoice_date, at)], unpaid, total=True)
    cells = [AgeingCell(share, organism, keys[0], n, listing.from_cents(cents))
             for (share, keys, organism), (n, cents) in found.items()]
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


def sesam_vitale(ctx: Context, start: object = None, end: object = None, *,
                 professional: object = None) -> ShareReport:
    """« N dossiers dont M sécurisés en sesam vitale soit P % » over the followed invoices of a period (the
    follow-up list's rule, :func:`feuille.returns.follow_up.sesam_vitale_share`)."""
    require(ctx, Permission.READ)
    span = report_period(ctx, start, end)
    with ctx.db.read() as session:
        base = _base(span, professional_id(session, professional))
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

    def totals_by(self, key: str) -> list[MonthTotal]:
        """Billed, paid and rejected added up per ``key`` (``"month"`` or ``"organism"``), in the lines' order."""
        found: dict[str, MonthTotal] = {}
        for line in self.lines:
            name = getattr(line, key)
            before = found.get(name, MonthTotal(name, ZERO, ZERO, ZERO))
            found[name] = MonthTotal(name, before.billed + line.billed, before.paid + line.paid,
                                     before.rejected + line.rejected)
        return list(found.values())

    def per_organism(self) -> list[OrganismMonths]:
        """For each organism (AMO ones first), its billed, paid and rejected for every month of the report (zero
        where it had nothing): one chart per organism, all on the same months."""
        months = sorted({line.month for line in self.lines})
        found: dict[tuple[str, str], dict[str, MonthTotal]] = {}
        for line in self.lines:
            found.setdefault((line.share, line.organism), {})[line.month] = MonthTotal(
                line.month, line.billed, line.paid, line.rejected)
        return [OrganismMonths(share, organism, [by_month.get(m, MonthTotal(m, ZERO, ZERO, ZERO)) for m in months])
                for (share, organism), by_month in sorted(found.items(), key=lambda i: (i[0][0] != AMO, i[0][1]))]


@dataclass(frozen=True)
class OrganismMonths:
    """One organism's bar groups, month by month."""

    share: str
    organism: str
    months: list[MonthTotal]


@dataclass(frozen=True)
class MonthTotal:
    """A chart's bar group: a month (AAAA-MM) or an organism, its billed, paid and rejected amounts."""

    key: str
    billed: Decimal
    paid: Decimal
    rejected: Decimal


def _month_measures(base: CTE) -> Measures:
    rejected = base.c.state == InvoiceState.REJECTED.value

    def measures(expected: Any, paid: Any) -> list[ColumnElement[Any]]:
        return [_count((expected != 0) | (paid != 0)), listing.cents_sum(expected), listing.cents_sum(paid),
                listing.cents_sum(case((rejected, expected), else_=literal(0))), _count(rejected & (expected != 0))]

    return measures


def monthly(ctx: Context, start: object = None, end: object = None, *,
            professional: object = None) -> MonthlyReport:
    """Per month of invoice date and per organism: billed (expected), paid and rejected, AMO then AMC."""
    require(ctx, Permission.READ)
    span = report_period(ctx, start, end)
    with ctx.db.read() as session:
        base = _base(span, professional_id(session, professional))
        year, month = extract("year", base.c.invoice_date), extract("month", base.c.invoice_date)
        found = _folded(session, base, [year, month], _month_measures(base))
    lines = [MonthLine(f"{int(keys[0]):04d}-{int(keys[1]):02d}", str(share), organism, n,
                       listing.from_cents(billed), listing.from_cents(paid), listing.from_cents(rejected),
                       rejected_n)
             for (share, keys, organism), (n, billed, paid, rejected, rejected_n) in found.items()]
    lines.sort(key=lambda line: (line.month, line.share, line.organism))
    return MonthlyReport(span, lines)

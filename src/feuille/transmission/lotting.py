"""« Mettre en lot » (manual 003 VI, « Date du jour »): the sendable FSE grouped per professional, destination
organism (régime + caisse + centre of the insured's AMO) and certification mode, ≤ 999 invoices a lot; the DRE
of those invoices that have one, in DRE lots per professional and complementary (``transmission.dre``), with the
DRE a refused DRE lot gave back.

One transaction; idempotent (an invoice in a live lot is never listed again, so a second run lots nothing twice);
audited (one entry per lot, one per invoice through ``billing.state_bulk``). Two desks lotting at once: the
invoice rows are locked before they are lotted and re-checked, and ``lot_invoices`` lets an invoice be in one live
lot only (a unique constraint), so the second desk lots what the first left. Memory stays flat on a year of
invoices: the sendable invoices are read 2,000 at a time and a lot is written as soon as it is full.

Lot numbers are drawn per professional and recipient (FORMATS.md §1: the previous + 1, cycling 999 → 001): the
recipient of an FSE lot is the organism's mailbox, « régime caisse » (the caisse de test and the manual's « Org.
Dest. » column number lots that way), whatever the centre.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, insert, select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.billing import state_bulk
from feuille.domain import lots as lot_domain
from feuille.domain.invoices import Event, InvoiceState
from feuille.domain.lots import Certification, LotKind, LotState, RecipientKind
from feuille.errors import ValidationError
from feuille.money import format_amount
from feuille.storage.models import Invoice, Lot, LotCounter, LotInvoice
from feuille.storage.retry import use_case
from feuille.transmission import dre, lot_state, pending
from feuille.transmission import settings as transmission_settings
from feuille.transmission.pending import Candidate

ZERO = Decimal("0.00")
Key = tuple[int, str, str, str, Certification]


@dataclass(frozen=True)
class LotSummary:
    id: int
    number: str
    professional_id: int
    recipient: str
    centre: str | None
    certification: str
    invoice_count: int
    total: Decimal
    amo: Decimal
    amc: Decimal

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "numero": self.number, "professionnel": self.professional_id,
                "destinataire": self.recipient, "centre": self.centre, "certification": self.certification,
                "factures": self.invoice_count, "montant": format_amount(self.total),
                "montant_ro": format_amount(self.amo), "montant_rc": format_amount(self.amc)}


@dataclass(frozen=True)
class LottingResult:
    day: date
    lots: tuple[LotSummary, ...]

    @property
    def invoices(self) -> int:
        return sum(lot.invoice_count for lot in self.lots)

    def to_json(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "lots": [lot.to_json() for lot in self.lots],
                "factures": self.invoices}


def draw_number(session: Session, professional_id: int, kind: LotKind, recipient_kind: RecipientKind,
                recipient: str) -> str:
    """The next lot number for this professional and recipient (its counter row locked until the end)."""
    counter = session.scalar(select(LotCounter).where(
        LotCounter.professional_id == professional_id, LotCounter.recipient_kind == recipient_kind.value,
        LotCounter.recipient == recipient).with_for_update())
    number = lot_domain.next_number(kind, counter.last_number if counter else None)
    if counter is None:
        session.add(LotCounter(professional_id=professional_id, recipient_kind=recipient_kind.value,
                               recipient=recipient, last_number=number))
    else:
        counter.last_number = number
    return number


def _still_sendable(session: Session, ids: Sequence[int]) -> set[int]:
    """Of ``ids``, those still secured and in no live lot, their rows locked (another desk may have lotted them
    since they were listed: it committed first, this desk leaves them)."""
    live = exists().where(LotInvoice.invoice_id == Invoice.id, LotInvoice.live.is_(True),
                          LotInvoice.kind == LotKind.FSE.value)   # its DRE lot does not hold its FSE
    out: set[int] = set()
    for batch in state_bulk.chunks(list(ids)):
        out.update(session.scalars(select(Invoice.id).where(
            Invoice.id.in_(batch), Invoice.state == InvoiceState.SECURED.value, ~live)
            .with_for_update(of=Invoice.__table__)))
    return out


def _make_lot(ctx: Context, session: Session, key: Key, candidates: list[Candidate], day: date,
              dre_lots: dre.DreLotter) -> LotSummary | None:
    professional_id, regime, caisse, centre, certification = key
    keep = _still_sendable(session, [c.id for c in candidates])
    chosen = [c for c in candidates if c.id in keep]
    if not chosen:
        return None
    recipient = f"{regime} {caisse}"
    number = draw_number(session, professional_id, LotKind.FSE, RecipientKind.AMO, recipient)
    now = ctx.clock()
    totals = [sum((getattr(c, name) for c in chosen), ZERO) for name in ("total", "amo", "amc")]
    lot = Lot(professional_id=professional_id, kind=LotKind.FSE.value, recipient_kind=RecipientKind.AMO.value,
              recipient=recipient, regime=regime, caisse=caisse, centre=centre, amc_number=None,
              certification=certification.value, number=number, lot_date=day, state=LotState.MIS_EN_LOT.value,
              version=1, b2_file_id=None, invoice_count=len(chosen), total_fees=totals[0], total_amo=totals[1],
              total_amc=totals[2], created_by=ctx.actor.login, created_at=now, updated_at=now)
    session.add(lot)
    session.flush()
    session.execute(insert(LotInvoice), [{"lot_id": lot.id, "invoice_id": c.id, "position": n, "live": True}
                                         for n, c in enumerate(chosen, start=1)])
    dre_lots.add(professional_id, certification, chosen)   # before the move, whose seal covers its DRE row too
    state_bulk.advance_many(ctx, session, [c.id for c in chosen], Event.ADD_TO_LOT,
                            lambda _: {"lot": lot.id, "lot_number": number})
    lot_state.history(ctx, session, lot, "create", None, LotState.MIS_EN_LOT.value,
                      {"number": number, "recipient": recipient, "centre": centre,
                       "certification": certification.value, "invoices": len(chosen), "date": day.isoformat()})
    return LotSummary(lot.id, number, professional_id, recipient, centre, certification.value, len(chosen),
                      *totals)


@use_case
def put_in_lots(ctx: Context, day: date | None = None,
                progress: Callable[[int], None] | None = None) -> LottingResult:
    """« Mettre en lot » on ``day`` (today by default): every sendable FSE in a lot."""
    require(ctx, Permission.INVOICE_DRAFT)
    today = ctx.clock().date()
    when = day or today
    if when > today:
        raise ValidationError(f"Date des lots {when:%d/%m/%Y} : elle ne peut pas dépasser la date du jour "
                              f"({today:%d/%m/%Y}).", code="lot_date", field="date")
    made: list[LotSummary] = []
    with ctx.db.transaction() as session:
        settings = transmission_settings.read(session)
        groups: dict[Key, list[Candidate]] = {}
        dre_lots = dre.DreLotter(ctx, session, when, draw_number)

        def flush(key: Key) -> None:
            lot = _make_lot(ctx, session, key, groups.pop(key), when, dre_lots)
            if lot is not None:
                made.append(lot)
                if progress is not None:
                    progress(lot.invoice_count)

        for candidate in pending.scan(session, settings, ctx.clock(), only_sendable=True):
            key = (candidate.professional_id, candidate.regime or "", candidate.caisse or "", candidate.centre or "",
                   candidate.certification)
            groups.setdefault(key, []).append(candidate)
            if len(groups[key]) >= lot_domain.MAX_INVOICES:
                flush(key)
        for key in sorted(groups):
            flush(key)
        dre_lots.relot()   # the DRE of refused DRE lots, their FSE lotted already
        made.extend(LotSummary(lot.id, lot.number, lot.professional_id, lot.recipient, None, lot.certification,
                               lot.invoice_count, lot.total_fees, lot.total_amo, lot.total_amc)
                    for lot in dre_lots.close())
    return LottingResult(when, tuple(made))

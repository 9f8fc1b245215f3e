"""What sending and the ARLs do to a lot and its invoices, through the guarded changes of each.

The lot changes only through ``lot_state.advance`` (the domain's table, compare-and-set, history and audit); its
invoices through ``billing.state_bulk.advance_many`` (their own table, one audit entry and seal each), in the
caller's transaction.

An invoice's state follows its FSE lot only (docs/dre.md): its DRE lot, sent, acknowledged or refused, never moves
it. A refused DRE lot gives back its rows only (``live`` cleared), each invoice re-sealed by an audited record
(``billing.state.record``: ``lot_invoices`` is inside the seal), so that the next « Mettre en lot » puts the DRE
in a new DRE lot (``transmission.dre.DreLotter.relot``).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from feuille.auth import Context
from feuille.billing import state, state_bulk
from feuille.domain.invoices import Event, InvoiceState
from feuille.domain.lots import LABELS, LotEvent, LotKind, LotState
from feuille.storage.models import Invoice, Lot, LotInvoice
from feuille.transmission import lot_state


def lock_lot(session: Session, lot_id: int) -> Lot:
    """The lot, its row locked for the change (PostgreSQL; SQLite's transaction holds the write lock already)."""
    return lot_state.load(session, lot_id, lock=True)


def advance_lot(ctx: Context, session: Session, lot: Lot, event: LotEvent, detail: str | None = None,
                **values: object) -> LotState:
    """Apply ``event`` to ``lot`` (refused in French when the table forbids it), with ``values`` and ``detail``."""
    return lot_state.advance(ctx, session, lot, event, values=values, data={"detail": detail})


def label(state: str) -> str:
    return LABELS[LotState(state)]


def move_invoices(ctx: Context, session: Session, lot: Lot, event: Event, only: InvoiceState,
                  data: Mapping[str, object]) -> int:
    """``event`` for each of the lot's invoices in state ``only`` (the others moved already: idempotent); none
    for a DRE lot (the invoice's state follows its FSE lot)."""
    if lot.kind == LotKind.DRE.value:
        return 0
    ids = list(session.scalars(
        select(LotInvoice.invoice_id).join(Invoice, Invoice.id == LotInvoice.invoice_id)
        .where(LotInvoice.lot_id == lot.id, LotInvoice.live.is_(True), Invoice.state == only.value)
        .order_by(LotInvoice.invoice_id)))
    if ids:
        state_bulk.advance_many(ctx, session, ids, event, lambda _: {"lot": lot.id, **data})
    return len(ids)


def release_invoices(ctx: Context, session: Session, lot: Lot, data: Mapping[str, object]) -> int:
    """The refused lot gives its invoices back: « sécurisée » again, to be lotted once corrected (a DRE lot: its
    rows only, see :func:`_release_dre`)."""
    if lot.kind == LotKind.DRE.value:
        return _release_dre(ctx, session, lot, data)
    session.execute(update(LotInvoice).where(LotInvoice.lot_id == lot.id, LotInvoice.live.is_(True))
                    .values(live=None).execution_options(synchronize_session=False))
    ids = list(session.scalars(
        select(LotInvoice.invoice_id).join(Invoice, Invoice.id == LotInvoice.invoice_id)
        .where(LotInvoice.lot_id == lot.id, Invoice.state == InvoiceState.SENT.value)
        .order_by(LotInvoice.invoice_id)))
    if ids:
        state_bulk.advance_many(ctx, session, ids, Event.REMOVE_FROM_LOT, lambda _: {"lot": lot.id, **data})
    return len(ids)


def _release_dre(ctx: Context, session: Session, lot: Lot, data: Mapping[str, object]) -> int:
    """The refused DRE lot's rows given back, each invoice's seal recorded after the change (its state stays)."""
    ids = list(session.scalars(select(LotInvoice.invoice_id).where(LotInvoice.lot_id == lot.id,
                                                                   LotInvoice.live.is_(True))
                               .order_by(LotInvoice.invoice_id)))
    if not ids:
        return 0   # given back already: idempotent
    session.execute(update(LotInvoice).where(LotInvoice.lot_id == lot.id, LotInvoice.live.is_(True))
                    .values(live=None).execution_options(synchronize_session=False))
    for invoice_id in ids:
        row = state.load(session, invoice_id, lock=True)
        state.record(ctx, session, row, "dre_release", {"lot": lot.id, "lot_number": lot.number, **data})
    return len(ids)

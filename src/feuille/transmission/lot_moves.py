"""A lot's state changed, guarded and audited, with its invoices: what sending and the ARLs do to lots.

Every change asks ``domain.lots.transition`` (the one table), writes with compare-and-set on the lot's state and
version (SQLite and PostgreSQL alike), adds a line to the lot's history and an audit entry, in the caller's
transaction. The invoices follow through ``billing.state.advance`` (their own table, sealed and audited), locked
in increasing id order.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context
from feuille.billing import state as invoice_state
from feuille.domain.invoices import Event, InvoiceState
from feuille.domain.lots import LABELS, LotEvent, LotState, transition
from feuille.errors import ConflictError, NotFoundError
from feuille.storage.models import Invoice, Lot, LotEventRow, LotInvoice


def lock_lot(session: Session, lot_id: int) -> Lot:
    """The lot, its row locked for the change (PostgreSQL; SQLite's transaction holds the write lock already)."""
    lot = session.scalar(select(Lot).where(Lot.id == lot_id).with_for_update())
    if lot is None:
        raise NotFoundError(f"Lot n° {lot_id} introuvable.", code="lot_not_found", field="lot")
    return lot


def advance_lot(ctx: Context, session: Session, lot: Lot, event: LotEvent, detail: str | None = None,
                **values: object) -> LotState:
    """Apply ``event`` to ``lot`` (refused in French when the table forbids it) and record it."""
    old = LotState(lot.state)
    new = transition(old, event)
    now = ctx.clock()
    changed = session.execute(
        update(Lot).where(Lot.id == lot.id, Lot.state == lot.state, Lot.version == lot.version)
        .values(state=new.value, version=lot.version + 1, updated_at=now, **values)
        .execution_options(synchronize_session=False))
    if getattr(changed, "rowcount", 1) != 1:
        raise ConflictError(f"Le lot {lot.number} a été modifié entre-temps par un autre poste : recommencez.",
                            code="lot_changed", field="lot")
    session.refresh(lot)
    session.add(LotEventRow(lot_id=lot.id, event=event.value, state_from=old.value, state_to=new.value,
                            detail=detail, actor=ctx.actor.login, at=now))
    audit.record(session, actor=ctx.actor.login, at=now, action=f"lot.{event.value}", entity="lot",
                 entity_id=str(lot.id), data={"from": old.value, "to": new.value, "lot": lot.number,
                                              **({"detail": detail} if detail else {})})
    return new


def label(state: str) -> str:
    return LABELS[LotState(state)]


def live_invoices(session: Session, lot_id: int) -> list[Invoice]:
    """The invoices the lot holds, locked in increasing id order (``billing.portable.lock_in_order``'s rule)."""
    ids = list(session.scalars(select(LotInvoice.invoice_id).where(LotInvoice.lot_id == lot_id,
                                                                   LotInvoice.live.is_(True))
                               .order_by(LotInvoice.invoice_id)))
    return [invoice_state.load(session, invoice_id, lock=True) for invoice_id in ids]


def move_invoices(ctx: Context, session: Session, lot: Lot, event: Event, only: InvoiceState,
                  data: Mapping[str, object]) -> int:
    """``event`` for each of the lot's invoices in state ``only`` (the others already moved: idempotent)."""
    moved = 0
    for row in live_invoices(session, lot.id):
        if row.state == only.value:
            invoice_state.advance(ctx, session, row, event, data={"lot": lot.id, **data})
            moved += 1
    return moved


def release_invoices(ctx: Context, session: Session, lot: Lot, data: Mapping[str, object]) -> int:
    """The refused lot gives its invoices back: « sécurisée » again, to be lotted once corrected."""
    moved = move_invoices(ctx, session, lot, Event.REMOVE_FROM_LOT, InvoiceState.SENT, data)
    session.execute(update(LotInvoice).where(LotInvoice.lot_id == lot.id, LotInvoice.live.is_(True))
                    .values(live=None).execution_options(synchronize_session=False))
    return moved

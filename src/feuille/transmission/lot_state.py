"""The guarded state change of a lot: the only place a lot's state changes.

:func:`advance` asks the domain's transition table (``feuille.domain.lots``), writes with compare-and-set
(``UPDATE lots … WHERE id AND state AND version``: SQLite and PostgreSQL behave alike when two desks act at once),
keeps the lot's history row and the audit entry in the same transaction. :func:`already` lets a caller return
quietly when the work was done (a repeated command changes nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context
from feuille.domain.lots import LotEvent, LotState, transition
from feuille.errors import ConflictError, NotFoundError, ValidationError
from feuille.storage.models import Lot, LotEventRow


def lot_id(value: object) -> int:
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not text.isdigit() or len(text) > 9 or int(text) == 0:
        raise ValidationError(f"Lot « {str(value)[:20]} » : le numéro interne du lot est attendu (ex. 12, voir "
                              "feuille teletransmission lots).", code="lot_id", field="lot")
    return int(text)


def load(session: Session, ref: object, *, lock: bool = False) -> Lot:
    query = select(Lot).where(Lot.id == lot_id(ref))
    found = session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise NotFoundError(f"Lot n° {ref} introuvable.", code="lot_not_found", field="lot")
    return found


def history(ctx: Context, session: Session, lot: Lot, event: str, old: str | None, new: str,
            data: Mapping[str, Any]) -> None:
    """The lot's history row and its audit entry (what changed, from which state to which)."""
    detail = {k: v for k, v in data.items() if v is not None}
    session.add(LotEventRow(lot_id=lot.id, event=event, state_from=old, state_to=new,
                            detail=audit.canonical(detail) if detail else None, actor=ctx.actor.login,
                            at=ctx.clock()))
    audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action=f"lot.{event}", entity="lot",
                 entity_id=str(lot.id), data={"from": old, "to": new, **detail})


def advance(ctx: Context, session: Session, lot: Lot, event: LotEvent, *,
            values: Mapping[str, object] | None = None, data: Mapping[str, Any] | None = None) -> LotState:
    """Apply ``event`` to ``lot`` (``values``: other columns written with the state), audited; refused in French
    when the table forbids it, or when another desk changed the lot since it was read."""
    old = LotState(lot.state)
    new = transition(old, event)
    session.flush()
    done = session.execute(update(Lot).where(Lot.id == lot.id, Lot.state == old.value, Lot.version == lot.version)
                           .values(state=new.value, version=Lot.version + 1, updated_at=ctx.clock(),
                                   **dict(values or {}))
                           .execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError(f"Le lot n° {lot.id} a été modifié entre-temps par un autre poste : recommencez.",
                            code="lot_changed", field="lot")
    session.refresh(lot)
    history(ctx, session, lot, event.value, old.value, new.value, dict(data or {}))
    return new


def already(lot: Lot, *states: LotState) -> bool:
    return LotState(lot.state) in states

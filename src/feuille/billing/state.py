"""The guarded state change of an invoice: loading it for a change, the audit record with its seal, and
:func:`advance`, the only place an invoice's state changes.

:func:`advance` asks the domain's transition table (and whether the invoice is at the desk), then writes with
compare-and-set (``UPDATE … WHERE id AND state AND version``, :func:`compare_and_set`) so that SQLite and
PostgreSQL behave alike when two desks act at once, and audits in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context
from feuille.billing import sealing, stays
from feuille.billing.document import StoredDocument, read_stored
from feuille.billing.stored import StoredPriced, read_priced
from feuille.domain.identifiers import record_id
from feuille.domain.invoices import Event, InvoiceState, transition
from feuille.errors import ConflictError, NotFoundError, ValidationError
from feuille.storage.models import Invoice


def invoice_id(value: object) -> int:
    """An invoice's internal number, bounded like every record id (the database's integer columns)."""
    try:
        return record_id(value, "id", "Facture")
    except ValidationError as refused:
        raise ValidationError(refused.message, code="invoice_id", field="id") from None


def load(session: Session, ref: object, *, lock: bool = False) -> Invoice:
    """The invoice; ``lock``: for a change (row locked on PostgreSQL, the write lock taken at once on SQLite)."""
    wanted = invoice_id(ref)
    if lock and session.get_bind().dialect.name == "sqlite":
        # A no-op write as the first statement: SQLite then waits for the other writer (busy timeout) instead of
        # failing later when this transaction, having read an older snapshot, tries to write.
        session.execute(update(Invoice).where(Invoice.id == wanted).values(version=Invoice.version)
                        .execution_options(synchronize_session=False))
    query = select(Invoice).where(Invoice.id == wanted)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFoundError(f"Facture n° {ref} introuvable.", code="invoice_not_found", field="id")
    return row


def document(row: Invoice) -> StoredDocument:
    """The row's stored input, typed (parsed once, here, for whoever reads it)."""
    return read_stored(row.document)


def priced(row: Invoice) -> StoredPriced:
    """The row's stored priced result, typed."""
    return read_priced(row.priced)


def record(ctx: Context, session: Session, row: Invoice, action: str, data: Mapping[str, object]) -> None:
    """Audit a change of the invoice, with the snapshot (``seal``) of the invoice and its rows after it: the
    verification compares what is stored with the latest one, so a change made behind the services is seen."""
    seal = sealing.snapshot(session, row.id)
    audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action=f"invoice.{action}", entity="invoice",
                 entity_id=str(row.id), data={**dict(data), "seal": seal})


def allowed(session: Session, row: Invoice, event: Event) -> InvoiceState:
    """The state ``event`` brings ``row`` to, if the table allows it and the invoice is not on a portable reader
    (it changes only there); a three-step signing asks at its preparation, before drawing a number."""
    new = transition(InvoiceState(row.state), event)
    stays.check_at_desk(session, row, event)
    return new


def advance(ctx: Context, session: Session, row: Invoice, event: Event, *,
            values: Mapping[str, object] | None = None, data: Mapping[str, object] | None = None) -> InvoiceState:
    """Apply ``event``: the table decides, compare-and-set writes, the audit log records."""
    old = InvoiceState(row.state)
    new = allowed(session, row, event)
    compare_and_set(ctx, session, row, state=new.value, **dict(values or {}))
    record(ctx, session, row, event.value, {"from": old.value, "to": new.value, **dict(data or {})})
    return new


def dumps(data: object) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=_default)


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def compare_and_set(ctx: Context, session: Session, row: Invoice, **values: object) -> None:
    """``UPDATE … WHERE id AND state AND version`` (the version goes up): a desk that read ``row`` before another
    one changed it is refused, in French, and must read it again. ``row`` is refreshed."""
    result = session.execute(
        update(Invoice)
        .where(Invoice.id == row.id, Invoice.state == row.state, Invoice.version == row.version)
        .values(version=Invoice.version + 1, updated_at=ctx.clock(), **values)
        .execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 0) != 1:
        raise ConflictError(f"La facture n° {row.id} a été modifiée entre-temps par un autre poste ; "
                            "relisez-la et recommencez.", code="invoice_changed", field="id")
    session.refresh(row)

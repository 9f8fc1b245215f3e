"""The guarded state change of an invoice: loading it for a change, the audit record with its seal, and
:func:`advance`, the only place an invoice's state changes.

:func:`advance` asks the domain's transition table (and whether the invoice is at the desk), then writes with
compare-and-set (``UPDATE … WHERE id AND state AND version``, :func:`compare_and_set`) so that SQLite and
PostgreSQL behave alike when two desks act at once, and audits in the same transaction.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from sqlalchemy import RowMapping, Select, Table, Update, and_, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from feuille import audit
from feuille.auth import Context
from feuille.billing import sealing, stays
from feuille.billing.document import StoredDocument, read_stored
from feuille.billing.stored import StoredPriced, read_priced
from feuille.domain.identifiers import record_id
from feuille.domain.invoices import Event, InvoiceState, transition
from feuille.errors import ConflictError, NotFoundError, StateError, ValidationError
from feuille.storage.db import WRITE
from feuille.storage.models import Invoice, PortableLoad, Professional


def invoice_id(value: object) -> int:
    """An invoice's internal number, bounded like every record id (the database's integer columns)."""
    try:
        return record_id(value, "id", "Facture")
    except ValidationError as refused:
        raise ValidationError(refused.message, code="invoice_id", field="id") from None


@functools.cache
def _load_statement(lock: bool) -> Select[Invoice]:
    """Built once: a statement built per call costs more than its execution (SQLAlchemy's cache key)."""
    query = select(Invoice).where(Invoice.id == bindparam("invoice_id"))
    return query.with_for_update() if lock else query


def load(session: Session, ref: object, *, lock: bool = False) -> Invoice:
    """The invoice; ``lock``: for a change (row locked on PostgreSQL, the write lock taken at once on SQLite)."""
    wanted = invoice_id(ref)
    if lock and session.get_bind().dialect.name == "sqlite" and not write_locked(session):
        # A no-op write as the first statement: SQLite then waits for the other writer (busy timeout) instead of
        # failing later when this transaction, having read an older snapshot, tries to write.
        session.execute(update(Invoice).where(Invoice.id == wanted).values(version=Invoice.version)
                        .execution_options(synchronize_session=False))
    row = session.scalar(_load_statement(lock), {"invoice_id": wanted})
    if row is None:
        raise NotFoundError(f"Facture n° {ref} introuvable.", code="invoice_not_found", field="id")
    return row


@dataclass(frozen=True)
class AtDesk:
    """An invoice with its billing professional and its current stay on a portable reader (None: at the desk)."""

    row: Invoice
    professional: Professional
    stay: PortableLoad | None


@functools.cache
def _at_desk_statement(lock: bool) -> Select[Invoice, Professional, PortableLoad]:
    query = (select(Invoice, Professional, PortableLoad)
             .join(Professional, Professional.id == Invoice.professional_id)
             .outerjoin(PortableLoad, and_(PortableLoad.invoice_id == Invoice.id, PortableLoad.current.is_(True)))
             .where(Invoice.id == bindparam("invoice_id")))
    return query.with_for_update(of=Invoice.__table__) if lock else query


def load_at_desk(session: Session, ref: object, *, lock: bool = False) -> AtDesk:
    """:func:`load` with what every signing asks next (the professional, the stay), in one statement; the
    professional stays in the session's identity map while the caller holds it."""
    wanted = invoice_id(ref)
    if lock and session.get_bind().dialect.name == "sqlite" and not write_locked(session):
        load(session, wanted, lock=True)  # the write lock first (see load)
    found = session.execute(_at_desk_statement(lock), {"invoice_id": wanted}).first()
    if found is None:
        raise NotFoundError(f"Facture n° {ref} introuvable.", code="invoice_not_found", field="id")
    return AtDesk(found[0], found[1], found[2])


def write_locked(session: Session) -> bool:
    """The session's transaction holds the database's write lock from its start (``Database.transaction``: SQLite's
    ``BEGIN IMMEDIATE``), so no statement is needed to take it."""
    return bool(session.connection().get_execution_options().get(WRITE))


def document(row: Invoice) -> StoredDocument:
    """The row's stored input, typed (parsed once, here, for whoever reads it)."""
    return read_stored(row.document)


def priced(row: Invoice) -> StoredPriced:
    """The row's stored priced result, typed."""
    return read_priced(row.priced)


def record(ctx: Context, session: Session, row: Invoice, action: str,
           data: Mapping[str, object], *, head: RowMapping | None = None) -> sealing.Stored:
    """Audit a change of the invoice, with the snapshot (``seal``) of the invoice and its rows after it: the
    verification compares what is stored with the latest one, so a change made behind the services is seen.
    Returns the rows the seal was made of (``views.from_stored`` shows them while nothing else is written)."""
    stored = sealing.read_stored(session, row.id, head)
    audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action=f"invoice.{action}", entity="invoice",
                 entity_id=str(row.id), data={**dict(data), "seal": sealing.seal_of(stored)})
    return stored


def allowed(session: Session, row: Invoice, event: Event,
            stay: PortableLoad | stays.Unknown | None = stays.UNKNOWN) -> InvoiceState:
    """The state ``event`` brings ``row`` to, if the table allows it and the invoice is not on a portable reader
    (it changes only there); a three-step signing asks at its preparation, before drawing a number."""
    if row.credit_of is not None and row.state == InvoiceState.DRAFT:
        raise StateError(f"La facture n° {row.id} est l'avoir de la facture n° {row.credit_of}, en attente de sa "
                         "signature : elle ne se modifie pas ; relancez l'annulation (feuille facture annuler "
                         f"{row.credit_of}).", code="credit_note_pending", field="id")
    new = transition(InvoiceState(row.state), event)
    stays.check_at_desk(session, row, event, stay)
    return new


def advance(ctx: Context, session: Session, row: Invoice, event: Event, *,
            values: Mapping[str, object] | None = None, data: Mapping[str, object] | None = None,
            stay: PortableLoad | stays.Unknown | None = stays.UNKNOWN) -> sealing.Stored:
    """Apply ``event``: the table decides, compare-and-set writes, the audit log records (its seal's rows are
    returned, as by :func:`record`). ``stay``: as for :func:`allowed`."""
    old = InvoiceState(row.state)
    new = allowed(session, row, event, stay)
    head = compare_and_set(ctx, session, row, state=new.value, **dict(values or {}))
    return record(ctx, session, row, event.value, {"from": old.value, "to": new.value, **dict(data or {})},
                  head=head)


def dumps(data: object) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=_default)


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


@functools.lru_cache(maxsize=64)
def _cas_statement(names: tuple[str, ...]) -> Update:
    """``UPDATE invoices SET version = version + 1, updated_at, <names> WHERE id, state, version RETURNING *``,
    built once per set of columns changed (a handful of call sites)."""
    table = cast(Table, Invoice.__table__)
    changes = {name: bindparam(f"v_{name}", type_=table.c[name].type) for name in (*names, "updated_at")}
    return (update(table)
            .where(table.c.id == bindparam("w_id"), table.c.state == bindparam("w_state"),
                   table.c.version == bindparam("w_version"))
            .values(version=table.c.version + 1, **changes)
            .returning(*table.columns, *sealing.probes(bindparam("w_id"))))


def compare_and_set(ctx: Context, session: Session, row: Invoice, **values: object) -> RowMapping:
    """``UPDATE … WHERE id AND state AND version`` (the version goes up): a desk that read ``row`` before another
    one changed it is refused, in French, and must read it again. ``row`` is refreshed from the row the UPDATE
    returns (``RETURNING``: SQLite ≥ 3.35 and PostgreSQL), as a ``session.refresh`` would, without reading it again.
    Returns that row, with the seal's probes (:func:`record`'s ``head``)."""
    session.flush()  # nothing of the row pending behind the UPDATE
    params = {f"v_{name}": value for name, value in values.items()}
    fresh = session.execute(_cas_statement(tuple(sorted(values))), {
        "w_id": row.id, "w_state": row.state, "w_version": row.version, "v_updated_at": ctx.clock(),
        **params}).first()
    if fresh is None:
        raise ConflictError(f"La facture n° {row.id} a été modifiée entre-temps par un autre poste ; "
                            "relisez-la et recommencez.", code="invoice_changed", field="id")
    for name in sealing.invoice_columns():
        set_committed_value(row, name, fresh._mapping[name])
    return fresh._mapping

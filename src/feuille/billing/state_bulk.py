"""One event applied to many invoices at once (a lot of 999 invoices put in a lot, sent, given back), with the same
guards and the same audit entries as :func:`feuille.billing.state.advance` gives one invoice, in a handful of
statements per 500 invoices instead of a handful per invoice.

Per invoice, exactly what ``advance`` writes: the domain's transition table decides, an invoice on a portable
reader is refused, the state and version change, and one audit entry ``invoice.<event>`` carries ``from``, ``to``,
the caller's data and the seal of the invoice and its rows after the change (``sealing.seal_of``), so that
``feuille facture verifier`` reads these invoices as it reads any other. Compare-and-set is the row lock here: the
rows are read ``FOR UPDATE`` (PostgreSQL; SQLite's transaction holds the write lock from its start) and updated in
the same transaction, so the state read is the state changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Row, Table, select, update
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context
from feuille.billing import sealing
from feuille.domain.invoices import Event, InvoiceState, transition
from feuille.errors import ConflictError, StateError
from feuille.storage.models import Invoice, PortableLoad

BATCH = 500  # invoices per statement (IN lists)


def chunks(ids: Sequence[int], size: int = BATCH) -> list[Sequence[int]]:
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def _check(session: Session, batch: Sequence[int], event: Event) -> dict[int, tuple[InvoiceState, InvoiceState]]:
    table = cast(Table, Invoice.__table__)
    found = session.execute(select(table.c.id, table.c.state).where(table.c.id.in_(batch))
                            .order_by(table.c.id).with_for_update()).all()
    if len(found) != len(set(batch)):
        missing = sorted(set(batch) - {row.id for row in found})
        raise ConflictError(f"Facture n° {missing[0]} introuvable : elle a été supprimée entre-temps.",
                            code="invoice_changed", field="id")
    on_reader = session.scalars(select(PortableLoad.invoice_id).where(
        PortableLoad.invoice_id.in_(batch), PortableLoad.current.is_(True))).first()
    if on_reader is not None:
        raise StateError(f"La facture n° {on_reader} est sur un lecteur portable : déchargez-la (feuille lecteur "
                         "decharger) avant de la télétransmettre.", code="invoice_on_reader", field="id")
    return {row.id: (InvoiceState(row.state), transition(row.state, event)) for row in found}


def read_stored_many(session: Session, batch: Sequence[int]) -> dict[int, sealing.Stored]:
    """:func:`sealing.read_stored` for many invoices: the invoice rows, then each dependent table once (rows taken
    by position: ``select(table)`` gives the table's columns in order)."""
    table = cast(Table, Invoice.__table__)
    columns = sealing.invoice_columns()
    heads = {row.id: dict(zip(columns, row, strict=True))
             for row in session.execute(select(table).where(table.c.id.in_(batch)))}
    rows: dict[int, dict[str, list[Row[Any]]]] = {invoice_id: {} for invoice_id in heads}
    for dependent, key in sealing.dependent_tables():
        statement = select(dependent).where(key.in_(batch)).order_by(*dependent.primary_key.columns)
        position = list(dependent.columns).index(key)
        for found in session.execute(statement):
            rows[found[position]].setdefault(dependent.name, []).append(found)
    return {invoice_id: sealing.Stored(head, rows[invoice_id]) for invoice_id, head in heads.items()}


def advance_many(ctx: Context, session: Session, ids: Sequence[int], event: Event,
                 data: Callable[[int], Mapping[str, object]] | None = None) -> None:
    """Apply ``event`` to every invoice of ``ids`` (all or nothing: the first refusal refuses them all), audited
    one entry per invoice in the order of ``ids``. ``data``: what each invoice's entry says besides its states
    (write the rows the seal must show, such as the invoice's place in a lot, before calling)."""
    session.flush()
    table = cast(Table, Invoice.__table__)
    now = ctx.clock()
    entries: list[audit.Entry] = []
    for batch in chunks(list(ids)):
        moves = _check(session, batch, event)
        for (old, new), members in _by_move(moves).items():
            done = session.execute(update(table).where(table.c.id.in_(members), table.c.state == old.value)
                                   .values(state=new.value, version=table.c.version + 1, updated_at=now)
                                   .execution_options(synchronize_session=False))
            if done.rowcount != len(members):  # type: ignore[attr-defined]
                raise ConflictError("Des factures ont été modifiées entre-temps par un autre poste : recommencez.",
                                    code="invoice_changed", field="id")
        stored = read_stored_many(session, batch)
        for invoice_id in batch:
            old, new = moves[invoice_id]
            said = {"from": old.value, "to": new.value, **dict(data(invoice_id) if data else {})}
            entries.append(audit.Entry(f"invoice.{event.value}", "invoice", str(invoice_id),
                                       {**said, "seal": sealing.seal_of(stored[invoice_id])}))
    audit.record_many(session, actor=ctx.actor.login, at=now, entries=entries)


def seal_many(ctx: Context, session: Session, ids: Sequence[int], action: str,
              data: Callable[[int], Mapping[str, object]] | None = None) -> None:
    """Audit these invoices as they are now, each with its seal, without changing their state: rows written beside
    them (what a NOEMIE return said of them, a match undone) are then part of what the verification expects."""
    session.flush()
    entries: list[audit.Entry] = []
    for batch in chunks(list(ids)):
        stored = read_stored_many(session, batch)
        entries += [audit.Entry(f"invoice.{action}", "invoice", str(invoice_id),
                                {**dict(data(invoice_id) if data else {}), "seal": sealing.seal_of(stored[invoice_id])})
                    for invoice_id in batch]
    audit.record_many(session, actor=ctx.actor.login, at=ctx.clock(), entries=entries)


def _by_move(moves: Mapping[int, tuple[InvoiceState, InvoiceState]]) -> dict[tuple[InvoiceState, InvoiceState],
                                                                          list[int]]:
    out: dict[tuple[InvoiceState, InvoiceState], list[int]] = {}
    for invoice_id, move in moves.items():
        out.setdefault(move, []).append(invoice_id)
    return out

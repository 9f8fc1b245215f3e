"""What seals an invoice: the content its cards sign, and the snapshot the audit chain keeps after each change.

* :func:`signed_bytes` — every column of the invoice row except those that legitimately change after signing
  (:data:`MUTABLE`), and the state the signature brings it to. The signature covers money (lines, totals, what
  each payer owes), people (professional, performer, patient, insured NIR and rank), mode, dates and number.
* :func:`snapshot` — the whole invoice row (long texts by their SHA-256) and every row of every table that
  refers to it (found in the metadata, so a new invoice table is covered without being listed here). Each
  audited change of an invoice (``state.record``) stores it; the mutable columns, payments, attachments,
  signatures and portable-reader stays are checked against the latest one.

Both are compared field by field by :mod:`feuille.billing.verification`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BindParameter, Column, Label, Row, RowMapping, Select, Table, bindparam, select
from sqlalchemy.orm import Session

from feuille.cards.signatures import canonical_bytes
from feuille.storage.base import Base
from feuille.storage.models import Invoice

SIGNED_FORMAT = "feuille-facture/2"
#: The JSON whose digest the cards sign with the B2 records (:mod:`feuille.billing.fse`): the same content.
FSE_FORMAT = "feuille-facture/3"
FORMATS = frozenset({SIGNED_FORMAT, FSE_FORMAT})
#: Invoice columns that change after signing: covered by the audit chain's snapshot instead of the signature.
MUTABLE = frozenset({"state", "version", "updated_at", "paper_sent"})
#: Long columns kept in a snapshot by their SHA-256 (the signed content keeps document and priced whole).
DIGESTED = frozenset({"document", "priced", "content"})


#: Values a snapshot keeps as they are: tested first, by exact type (most columns; a lot seals 999 invoices at once).
_AS_IS = frozenset({str, int, bool, type(None)})


def plain(value: object) -> object:
    """A column value as JSON: amounts and dates as text, bytes by their SHA-256."""
    if type(value) in _AS_IS:
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _digest_text(value: object) -> object:
    if isinstance(value, str):
        return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()
    return plain(value)


@functools.cache
def invoice_columns() -> tuple[str, ...]:
    return tuple(column.name for column in Invoice.__table__.columns)


def signed_content(row: Invoice, state: str, fmt: str = SIGNED_FORMAT) -> dict[str, Any]:
    invoice = {name: plain(getattr(row, name)) for name in invoice_columns() if name not in MUTABLE}
    return {"format": fmt, "state": state, "invoice": invoice}


def signed_bytes(session: Session, row: Invoice, state: str) -> bytes:
    """The canonical bytes of ``row`` as the database holds it (flushed and read back, so that what is signed
    is exactly what a later verification reads), at the ``state`` the signature brings it to."""
    session.flush()
    session.refresh(row)
    return canonical_bytes(signed_content(row, state))


def prepared_bytes(row: Invoice, state: str, changes: dict[str, object], fmt: str = SIGNED_FORMAT) -> bytes:
    """The bytes ``row`` will have once ``changes`` (number, mode) are written, without writing them: a prepared
    signing leaves the invoice untouched until it is committed."""
    content = signed_content(row, state, fmt)
    content["invoice"].update({name: plain(value) for name, value in changes.items()})
    return canonical_bytes(content)


@functools.cache
def dependent_tables() -> tuple[tuple[Table, Column[Any]], ...]:
    """Every table with a foreign key to ``invoices.id`` (the credit note's own link excepted), and that key
    (the metadata does not change while the program runs: found once)."""
    invoices = Invoice.__table__
    found: list[tuple[Table, Column[Any]]] = []
    for table in Base.metadata.sorted_tables:
        if table is invoices:
            continue
        for fk in table.foreign_keys:
            if fk.column.table is invoices and isinstance(fk.parent, Column):
                found.append((table, fk.parent))
    return tuple(found)


@dataclass(frozen=True)
class Stored:
    """The invoice row and the rows referring to it, as one read found them (table name → rows, by primary key):
    what the seal is made of, and what a view needs besides the invoice (lines, payments, attachments)."""

    invoice: Mapping[str, Any] | None
    rows: dict[str, list[Row[Any]]]

    def of(self, table: str) -> list[Row[Any]]:
        return self.rows.get(table, [])


def probes(wanted: BindParameter[int]) -> list[Label[bool]]:
    """For each dependent table, whether the invoice ``wanted`` has rows in it: columns a statement reading the
    invoice adds (the compare-and-set's ``RETURNING`` too), so that :func:`read_stored` reads only those."""
    return [select(key).where(key == wanted).exists().label(f"_has_{index}")
            for index, (_, key) in enumerate(dependent_tables())]


@functools.cache
def _statements() -> tuple[Select[Any], tuple[Select[Any], ...]]:
    """The invoice with, for each dependent table, whether it has rows of it (one statement), then each table's
    rows: a table without rows for this invoice (most of them, most of the time) costs no statement."""
    table = Invoice.__table__
    wanted: BindParameter[int] = bindparam("invoice_id")
    head = select(table, *probes(wanted)).where(table.c.id == wanted)
    rows = tuple(select(dependent).where(key == wanted).order_by(*dependent.primary_key.columns)
                 for dependent, key in dependent_tables())
    return head, rows


def read_stored(session: Session, invoice_id: int, head: RowMapping | None = None) -> Stored:
    """The invoice and its dependent rows as stored now (pending changes flushed first). ``head``: the invoice row
    with the :func:`probes` as a statement of this transaction just returned it, nothing written since."""
    session.flush()
    statement, statements = _statements()
    if head is None:
        found = session.execute(statement, {"invoice_id": invoice_id}).first()
        if found is None:
            return Stored(None, {})
        head = found._mapping
    mapping = head
    rows: dict[str, list[Row[Any]]] = {}
    for index, ((dependent, _), statement) in enumerate(zip(dependent_tables(), statements, strict=True)):
        if mapping[f"_has_{index}"]:
            rows[dependent.name] = list(session.execute(statement, {"invoice_id": invoice_id}))
    return Stored({name: mapping[name] for name in invoice_columns()}, rows)


@functools.cache
def _layout(table: Table) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """A dependent table's column names in order (its rows are read by ``select(table)``, so a row's values come
    in this order) and the positions of its primary key."""
    names = tuple(column.name for column in table.columns)
    return names, tuple(names.index(column.name) for column in table.primary_key.columns)


def seal_of(stored: Stored) -> dict[str, Any]:
    """The snapshot kept in the audit log: long texts by their SHA-256, every dependent row by its key.

    Each audited change of an invoice makes one (a NOEMIE return changes the states of hundreds of thousands at
    once), so a row's values are taken by position and converted only when they are not plain already."""
    current = stored.invoice
    invoice = None
    if current is not None:
        invoice = {}
        for name in invoice_columns():
            value = current[name]
            invoice[name] = (_digest_text(value) if name in DIGESTED else value if type(value) in _AS_IS
                             else plain(value))
    rows: dict[str, dict[str, dict[str, object]]] = {}
    for dependent, _ in dependent_tables():
        found = stored.of(dependent.name)
        if not found:
            continue
        names, keys = _layout(dependent)
        by_key = rows.setdefault(dependent.name, {})
        for row in found:
            by_key["/".join([str(row[i]) for i in keys])] = {
                name: value if type(value) in _AS_IS else plain(value) for name, value in zip(names, row, strict=True)}
    return {"invoice": invoice, "rows": rows}


def snapshot(session: Session, invoice_id: int) -> dict[str, Any]:
    """The invoice and its dependent rows as stored now (call after the change, in the same transaction)."""
    return seal_of(read_stored(session, invoice_id))


def parse_signed(data: bytes) -> dict[str, Any] | None:
    """The signed content stored with a signature, or None when it is not one this version wrote."""
    try:
        content = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(content, dict) or content.get("format") not in FORMATS:
        return None
    if not isinstance(content.get("invoice"), dict):
        return None
    return content

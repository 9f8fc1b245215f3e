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

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Table, select
from sqlalchemy.orm import Session

from feuille.cards.signatures import canonical_bytes
from feuille.storage.base import Base
from feuille.storage.models import Invoice

SIGNED_FORMAT = "feuille-facture/2"
#: Invoice columns that change after signing: covered by the audit chain's snapshot instead of the signature.
MUTABLE = frozenset({"state", "version", "updated_at", "paper_sent"})
#: Long columns kept in a snapshot by their SHA-256 (the signed content keeps document and priced whole).
DIGESTED = frozenset({"document", "priced", "content"})


def plain(value: object) -> object:
    """A column value as JSON: amounts and dates as text, bytes by their SHA-256."""
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


def invoice_columns() -> list[str]:
    return [column.name for column in Invoice.__table__.columns]


def signed_content(row: Invoice, state: str) -> dict[str, Any]:
    invoice = {name: plain(getattr(row, name)) for name in invoice_columns() if name not in MUTABLE}
    return {"format": SIGNED_FORMAT, "state": state, "invoice": invoice}


def signed_bytes(session: Session, row: Invoice, state: str) -> bytes:
    """The canonical bytes of ``row`` as the database holds it (flushed and read back, so that what is signed
    is exactly what a later verification reads), at the ``state`` the signature brings it to."""
    session.flush()
    session.refresh(row)
    return canonical_bytes(signed_content(row, state))


def prepared_bytes(row: Invoice, state: str, changes: dict[str, object]) -> bytes:
    """The bytes ``row`` will have once ``changes`` (number, mode) are written, without writing them: a prepared
    signing leaves the invoice untouched until it is committed."""
    content = signed_content(row, state)
    content["invoice"].update({name: plain(value) for name, value in changes.items()})
    return canonical_bytes(content)


def dependent_tables() -> list[tuple[Table, Column[Any]]]:
    """Every table with a foreign key to ``invoices.id`` (the credit note's own link excepted), and that key."""
    invoices = Invoice.__table__
    found: list[tuple[Table, Column[Any]]] = []
    for table in Base.metadata.sorted_tables:
        if table is invoices:
            continue
        for fk in table.foreign_keys:
            if fk.column.table is invoices and isinstance(fk.parent, Column):
                found.append((table, fk.parent))
    return found


def _row_key(table: Table, mapping: Any) -> str:
    return "/".join(str(mapping[column.name]) for column in table.primary_key.columns)


def snapshot(session: Session, invoice_id: int) -> dict[str, Any]:
    """The invoice and its dependent rows as stored now (call after the change, in the same transaction)."""
    session.flush()
    table = Invoice.__table__
    current = session.execute(select(table).where(table.c.id == invoice_id)).mappings().first()
    invoice = ({name: _digest_text(current[name]) if name in DIGESTED else plain(current[name])
                for name in invoice_columns()} if current is not None else None)
    rows: dict[str, dict[str, dict[str, object]]] = {}
    for dependent, key in dependent_tables():
        for mapping in session.execute(select(dependent).where(key == invoice_id)).mappings():
            rows.setdefault(dependent.name, {})[_row_key(dependent, mapping)] = {
                column.name: plain(mapping[column.name]) for column in dependent.columns}
    return {"invoice": invoice, "rows": rows}


def parse_signed(data: bytes) -> dict[str, Any] | None:
    """The signed content stored with a signature, or None when it is not one this version wrote."""
    try:
        content = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(content, dict) or content.get("format") != SIGNED_FORMAT:
        return None
    if not isinstance(content.get("invoice"), dict):
        return None
    return content

"""an invoice's priced lines as rows of their own (invoice_lines), converted from the stored priced JSON

Revision ID: 0009_invoice_lines
Revises: 0008_card_certificates
Create Date: 2026-12-05

The ``priced`` JSON column stays as it was signed (the signature covers the invoice row): the rows are its typed
form, with the act each line came from. Lines priced before this revision are linked to the first act of the
stored input with the same code and date not yet taken; a line with no such act keeps NULL for the act's index,
coefficient and CCAM codes. The downgrade drops the rows: the ``priced`` JSON still holds every line.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009_invoice_lines"
down_revision = "0008_card_certificates"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=10, scale=2)


def _columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("act_index", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("care_date", sa.Date(), nullable=False),
        sa.Column("coefficient", sa.Numeric(precision=10, scale=3), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", MONEY, nullable=True),
        sa.Column("base", MONEY, nullable=False),
        sa.Column("rate", sa.Integer(), nullable=False),
        sa.Column("exoneration", sa.String(length=2), nullable=True),
        sa.Column("modifiers", sa.String(length=16), nullable=True),
        sa.Column("association", sa.String(length=2), nullable=True),
        sa.Column("qualifier", sa.String(length=8), nullable=True),
        sa.Column("activity", sa.String(length=2), nullable=True),
        sa.Column("phase", sa.String(length=2), nullable=True),
        sa.Column("total", MONEY, nullable=False),
        sa.Column("amo", MONEY, nullable=False),
        sa.Column("amc", MONEY, nullable=False),
        sa.Column("patient", MONEY, nullable=False),
        sa.Column("participation", MONEY, nullable=True),
    ]


def upgrade() -> None:
    table = op.create_table(
        "invoice_lines",
        *_columns(),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], ondelete="CASCADE",
                                name=op.f("fk_invoice_lines_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
    )
    op.create_index(op.f("ix_invoice_lines_invoice_id"), "invoice_lines", ["invoice_id"])
    invoices = sa.table("invoices", sa.column("id", sa.Integer()), sa.column("invoice_date", sa.Date()),
                        sa.column("document", sa.Text()), sa.column("priced", sa.Text()))
    bind = op.get_bind()
    rows: list[dict[str, Any]] = []
    for invoice in bind.execute(sa.select(invoices).order_by(invoices.c.id)):
        rows += _lines(invoice.id, invoice.invoice_date, json.loads(invoice.document), json.loads(invoice.priced))
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_index(op.f("ix_invoice_lines_invoice_id"), table_name="invoice_lines")
    op.drop_table("invoice_lines")


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None and not isinstance(value, bool) else None
    except InvalidOperation:
        return None


def _text(value: object, size: int) -> str | None:
    if isinstance(value, list):
        value = "".join(str(item) for item in value)
    return str(value).strip().upper()[:size] or None if value is not None else None


def _lines(invoice_id: int, day: date, document: dict[str, Any], priced: dict[str, Any]) -> list[dict[str, Any]]:
    acts = [act for act in document.get("acts") or [] if isinstance(act, dict)]
    taken: set[int] = set()
    out: list[dict[str, Any]] = []
    for number, line in enumerate(priced.get("lines") or [], 1):
        care_date = date.fromisoformat(line["date"]) if line.get("date") else day
        index = next((i for i, act in enumerate(acts) if i not in taken
                      and str(act.get("code", "")).strip().upper() == line["code"]
                      and (act.get("date") or day.isoformat()) == care_date.isoformat()), None)
        act = acts[index] if index is not None else {}
        if index is not None:
            taken.add(index)
        out.append({
            "invoice_id": invoice_id, "line_number": number, "act_index": index, "code": line["code"],
            "care_date": care_date, "coefficient": _decimal(act.get("coefficient", 1 if act else None)),
            "quantity": int(line.get("quantity", act.get("quantity", 1))),
            "unit_price": _decimal(act.get("unit_price")),
            "base": Decimal(line["base"]), "rate": int(line["rate"]),
            "exoneration": _text(line.get("exoneration"), 2), "modifiers": _text(act.get("modifiers"), 16),
            "association": _text(act.get("association"), 2), "qualifier": _text(act.get("qualifier"), 8),
            "activity": _text(act.get("activity"), 2), "phase": _text(act.get("phase"), 2),
            "total": Decimal(line["total"]), "amo": Decimal(line["amo"]), "amc": Decimal(line["amc"]),
            "patient": Decimal(line["patient"]), "participation": _decimal(line.get("participation")),
        })
    return out

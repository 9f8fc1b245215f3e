"""portable reader: invoices loaded on a reader

Revision ID: 0006_portable
Revises: 0005_invoices
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_portable"
down_revision = "0005_invoices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portable_loads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("reader", sa.String(length=40), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=True),
        sa.Column("loaded_by", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("last_refusal", sa.Text(), nullable=True),
        sa.Column("unloaded_by", sa.String(length=64), nullable=True),
        sa.Column("unloaded_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], ondelete="RESTRICT",
                                name=op.f("fk_portable_loads_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portable_loads")),
        sa.UniqueConstraint("invoice_id", "current", name=op.f("uq_portable_loads_invoice_id_current")),
    )
    op.create_index(op.f("ix_portable_loads_invoice_id"), "portable_loads", ["invoice_id"])
    op.create_index(op.f("ix_portable_loads_reader"), "portable_loads", ["reader"])


def downgrade() -> None:
    op.drop_index(op.f("ix_portable_loads_reader"), table_name="portable_loads")
    op.drop_index(op.f("ix_portable_loads_invoice_id"), table_name="portable_loads")
    op.drop_table("portable_loads")

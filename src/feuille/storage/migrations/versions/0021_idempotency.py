"""Idempotency keys of invoice creations over the API: the same key and document give the same invoice

Revision ID: 0021_idempotency
Revises: 0020_web
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_idempotency"
down_revision = "0020_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_request_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoices.id", ondelete="CASCADE"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("login", "key", name=op.f("uq_invoice_request_keys_login_key")),
    )


def downgrade() -> None:
    op.drop_table("invoice_request_keys")

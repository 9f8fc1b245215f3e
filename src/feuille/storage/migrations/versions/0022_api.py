"""Idempotency keys of every creation over the API (invoices, patients) in one table, per user and scope

Revision ID: 0022_api
Revises: 0021_idempotency
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_api"
down_revision = "0021_idempotency"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("login", "scope", "key", name=op.f("uq_request_keys_login_scope_key")),
    )
    # the keys of invoice creations already given keep working
    op.execute("INSERT INTO request_keys (login, scope, key, request_hash, entity_id, created_at) "
               "SELECT login, 'invoice', key, request_hash, invoice_id, created_at FROM invoice_request_keys")
    op.drop_table("invoice_request_keys")


def downgrade() -> None:
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
    op.execute("INSERT INTO invoice_request_keys (login, key, request_hash, invoice_id, created_at) "
               "SELECT login, key, request_hash, entity_id, created_at FROM request_keys "
               "WHERE scope = 'invoice' AND entity_id IN (SELECT id FROM invoices)")
    op.drop_table("request_keys")

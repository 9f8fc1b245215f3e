"""Transfers and reports: covering indexes so that the reports sum expected and paid over half a million invoices
without reading the invoices' rows (their JSON documents make each row long)

Revision ID: 0019_transfers
Revises: 0018_follow_up
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0019_transfers"
down_revision = "0018_follow_up"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_invoices_followed_amounts", "invoices", ["state", "invoice_date", "amo", "amc", "secure_mode"],
                    unique=False)
    op.create_index("ix_return_invoices_paid", "return_invoices", ["invoice_id", "match", "amo_paid", "amc_paid"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_return_invoices_paid", table_name="return_invoices")
    op.drop_index("ix_invoices_followed_amounts", table_name="invoices")

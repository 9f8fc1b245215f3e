"""Follow-up: the amount declared when an invoice's state is changed by hand (paid outside the flow), and the
index the follow-up list reads its pages with (newest invoice date first, per state)

Revision ID: 0018_follow_up
Revises: 0016_returns
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_follow_up"
down_revision = "0016_returns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reject_handlings") as batch:
        batch.add_column(sa.Column("amount", sa.Numeric(12, 2), nullable=True))
    op.create_index("ix_invoices_state_date", "invoices", ["state", "invoice_date", "secure_mode"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_invoices_state_date", table_name="invoices")
    with op.batch_alter_table("reject_handlings") as batch:
        batch.drop_column("amount")

"""scanned signature of the professional (degraded care sheet)

Revision ID: 0007_signature_scan
Revises: 0006_portable
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_signature_scan"
down_revision = "0006_portable"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "professional_signatures",
        sa.Column("professional_id", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_by", sa.String(length=64), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["professional_id"], ["professionals.id"], ondelete="CASCADE",
                                name=op.f("fk_professional_signatures_professional_id_professionals")),
        sa.PrimaryKeyConstraint("professional_id", name=op.f("pk_professional_signatures")),
    )


def downgrade() -> None:
    op.drop_table("professional_signatures")

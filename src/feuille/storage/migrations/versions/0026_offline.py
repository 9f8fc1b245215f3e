"""Visits recorded in the browser while offline, once synchronised (« Factures à saisir »)

Revision ID: 0026_offline
Revises: 0025_birth_search
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026_offline"
down_revision = "0025_birth_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "offline_records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("professional_id", sa.Integer(), sa.ForeignKey("professionals.id"), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("typed_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("patient_is_insured", sa.Boolean(), nullable=False),
        sa.Column("nir_known", sa.Boolean(), nullable=False),
        sa.Column("last_name", sa.String(length=64), nullable=False),
        sa.Column("first_name", sa.String(length=64), nullable=False),
        sa.Column("nir", sa.String(length=15), nullable=True),
        sa.Column("birth_date", sa.String(length=8), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("insured_last_name", sa.String(length=64), nullable=True),
        sa.Column("insured_first_name", sa.String(length=64), nullable=True),
        sa.Column("care_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("acts", sa.Text(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.UniqueConstraint("user_id", "client_id", name=op.f("uq_offline_records_user_id_client_id")),
    )
    op.create_index("ix_offline_records_state_professional", "offline_records", ["state", "professional_id"])


def downgrade() -> None:
    op.drop_index("ix_offline_records_state_professional", table_name="offline_records")
    op.drop_table("offline_records")

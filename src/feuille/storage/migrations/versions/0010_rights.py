"""practice settings (ADRi service, caisse de test) and the ADRi answers kept per patient

Revision ID: 0010_rights
Revises: 0009_invoice_lines
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_rights"
down_revision = "0009_invoice_lines"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "practice_settings",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_practice_settings")),
    )
    op.create_table(
        "rights_lookups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("reference_date", sa.Date(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("patient_version", sa.DateTime(), nullable=False),
        sa.Column("applied", sa.String(length=200), nullable=True),
        sa.Column("applied_by", sa.String(length=64), nullable=True),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], ondelete="CASCADE",
                                name=op.f("fk_rights_lookups_patient_id_patients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_lookups")),
        sa.UniqueConstraint("request_id", name=op.f("uq_rights_lookups_request_id")),
    )
    op.create_index(op.f("ix_rights_lookups_patient_id"), "rights_lookups", ["patient_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_rights_lookups_patient_id"), table_name="rights_lookups")
    op.drop_table("rights_lookups")
    op.drop_table("practice_settings")

"""The patient search by birth date reads an index (the rows of that date, in the list's order)

Revision ID: 0025_birth_search
Revises: 0022_api
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0025_birth_search"
down_revision = "0022_api"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_patients_birth_search", "patients", ["birth_date", "last_name_key", "first_name_key", "id"])


def downgrade() -> None:
    op.drop_index("ix_patients_birth_search", table_name="patients")

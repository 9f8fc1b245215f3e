"""AMO/AMC organisms, patients, complementary contracts

Revision ID: 0003_patients
Revises: 0002_professionals
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_patients"
down_revision = "0002_professionals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""CCAM versions, acts, prices, keywords

Revision ID: 0004_ccam
Revises: 0003_patients
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_ccam"
down_revision = "0003_patients"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

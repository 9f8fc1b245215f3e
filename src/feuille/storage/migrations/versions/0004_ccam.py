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
    op.create_table(
        "ccam_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("applicable_from", sa.Date(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.Column("source_file", sa.String(length=255), nullable=False),
        sa.Column("source_format", sa.String(length=16), nullable=False),
        sa.Column("act_count", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ccam_versions")),
    )
    op.create_index(op.f("ix_ccam_versions_active"), "ccam_versions", ["active"])
    op.create_table(
        "ccam_acts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=7), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("label_folded", sa.Text(), nullable=False),
        sa.Column("short_label", sa.String(length=255), nullable=False),
        sa.Column("not_covered", sa.Boolean(), nullable=False),
        sa.Column("reimbursement_conditions", sa.Boolean(), nullable=False),
        sa.Column("prior_agreement", sa.Boolean(), nullable=False),
        sa.Column("exo_tm", sa.String(length=8), nullable=False),
        sa.Column("grouping", sa.String(length=8), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["ccam_versions.id"],
                                name=op.f("fk_ccam_acts_version_id_ccam_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ccam_acts")),
        sa.UniqueConstraint("version_id", "code", name=op.f("uq_ccam_acts_version_id_code")),
    )
    op.create_index("ix_ccam_acts_version_code_prefix", "ccam_acts", ["version_id", "code"],
                    postgresql_ops={"code": "text_pattern_ops"})
    op.create_table(
        "ccam_prices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("act_id", sa.Integer(), nullable=False),
        sa.Column("activity", sa.String(length=1), nullable=False),
        sa.Column("phase", sa.String(length=2), nullable=False),
        sa.Column("sector1", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("non_sector1", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["act_id"], ["ccam_acts.id"], name=op.f("fk_ccam_prices_act_id_ccam_acts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ccam_prices")),
    )
    op.create_index(op.f("ix_ccam_prices_act_id"), "ccam_prices", ["act_id"])
    op.create_table(
        "ccam_modifiers",
        sa.Column("act_id", sa.Integer(), nullable=False),
        sa.Column("modifier", sa.String(length=1), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["act_id"], ["ccam_acts.id"], name=op.f("fk_ccam_modifiers_act_id_ccam_acts")),
        sa.PrimaryKeyConstraint("act_id", "modifier", name=op.f("pk_ccam_modifiers")),
    )
    op.create_table(
        "ccam_keywords",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("act_id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=64), nullable=False),
        sa.Column("word_folded", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["act_id"], ["ccam_acts.id"], name=op.f("fk_ccam_keywords_act_id_ccam_acts")),
        sa.ForeignKeyConstraint(["version_id"], ["ccam_versions.id"],
                                name=op.f("fk_ccam_keywords_version_id_ccam_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ccam_keywords")),
    )
    op.create_index(op.f("ix_ccam_keywords_act_id"), "ccam_keywords", ["act_id"])
    op.create_index("ix_ccam_keywords_version_word_prefix", "ccam_keywords", ["version_id", "word_folded"],
                    postgresql_ops={"word_folded": "text_pattern_ops"})


def downgrade() -> None:
    op.drop_index("ix_ccam_keywords_version_word_prefix", table_name="ccam_keywords")
    op.drop_index(op.f("ix_ccam_keywords_act_id"), table_name="ccam_keywords")
    op.drop_table("ccam_keywords")
    op.drop_table("ccam_modifiers")
    op.drop_index(op.f("ix_ccam_prices_act_id"), table_name="ccam_prices")
    op.drop_table("ccam_prices")
    op.drop_index("ix_ccam_acts_version_code_prefix", table_name="ccam_acts")
    op.drop_table("ccam_acts")
    op.drop_index(op.f("ix_ccam_versions_active"), table_name="ccam_versions")
    op.drop_table("ccam_versions")

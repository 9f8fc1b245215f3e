"""DRE and gestion unique: the complementaries' teletransmission parameters and the AMC conventions directory

Revision ID: 0015_dre
Revises: 0014_sending
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_dre"
# The brief says 0010_rights; chained after 0014_sending, the head of main when branch dre merged it.
down_revision = "0014_sending"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("amc_organisms") as batch:
        batch.add_column(sa.Column("prefectoral_number", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("dre_accepted", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("dre_address", sa.String(length=254), nullable=True))
    op.create_table(
        "amc_conventions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signatory_id", sa.String(length=10), nullable=False),
        sa.Column("signatory_label", sa.String(length=64), nullable=True),
        sa.Column("group_convention", sa.String(length=10), nullable=True),
        sa.Column("convention_type", sa.String(length=5), nullable=False),
        sa.Column("secondary_criterion", sa.String(length=10), nullable=False),
        sa.Column("agreement_type", sa.String(length=5), nullable=True),
        sa.Column("amc_number", sa.String(length=10), nullable=False),
        sa.Column("amc_label", sa.String(length=64), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("dre", sa.Boolean(), nullable=False),
        sa.Column("pec_required", sa.Boolean(), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_amc_conventions")),
        sa.UniqueConstraint("amc_number", "convention_type", "secondary_criterion", "signatory_id",
                            name="uq_amc_conventions_key"),
    )
    op.create_index("ix_amc_conventions_search", "amc_conventions",
                    ["amc_number", "disabled", "convention_type", "secondary_criterion"])
    # An invoice with a DRE is in one live FSE lot and one live DRE lot: the uniqueness is per kind of lot.
    with op.batch_alter_table("lot_invoices") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=3), server_default="FSE", nullable=False))
        batch.drop_constraint("uq_lot_invoices_invoice_id_live", type_="unique")
        batch.create_unique_constraint("uq_lot_invoices_invoice_id_kind_live", ["invoice_id", "kind", "live"])


def downgrade() -> None:
    with op.batch_alter_table("lot_invoices") as batch:
        batch.drop_constraint("uq_lot_invoices_invoice_id_kind_live", type_="unique")
        batch.create_unique_constraint("uq_lot_invoices_invoice_id_live", ["invoice_id", "live"])
        batch.drop_column("kind")
    op.drop_index("ix_amc_conventions_search", table_name="amc_conventions")
    op.drop_table("amc_conventions")
    with op.batch_alter_table("amc_organisms") as batch:
        batch.drop_column("dre_address")
        batch.drop_column("dre_accepted")
        batch.drop_column("prefectoral_number")

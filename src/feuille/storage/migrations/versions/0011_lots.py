"""teletransmission lots: lots, their invoices, lot numbers, B2 files, lot history, released invoices

Revision ID: 0011_lots
Revises: 0010_rights
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_lots"
down_revision = "0010_rights"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=12, scale=2)


def upgrade() -> None:
    op.create_table(
        "b2_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=14), nullable=False),
        sa.Column("file_id", sa.String(length=6), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_b2_files")),
        sa.UniqueConstraint("sender", "file_id", name=op.f("uq_b2_files_sender_file_id")),
    )
    op.create_table(
        "b2_file_counters",
        sa.Column("sender", sa.String(length=14), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sender", name=op.f("pk_b2_file_counters")),
    )
    op.create_table(
        "lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("professional_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=3), nullable=False),
        sa.Column("recipient_kind", sa.String(length=3), nullable=False),
        sa.Column("recipient", sa.String(length=16), nullable=False),
        sa.Column("regime", sa.String(length=2), nullable=True),
        sa.Column("caisse", sa.String(length=3), nullable=True),
        sa.Column("centre", sa.String(length=4), nullable=True),
        sa.Column("amc_number", sa.String(length=10), nullable=True),
        sa.Column("certification", sa.String(length=1), nullable=False),
        sa.Column("number", sa.String(length=3), nullable=False),
        sa.Column("lot_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("b2_file_id", sa.Integer(), nullable=True),
        sa.Column("invoice_count", sa.Integer(), nullable=False),
        sa.Column("total_fees", MONEY, nullable=False),
        sa.Column("total_amo", MONEY, nullable=False),
        sa.Column("total_amc", MONEY, nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("arl_label", sa.Text(), nullable=True),
        sa.Column("handling", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["professional_id"], ["professionals.id"], ondelete="RESTRICT",
                                name=op.f("fk_lots_professional_id_professionals")),
        sa.ForeignKeyConstraint(["b2_file_id"], ["b2_files.id"], ondelete="RESTRICT",
                                name=op.f("fk_lots_b2_file_id_b2_files")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lots")),
        sa.UniqueConstraint("b2_file_id", name=op.f("uq_lots_b2_file_id")),
    )
    op.create_index(op.f("ix_lots_professional_id"), "lots", ["professional_id"])
    op.create_index(op.f("ix_lots_state"), "lots", ["state"])
    op.create_table(
        "lot_invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("live", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], ondelete="RESTRICT",
                                name=op.f("fk_lot_invoices_lot_id_lots")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], ondelete="RESTRICT",
                                name=op.f("fk_lot_invoices_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_invoices")),
        sa.UniqueConstraint("invoice_id", "live", name=op.f("uq_lot_invoices_invoice_id_live")),
        sa.UniqueConstraint("lot_id", "invoice_id", name=op.f("uq_lot_invoices_lot_id_invoice_id")),
    )
    op.create_index(op.f("ix_lot_invoices_lot_id"), "lot_invoices", ["lot_id"])
    op.create_index(op.f("ix_lot_invoices_invoice_id"), "lot_invoices", ["invoice_id"])
    op.create_table(
        "lot_counters",
        sa.Column("professional_id", sa.Integer(), nullable=False),
        sa.Column("recipient_kind", sa.String(length=3), nullable=False),
        sa.Column("recipient", sa.String(length=16), nullable=False),
        sa.Column("last_number", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(["professional_id"], ["professionals.id"], ondelete="CASCADE",
                                name=op.f("fk_lot_counters_professional_id_professionals")),
        sa.PrimaryKeyConstraint("professional_id", "recipient_kind", "recipient", name=op.f("pk_lot_counters")),
    )
    op.create_table(
        "lot_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=24), nullable=False),
        sa.Column("state_from", sa.String(length=24), nullable=True),
        sa.Column("state_to", sa.String(length=24), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], ondelete="CASCADE",
                                name=op.f("fk_lot_history_lot_id_lots")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_history")),
    )
    op.create_index(op.f("ix_lot_history_lot_id"), "lot_history", ["lot_id"])
    op.create_table(
        "transmission_releases",
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("released_by", sa.String(length=64), nullable=False),
        sa.Column("released_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], ondelete="CASCADE",
                                name=op.f("fk_transmission_releases_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_transmission_releases")),
    )


def downgrade() -> None:
    op.drop_table("transmission_releases")
    op.drop_index(op.f("ix_lot_history_lot_id"), table_name="lot_history")
    op.drop_table("lot_history")
    op.drop_table("lot_counters")
    op.drop_index(op.f("ix_lot_invoices_invoice_id"), table_name="lot_invoices")
    op.drop_index(op.f("ix_lot_invoices_lot_id"), table_name="lot_invoices")
    op.drop_table("lot_invoices")
    op.drop_index(op.f("ix_lots_state"), table_name="lots")
    op.drop_index(op.f("ix_lots_professional_id"), table_name="lots")
    op.drop_table("lots")
    op.drop_table("b2_file_counters")
    op.drop_table("b2_files")

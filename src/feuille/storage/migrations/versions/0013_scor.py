"""SCOR: the state, conformity, sending and purge of each piece attached to an invoice; the SCOR lots

Revision ID: 0013_scor
Revises: 0011_lots
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_scor"
# The SCOR lot links to its FSE lot (``lots.id``): after 0011_lots (the integrator re-chains the others).
down_revision = "0011_lots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scor_lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fse_lot_id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=14), nullable=False),
        sa.Column("stamp", sa.String(length=19), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("piece_count", sa.Integer(), nullable=False),
        sa.Column("index_text", sa.Text(), nullable=False),
        sa.Column("test", sa.Boolean(), nullable=False),
        sa.Column("arl_label", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["fse_lot_id"], ["lots.id"], ondelete="RESTRICT",
                                name=op.f("fk_scor_lots_fse_lot_id_lots")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scor_lots")),
        sa.UniqueConstraint("stamp", name=op.f("uq_scor_lots_stamp")),
    )
    op.create_index(op.f("ix_scor_lots_fse_lot_id"), "scor_lots", ["fse_lot_id"])
    op.create_table(
        "scor_pieces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("checks", sa.Text(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("answers", sa.Text(), nullable=True),
        sa.Column("checked_by", sa.String(length=64), nullable=True),
        sa.Column("checked_at", sa.DateTime(), nullable=True),
        sa.Column("scor_lot_id", sa.Integer(), nullable=True),
        sa.Column("fse_lot_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("purge_on", sa.Date(), nullable=True),
        sa.Column("purged_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["attachment_id"], ["invoice_attachments.id"], ondelete="CASCADE",
                                name=op.f("fk_scor_pieces_attachment_id_invoice_attachments")),
        sa.ForeignKeyConstraint(["scor_lot_id"], ["scor_lots.id"], ondelete="RESTRICT",
                                name=op.f("fk_scor_pieces_scor_lot_id_scor_lots")),
        sa.ForeignKeyConstraint(["fse_lot_id"], ["lots.id"], ondelete="RESTRICT",
                                name=op.f("fk_scor_pieces_fse_lot_id_lots")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scor_pieces")),
        sa.UniqueConstraint("attachment_id", name=op.f("uq_scor_pieces_attachment_id")),
    )
    op.create_index(op.f("ix_scor_pieces_state"), "scor_pieces", ["state"])
    op.create_index(op.f("ix_scor_pieces_scor_lot_id"), "scor_pieces", ["scor_lot_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_scor_pieces_scor_lot_id"), table_name="scor_pieces")
    op.drop_index(op.f("ix_scor_pieces_state"), table_name="scor_pieces")
    op.drop_table("scor_pieces")
    op.drop_index(op.f("ix_scor_lots_fse_lot_id"), table_name="scor_lots")
    op.drop_table("scor_lots")

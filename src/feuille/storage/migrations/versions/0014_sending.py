"""sending lots: the outbox of lot mails and the mails received from the insurers (ARL, NOEMIE)

Revision ID: 0014_sending
Revises: 0013_scor
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_sending"
# Chained after 0013_scor in branch scor (the integrator re-chains the migrations).
down_revision = "0013_scor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lot_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("stamp", sa.String(length=19), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("prepared_by", sa.String(length=64), nullable=False),
        sa.Column("prepared_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], ondelete="RESTRICT", name=op.f("fk_lot_mails_lot_id_lots")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_mails")),
        sa.UniqueConstraint("stamp", name=op.f("uq_lot_mails_stamp")),
        sa.UniqueConstraint("message_id", name=op.f("uq_lot_mails_message_id")),
    )
    op.create_index(op.f("ix_lot_mails_lot_id"), "lot_mails", ["lot_id"])
    op.create_index(op.f("ix_lot_mails_state"), "lot_mails", ["state"])
    op.create_table(
        "received_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("lot_mail_id", sa.Integer(), nullable=True),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("positive", sa.Boolean(), nullable=True),
        sa.Column("reason", sa.String(length=4), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("arl_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], ondelete="RESTRICT",
                                name=op.f("fk_received_mails_lot_id_lots")),
        sa.ForeignKeyConstraint(["lot_mail_id"], ["lot_mails.id"], ondelete="RESTRICT",
                                name=op.f("fk_received_mails_lot_mail_id_lot_mails")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_mails")),
        sa.UniqueConstraint("message_id", name=op.f("uq_received_mails_message_id")),
    )
    op.create_index(op.f("ix_received_mails_kind"), "received_mails", ["kind"])
    op.create_index(op.f("ix_received_mails_lot_mail_id"), "received_mails", ["lot_mail_id"])
    op.create_index(op.f("ix_received_mails_lot_id"), "received_mails", ["lot_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_received_mails_lot_id"), table_name="received_mails")
    op.drop_index(op.f("ix_received_mails_lot_mail_id"), table_name="received_mails")
    op.drop_index(op.f("ix_received_mails_kind"), table_name="received_mails")
    op.drop_table("received_mails")
    op.drop_index(op.f("ix_lot_mails_state"), table_name="lot_mails")
    op.drop_index(op.f("ix_lot_mails_lot_id"), table_name="lot_mails")
    op.drop_table("lot_mails")

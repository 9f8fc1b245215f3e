"""card certificates registered at first reading; the signed bytes kept with each invoice signature; the
three-step signings (prepared, committed or released with the number left unused)

Revision ID: 0008_card_certificates
Revises: 0007_signature_scan
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_card_certificates"
down_revision = "0007_signature_scan"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "card_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_serial", sa.String(length=64), nullable=False),
        sa.Column("card_kind", sa.String(length=8), nullable=False),
        sa.Column("professional_id", sa.Integer(), nullable=True),
        sa.Column("insured_nir", sa.String(length=15), nullable=True),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["professional_id"], ["professionals.id"], ondelete="SET NULL",
                                name=op.f("fk_card_certificates_professional_id_professionals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_certificates")),
        sa.UniqueConstraint("card_serial", name=op.f("uq_card_certificates_card_serial")),
    )
    op.create_table(
        "invoice_preparations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("professional_id", sa.Integer(), nullable=False),
        sa.Column("drawn_number", sa.Integer(), nullable=True),
        sa.Column("step", sa.String(length=8), nullable=False),
        sa.Column("secure_mode", sa.String(length=16), nullable=False),
        sa.Column("state_from", sa.String(length=16), nullable=False),
        sa.Column("state_to", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("signed_data", sa.LargeBinary(), nullable=False),
        sa.Column("card_serial", sa.String(length=64), nullable=False),
        sa.Column("vitale_serial", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("prepared_by", sa.String(length=64), nullable=False),
        sa.Column("prepared_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], ondelete="CASCADE",
                                name=op.f("fk_invoice_preparations_invoice_id_invoices")),
        sa.ForeignKeyConstraint(["professional_id"], ["professionals.id"], ondelete="RESTRICT",
                                name=op.f("fk_invoice_preparations_professional_id_professionals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_preparations")),
        sa.UniqueConstraint("professional_id", "drawn_number",
                            name=op.f("uq_invoice_preparations_professional_id_drawn_number")),
    )
    op.create_index(op.f("ix_invoice_preparations_invoice_id"), "invoice_preparations", ["invoice_id"])
    # Signatures made before this revision keep NULL: they are checked against their hash only (reported).
    with op.batch_alter_table("invoice_signatures") as batch:
        batch.add_column(sa.Column("signed_data", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoice_signatures") as batch:
        batch.drop_column("signed_data")
    op.drop_index(op.f("ix_invoice_preparations_invoice_id"), table_name="invoice_preparations")
    op.drop_table("invoice_preparations")
    op.drop_table("card_certificates")

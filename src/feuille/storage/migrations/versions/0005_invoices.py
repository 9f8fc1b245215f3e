"""invoices, signatures, patient payments, attachments, number counters

Revision ID: 0005_invoices
Revises: 0004_ccam
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_invoices"
down_revision = "0004_ccam"
branch_labels = None
depends_on = None


def _money(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Numeric(precision=10, scale=2), nullable=False)


def _invoices() -> None:
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("professional_id", sa.Integer(), nullable=False),
        sa.Column("performer_id", sa.Integer(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("billing_number", sa.String(length=9), nullable=False),
        sa.Column("patient_nir", sa.String(length=15), nullable=True),
        sa.Column("patient_rank", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("nature", sa.String(length=12), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("priced", sa.Text(), nullable=False),
        _money("total"), _money("amo"), _money("amc"), _money("patient_part"), _money("due_by_patient"),
        sa.Column("rate_checked", sa.Boolean(), nullable=False),
        sa.Column("rate_hash", sa.String(length=64), nullable=True),
        sa.Column("secure_mode", sa.String(length=16), nullable=True),
        sa.Column("paper_sent", sa.Boolean(), nullable=False),
        sa.Column("credit_of", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["professional_id"], ["professionals.id"], ondelete="RESTRICT",
                                name=op.f("fk_invoices_professional_id_professionals")),
        sa.ForeignKeyConstraint(["performer_id"], ["professionals.id"], ondelete="RESTRICT",
                                name=op.f("fk_invoices_performer_id_professionals")),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], ondelete="RESTRICT",
                                name=op.f("fk_invoices_patient_id_patients")),
        sa.ForeignKeyConstraint(["credit_of"], ["invoices.id"], ondelete="RESTRICT",
                                name=op.f("fk_invoices_credit_of_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("professional_id", "number", name=op.f("uq_invoices_professional_id_number")),
        sa.UniqueConstraint("credit_of", name=op.f("uq_invoices_credit_of")),
    )
    op.create_index(op.f("ix_invoices_professional_id"), "invoices", ["professional_id"])
    op.create_index(op.f("ix_invoices_patient_id"), "invoices", ["patient_id"])
    op.create_index(op.f("ix_invoices_state"), "invoices", ["state"])


def _children() -> None:
    op.create_table(
        "invoice_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=8), nullable=False),
        sa.Column("card_serial", sa.String(length=64), nullable=False),
        sa.Column("card_kind", sa.String(length=8), nullable=False),
        sa.Column("vitale_serial", sa.String(length=64), nullable=True),
        sa.Column("algorithm", sa.String(length=32), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("signed_hash", sa.String(length=64), nullable=False),
        sa.Column("signed_by", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], ondelete="CASCADE",
                                name=op.f("fk_invoice_signatures_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_signatures")),
        sa.UniqueConstraint("invoice_id", "step", name=op.f("uq_invoice_signatures_invoice_id_step")),
    )
    op.create_table(
        "invoice_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("means", sa.String(length=8), nullable=False),
        _money("amount"),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], ondelete="CASCADE",
                                name=op.f("fk_invoice_payments_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_payments")),
    )
    op.create_index(op.f("ix_invoice_payments_invoice_id"), "invoice_payments", ["invoice_id"])
    op.create_table(
        "invoice_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], ondelete="CASCADE",
                                name=op.f("fk_invoice_attachments_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_attachments")),
    )
    op.create_index(op.f("ix_invoice_attachments_invoice_id"), "invoice_attachments", ["invoice_id"])
    op.create_table(
        "invoice_numbers",
        sa.Column("professional_id", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["professional_id"], ["professionals.id"], ondelete="CASCADE",
                                name=op.f("fk_invoice_numbers_professional_id_professionals")),
        sa.PrimaryKeyConstraint("professional_id", name=op.f("pk_invoice_numbers")),
    )


def upgrade() -> None:
    _invoices()
    _children()


def downgrade() -> None:
    op.drop_table("invoice_numbers")
    op.drop_index(op.f("ix_invoice_attachments_invoice_id"), table_name="invoice_attachments")
    op.drop_table("invoice_attachments")
    op.drop_index(op.f("ix_invoice_payments_invoice_id"), table_name="invoice_payments")
    op.drop_table("invoice_payments")
    op.drop_table("invoice_signatures")
    op.drop_index(op.f("ix_invoices_state"), table_name="invoices")
    op.drop_index(op.f("ix_invoices_patient_id"), table_name="invoices")
    op.drop_index(op.f("ix_invoices_professional_id"), table_name="invoices")
    op.drop_table("invoices")

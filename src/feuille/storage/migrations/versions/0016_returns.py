"""NOEMIE returns: files integrated once, transfers, invoice returns with acts and rejects, movements, one-off
payments, reject handlings

Revision ID: 0016_returns
Revises: 0015_dre
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_returns"
down_revision = "0015_dre"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reject_handlings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("state_from", sa.String(length=16), nullable=True),
        sa.Column("state_to", sa.String(length=16), nullable=True),
        sa.Column("correction_id", sa.Integer(), nullable=True),
        sa.Column("done_by", sa.String(length=64), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["correction_id"],
            ["invoices.id"],
            name=op.f("fk_reject_handlings_correction_id_invoices"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_reject_handlings_invoice_id_invoices"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reject_handlings")),
        sa.UniqueConstraint("correction_id", name=op.f("uq_reject_handlings_correction_id")),
    )
    op.create_index(op.f("ix_reject_handlings_invoice_id"), "reject_handlings", ["invoice_id"], unique=False)
    op.create_table(
        "noemie_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("received_mail_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("emitter_type", sa.String(length=2), nullable=False),
        sa.Column("emitter_number", sa.String(length=14), nullable=False),
        sa.Column("recipient_type", sa.String(length=2), nullable=False),
        sa.Column("recipient_number", sa.String(length=14), nullable=False),
        sa.Column("file_id", sa.String(length=6), nullable=False),
        sa.Column("reference", sa.String(length=4), nullable=False),
        sa.Column("created", sa.Date(), nullable=False),
        sa.Column("flow", sa.String(length=1), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("invoices", sa.Integer(), nullable=False),
        sa.Column("unmatched", sa.Integer(), nullable=False),
        sa.Column("integrated_by", sa.String(length=64), nullable=False),
        sa.Column("integrated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["received_mail_id"],
            ["received_mails.id"],
            name=op.f("fk_noemie_files_received_mail_id_received_mails"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_noemie_files")),
        sa.UniqueConstraint("emitter_type", "emitter_number", "file_id", name="uq_noemie_files_identifier"),
        sa.UniqueConstraint("received_mail_id", name=op.f("uq_noemie_files_received_mail_id")),
        sa.UniqueConstraint("sha256", name=op.f("uq_noemie_files_sha256")),
    )
    op.create_index(op.f("ix_noemie_files_outcome"), "noemie_files", ["outcome"], unique=False)
    op.create_table(
        "noemie_file_chunks",
        sa.Column("noemie_file_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["noemie_file_id"],
            ["noemie_files.id"],
            name=op.f("fk_noemie_file_chunks_noemie_file_id_noemie_files"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("noemie_file_id", "seq", name=op.f("pk_noemie_file_chunks")),
    )
    op.create_table(
        "noemie_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("noemie_file_id", sa.Integer(), nullable=False),
        sa.Column("professional_id", sa.Integer(), nullable=True),
        sa.Column("payee_number", sa.String(length=15), nullable=False),
        sa.Column("settlement_date", sa.Date(), nullable=False),
        sa.Column("is_transfer", sa.Boolean(), nullable=False),
        sa.Column("label_1", sa.String(length=32), nullable=False),
        sa.Column("label_2", sa.String(length=32), nullable=False),
        sa.Column("paying_organism", sa.String(length=10), nullable=False),
        sa.Column("declared_total", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("computed_total", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("entity", sa.Integer(), nullable=False),
        sa.Column("offset", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["noemie_file_id"],
            ["noemie_files.id"],
            name=op.f("fk_noemie_transfers_noemie_file_id_noemie_files"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["professional_id"],
            ["professionals.id"],
            name=op.f("fk_noemie_transfers_professional_id_professionals"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_noemie_transfers")),
    )
    op.create_index("ix_noemie_transfers_day", "noemie_transfers", ["settlement_date", "paying_organism"], unique=False)
    op.create_index(op.f("ix_noemie_transfers_noemie_file_id"), "noemie_transfers", ["noemie_file_id"], unique=False)
    op.create_index(op.f("ix_noemie_transfers_professional_id"), "noemie_transfers", ["professional_id"], unique=False)
    op.create_table(
        "financial_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("debt_reference", sa.String(length=10), nullable=False),
        sa.Column("debt_date", sa.Date(), nullable=True),
        sa.Column("debt_nature", sa.String(length=3), nullable=False),
        sa.Column("operation", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("remaining", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("entity", sa.Integer(), nullable=False),
        sa.Column("offset", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["noemie_transfers.id"],
            name=op.f("fk_financial_movements_transfer_id_noemie_transfers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_financial_movements")),
    )
    op.create_index(
        op.f("ix_financial_movements_debt_reference"), "financial_movements", ["debt_reference"], unique=False
    )
    op.create_index(op.f("ix_financial_movements_transfer_id"), "financial_movements", ["transfer_id"], unique=False)
    op.create_table(
        "one_off_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("entity", sa.Integer(), nullable=False),
        sa.Column("offset", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["noemie_transfers.id"],
            name=op.f("fk_one_off_payments_transfer_id_noemie_transfers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_off_payments")),
    )
    op.create_index(op.f("ix_one_off_payments_transfer_id"), "one_off_payments", ["transfer_id"], unique=False)
    op.create_table(
        "return_invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("noemie_file_id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=True),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("match", sa.String(length=16), nullable=False),
        sa.Column("return_kind", sa.String(length=2), nullable=False),
        sa.Column("lot_number", sa.String(length=3), nullable=False),
        sa.Column("lot_date", sa.Date(), nullable=True),
        sa.Column("invoice_number", sa.String(length=9), nullable=False),
        sa.Column("invoice_type", sa.String(length=1), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=True),
        sa.Column("nir", sa.String(length=15), nullable=False),
        sa.Column("rank", sa.String(length=1), nullable=False),
        sa.Column("patient_name", sa.String(length=80), nullable=False),
        sa.Column("amo_claimed", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("amo_status", sa.String(length=1), nullable=False),
        sa.Column("amo_paid", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("amc_claimed", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("amc_status", sa.String(length=1), nullable=False),
        sa.Column("amc_paid", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("amc_number", sa.String(length=10), nullable=False),
        sa.Column("entity", sa.Integer(), nullable=False),
        sa.Column("offset", sa.Integer(), nullable=False),
        sa.Column("matched_by", sa.String(length=64), nullable=True),
        sa.Column("matched_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_return_invoices_invoice_id_invoices"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["noemie_file_id"],
            ["noemie_files.id"],
            name=op.f("fk_return_invoices_noemie_file_id_noemie_files"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["noemie_transfers.id"],
            name=op.f("fk_return_invoices_transfer_id_noemie_transfers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_invoices")),
    )
    op.create_index(op.f("ix_return_invoices_invoice_id"), "return_invoices", ["invoice_id"], unique=False)
    op.create_index(op.f("ix_return_invoices_match"), "return_invoices", ["match"], unique=False)
    op.create_index(op.f("ix_return_invoices_noemie_file_id"), "return_invoices", ["noemie_file_id"], unique=False)
    op.create_index("ix_return_invoices_number", "return_invoices", ["invoice_number", "lot_number"], unique=False)
    op.create_index(op.f("ix_return_invoices_transfer_id"), "return_invoices", ["transfer_id"], unique=False)
    op.create_table(
        "return_acts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_invoice_id", sa.Integer(), nullable=False),
        sa.Column("invoice_line_id", sa.Integer(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("act_code", sa.String(length=3), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("coefficient", sa.String(length=5), nullable=False),
        sa.Column("base", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("rate", sa.Integer(), nullable=False),
        sa.Column("reimbursed", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("care_start", sa.Date(), nullable=True),
        sa.Column("difference", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_line_id"],
            ["invoice_lines.id"],
            name=op.f("fk_return_acts_invoice_line_id_invoice_lines"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["return_invoice_id"],
            ["return_invoices.id"],
            name=op.f("fk_return_acts_return_invoice_id_return_invoices"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_acts")),
    )
    op.create_index(op.f("ix_return_acts_return_invoice_id"), "return_acts", ["return_invoice_id"], unique=False)
    op.create_table(
        "return_rejects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_invoice_id", sa.Integer(), nullable=False),
        sa.Column("entity_kind", sa.String(length=3), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("label", sa.String(length=86), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("reject_level", sa.String(length=1), nullable=False),
        sa.Column("share", sa.String(length=1), nullable=False),
        sa.Column("act", sa.String(length=5), nullable=False),
        sa.Column("care_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["return_invoice_id"],
            ["return_invoices.id"],
            name=op.f("fk_return_rejects_return_invoice_id_return_invoices"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_rejects")),
    )
    op.create_index(op.f("ix_return_rejects_return_invoice_id"), "return_rejects", ["return_invoice_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_return_rejects_return_invoice_id"), table_name="return_rejects")
    op.drop_table("return_rejects")
    op.drop_index(op.f("ix_return_acts_return_invoice_id"), table_name="return_acts")
    op.drop_table("return_acts")
    op.drop_index(op.f("ix_return_invoices_transfer_id"), table_name="return_invoices")
    op.drop_index("ix_return_invoices_number", table_name="return_invoices")
    op.drop_index(op.f("ix_return_invoices_noemie_file_id"), table_name="return_invoices")
    op.drop_index(op.f("ix_return_invoices_match"), table_name="return_invoices")
    op.drop_index(op.f("ix_return_invoices_invoice_id"), table_name="return_invoices")
    op.drop_table("return_invoices")
    op.drop_index(op.f("ix_one_off_payments_transfer_id"), table_name="one_off_payments")
    op.drop_table("one_off_payments")
    op.drop_index(op.f("ix_financial_movements_transfer_id"), table_name="financial_movements")
    op.drop_index(op.f("ix_financial_movements_debt_reference"), table_name="financial_movements")
    op.drop_table("financial_movements")
    op.drop_index(op.f("ix_noemie_transfers_professional_id"), table_name="noemie_transfers")
    op.drop_index(op.f("ix_noemie_transfers_noemie_file_id"), table_name="noemie_transfers")
    op.drop_index("ix_noemie_transfers_day", table_name="noemie_transfers")
    op.drop_table("noemie_transfers")
    op.drop_table("noemie_file_chunks")
    op.drop_index(op.f("ix_noemie_files_outcome"), table_name="noemie_files")
    op.drop_table("noemie_files")
    op.drop_index(op.f("ix_reject_handlings_invoice_id"), table_name="reject_handlings")
    op.drop_table("reject_handlings")

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

# Byte-order collation on PostgreSQL so that prefix ranges, LIKE 'X%' and ORDER BY use the same index.
NAME_KEY = sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql")


def _stamps() -> list[sa.Column[object]]:
    return [sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False)]


def _organisms() -> None:
    op.create_table(
        "amo_organisms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regime", sa.String(length=2), nullable=False),
        sa.Column("caisse", sa.String(length=3), nullable=False),
        sa.Column("centre", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=True),
        sa.Column("name_key", sa.String(length=128), nullable=False),
        sa.Column("flux", sa.String(length=64), nullable=True),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.Column("recipient_type", sa.String(length=64), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_amo_organisms")),
        sa.UniqueConstraint("regime", "caisse", "centre", name=op.f("uq_amo_organisms_regime_caisse_centre")),
    )
    op.create_index(op.f("ix_amo_organisms_name_key"), "amo_organisms", ["name_key"])
    op.create_table(
        "amc_organisms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("name_key", sa.String(length=128), nullable=False),
        sa.Column("number", sa.String(length=10), nullable=False),
        sa.Column("contract_type", sa.String(length=2), nullable=False),
        sa.Column("management", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("postcode", sa.String(length=5), nullable=True),
        sa.Column("town", sa.String(length=64), nullable=True),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("fax", sa.String(length=16), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("contact", sa.String(length=128), nullable=True),
        sa.Column("comment", sa.String(length=500), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_amc_organisms")),
        sa.UniqueConstraint("number", "contract_type", name=op.f("uq_amc_organisms_number_contract_type")),
    )
    op.create_index(op.f("ix_amc_organisms_name_key"), "amc_organisms", ["name_key"])


def _patients() -> None:
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("last_name", sa.String(length=64), nullable=False),
        sa.Column("first_name", sa.String(length=64), nullable=True),
        sa.Column("last_name_key", NAME_KEY, nullable=False),
        sa.Column("first_name_key", NAME_KEY, nullable=False),
        sa.Column("birth_date", sa.String(length=8), nullable=False),
        sa.Column("lunar", sa.Boolean(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("quality", sa.String(length=1), nullable=False),
        sa.Column("beneficiary_nir", sa.String(length=15), nullable=True),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("phone2", sa.String(length=16), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("postcode", sa.String(length=5), nullable=True),
        sa.Column("town", sa.String(length=64), nullable=True),
        sa.Column("extra_info", sa.String(length=500), nullable=True),
        sa.Column("ik", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("ikm", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("iks", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("insured_last_name", sa.String(length=64), nullable=True),
        sa.Column("insured_first_name", sa.String(length=64), nullable=True),
        sa.Column("insured_nir", sa.String(length=15), nullable=True),
        sa.Column("amo_organism_id", sa.Integer(), nullable=True),
        sa.Column("amo_regime", sa.String(length=2), nullable=True),
        sa.Column("amo_caisse", sa.String(length=3), nullable=True),
        sa.Column("amo_centre", sa.String(length=4), nullable=True),
        sa.Column("amo_management_code", sa.String(length=2), nullable=True),
        sa.Column("amo_proof", sa.String(length=16), nullable=True),
        sa.Column("reimbursement_rate", sa.String(length=32), nullable=True),
        sa.Column("exoneration", sa.String(length=1), nullable=True),
        sa.Column("ald", sa.Boolean(), nullable=False),
        sa.Column("alsace_moselle", sa.Boolean(), nullable=False),
        sa.Column("warnings", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(["amo_organism_id"], ["amo_organisms.id"],
                                name=op.f("fk_patients_amo_organism_id_amo_organisms"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint("insured_nir", "birth_date", "rank",
                            name=op.f("uq_patients_insured_nir_birth_date_rank")),
    )
    op.create_index("ix_patients_name_search", "patients", ["last_name_key", "first_name_key", "id"])
    op.create_index("ix_patients_first_name_search", "patients", ["first_name_key", "last_name_key", "id"])
    op.create_index(op.f("ix_patients_insured_nir"), "patients", ["insured_nir"])
    op.create_index(op.f("ix_patients_amo_organism_id"), "patients", ["amo_organism_id"])


def _patient_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name=op.f(f"fk_{table}_patient_id_patients"),
                                   ondelete="CASCADE")


def _children() -> None:
    op.create_table(
        "patient_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("code", sa.String(length=10), nullable=True),
        _patient_fk("patient_periods"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_periods")),
    )
    op.create_index(op.f("ix_patient_periods_patient_id"), "patient_periods", ["patient_id"])
    op.create_table(
        "patient_work_accidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("accident_date", sa.Date(), nullable=False),
        sa.Column("identifier", sa.String(length=9), nullable=True),
        sa.Column("code", sa.String(length=2), nullable=True),
        sa.Column("organism", sa.String(length=9), nullable=True),
        _patient_fk("patient_work_accidents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_work_accidents")),
    )
    op.create_index(op.f("ix_patient_work_accidents_patient_id"), "patient_work_accidents", ["patient_id"])
    op.create_table(
        "patient_amc_contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("amc_organism_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("selected", sa.Boolean(), nullable=False),
        sa.Column("amc_name", sa.String(length=128), nullable=False),
        sa.Column("amc_number", sa.String(length=10), nullable=False),
        sa.Column("amc_proof", sa.String(length=16), nullable=True),
        sa.Column("management", sa.String(length=8), nullable=False),
        sa.Column("rights_start", sa.Date(), nullable=True),
        sa.Column("rights_end", sa.Date(), nullable=True),
        sa.Column("adherent_number", sa.String(length=20), nullable=True),
        sa.Column("secondary_criterion", sa.String(length=10), nullable=True),
        sa.Column("convention_type", sa.String(length=5), nullable=True),
        sa.Column("treatment_indicator", sa.String(length=2), nullable=True),
        sa.Column("reference_date", sa.String(length=12), nullable=False),
        sa.Column("sts_routing", sa.String(length=10), nullable=True),
        sa.Column("contract_type", sa.String(length=2), nullable=True),
        sa.Column("complementary_number", sa.String(length=10), nullable=True),
        sa.Column("routing_code", sa.String(length=10), nullable=True),
        sa.Column("host", sa.String(length=64), nullable=True),
        sa.Column("domain", sa.String(length=64), nullable=True),
        sa.Column("formula", sa.String(length=3), nullable=True),
        sa.Column("formula_rate", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("fixed_amount", sa.Numeric(precision=10, scale=2), nullable=True),
        *_stamps(),
        _patient_fk("patient_amc_contracts"),
        sa.ForeignKeyConstraint(["amc_organism_id"], ["amc_organisms.id"],
                                name=op.f("fk_patient_amc_contracts_amc_organism_id_amc_organisms"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_amc_contracts")),
    )
    op.create_index(op.f("ix_patient_amc_contracts_patient_id"), "patient_amc_contracts", ["patient_id"])
    op.create_index(op.f("ix_patient_amc_contracts_amc_organism_id"), "patient_amc_contracts",
                    ["amc_organism_id"])


def upgrade() -> None:
    _organisms()
    _patients()
    _children()


def downgrade() -> None:
    for table in ("patient_amc_contracts", "patient_work_accidents", "patient_periods"):
        op.drop_table(table)
    op.drop_index("ix_patients_first_name_search", table_name="patients")
    op.drop_index("ix_patients_name_search", table_name="patients")
    op.drop_index(op.f("ix_patients_insured_nir"), table_name="patients")
    op.drop_index(op.f("ix_patients_amo_organism_id"), table_name="patients")
    op.drop_table("patients")
    op.drop_index(op.f("ix_amc_organisms_name_key"), table_name="amc_organisms")
    op.drop_table("amc_organisms")
    op.drop_index(op.f("ix_amo_organisms_name_key"), table_name="amo_organisms")
    op.drop_table("amo_organisms")

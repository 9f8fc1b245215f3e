"""professionals, remplaçants, calendars, prescribers, favourites, preferences

Revision ID: 0002_professionals
Revises: 0001_core
Create Date: 2026-11-25
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0002_professionals"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column[datetime]]:
    return [sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False)]


def _professionals() -> None:
    op.create_table(
        "professionals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("civility", sa.String(length=4), nullable=False),
        sa.Column("last_name", sa.String(length=60), nullable=False),
        sa.Column("first_name", sa.String(length=60), nullable=False),
        sa.Column("rpps", sa.String(length=11), nullable=True),
        sa.Column("billing_number", sa.String(length=9), nullable=False),
        sa.Column("specialty", sa.String(length=2), nullable=False),
        sa.Column("profession", sa.String(length=24), nullable=False),
        sa.Column("mode", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("situation", sa.Integer(), nullable=False),
        sa.Column("caisse", sa.String(length=3), nullable=False),
        sa.Column("sector", sa.Integer(), nullable=False),
        sa.Column("from_card", sa.Boolean(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_professionals")),
        sa.UniqueConstraint("rpps", name=op.f("uq_professionals_rpps")),
        sa.UniqueConstraint("billing_number", name=op.f("uq_professionals_billing_number")),
    )
    op.create_index(op.f("ix_professionals_kind"), "professionals", ["kind"])


def _replacements() -> None:
    op.create_table(
        "replacement_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("remplacant_id", sa.Integer(), nullable=False),
        sa.Column("titulaire_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(["remplacant_id"], ["professionals.id"], ondelete="CASCADE",
                                name=op.f("fk_replacement_links_remplacant_id_professionals")),
        sa.ForeignKeyConstraint(["titulaire_id"], ["professionals.id"], ondelete="RESTRICT",
                                name=op.f("fk_replacement_links_titulaire_id_professionals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replacement_links")),
        sa.UniqueConstraint("remplacant_id", "titulaire_id",
                            name=op.f("uq_replacement_links_remplacant_id_titulaire_id")),
    )
    op.create_index(op.f("ix_replacement_links_remplacant_id"), "replacement_links", ["remplacant_id"])
    op.create_index(op.f("ix_replacement_links_titulaire_id"), "replacement_links", ["titulaire_id"])
    op.create_table(
        "replacement_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["link_id"], ["replacement_links.id"], ondelete="CASCADE",
                                name=op.f("fk_replacement_days_link_id_replacement_links")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replacement_days")),
        sa.UniqueConstraint("link_id", "day", name=op.f("uq_replacement_days_link_id_day")),
    )


def _preferences() -> None:
    flags = ["sts_enabled", "sts_level1_diagnostics", "sts_detailed_formulas", "sts_assistance",
             "home_by_default", "show_performing_ps", "show_amount_recap", "act_series"]
    op.create_table(
        "professional_preferences",
        sa.Column("professional_id", sa.Integer(), nullable=False),
        sa.Column("adri_mode", sa.String(length=12), nullable=False),
        sa.Column("amc_tp_mode", sa.String(length=12), nullable=False),
        *[sa.Column(name, sa.Boolean(), nullable=False) for name in flags],
        sa.Column("default_payment", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["professional_id"], ["professionals.id"], ondelete="CASCADE",
                                name=op.f("fk_professional_preferences_professional_id_professionals")),
        sa.PrimaryKeyConstraint("professional_id", name=op.f("pk_professional_preferences")),
    )


def _prescribers() -> None:
    op.create_table(
        "prescribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_name", sa.String(length=60), nullable=False),
        sa.Column("first_name", sa.String(length=60), nullable=True),
        sa.Column("number", sa.String(length=11), nullable=False),
        sa.Column("rpps", sa.String(length=11), nullable=True),
        sa.Column("specialty", sa.String(length=2), nullable=True),
        sa.Column("last_name_key", sa.String(length=60), nullable=False),
        sa.Column("first_name_key", sa.String(length=60), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prescribers")),
        sa.UniqueConstraint("number", name=op.f("uq_prescribers_number")),
    )
    op.create_index(op.f("ix_prescribers_last_name_key"), "prescribers", ["last_name_key"])
    op.create_index(op.f("ix_prescribers_first_name_key"), "prescribers", ["first_name_key"])


def _favourites() -> None:
    op.create_table(
        "favourites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("professional_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("label_key", sa.String(length=80), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(["professional_id"], ["professionals.id"], ondelete="CASCADE",
                                name=op.f("fk_favourites_professional_id_professionals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_favourites")),
        sa.UniqueConstraint("professional_id", "label_key", name=op.f("uq_favourites_professional_id_label_key")),
    )
    op.create_table(
        "favourite_acts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("favourite_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=13), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("coefficient", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("price", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("qualifier", sa.String(length=1), nullable=True),
        sa.Column("indemnity", sa.String(length=4), nullable=True),
        sa.Column("distance_km", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.ForeignKeyConstraint(["favourite_id"], ["favourites.id"], ondelete="CASCADE",
                                name=op.f("fk_favourite_acts_favourite_id_favourites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_favourite_acts")),
        sa.UniqueConstraint("favourite_id", "position", name=op.f("uq_favourite_acts_favourite_id_position")),
    )


def upgrade() -> None:
    _professionals()
    _replacements()
    _preferences()
    _prescribers()
    _favourites()
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("professional_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_users_professional_id_professionals"), "professionals",
                                 ["professional_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("fk_users_professional_id_professionals"), type_="foreignkey")
        batch.drop_column("professional_id")
    op.drop_table("favourite_acts")
    op.drop_table("favourites")
    op.drop_index(op.f("ix_prescribers_first_name_key"), table_name="prescribers")
    op.drop_index(op.f("ix_prescribers_last_name_key"), table_name="prescribers")
    op.drop_table("prescribers")
    op.drop_table("professional_preferences")
    op.drop_table("replacement_days")
    op.drop_index(op.f("ix_replacement_links_titulaire_id"), table_name="replacement_links")
    op.drop_index(op.f("ix_replacement_links_remplacant_id"), table_name="replacement_links")
    op.drop_table("replacement_links")
    op.drop_index(op.f("ix_professionals_kind"), table_name="professionals")
    op.drop_table("professionals")

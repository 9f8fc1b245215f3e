"""Patients (beneficiary + insured + AMO coverage), their rights periods, work accidents and AMC contracts.

Search by name prefix must stay fast with a million patients: ``last_name_key`` / ``first_name_key`` hold the
upper-case, accent-free form (``feuille.domain.organisms.search_key``) and are indexed together with the other
name and the id, so that one index range scan answers ``key >= 'DUP' AND key < 'DUQ' ORDER BY ... LIMIT n`` in
either direction. On PostgreSQL the key columns use collation "C" (byte order) so that the range, ``LIKE
'DUP%'`` and the ``ORDER BY`` all use that index; SQLite compares bytes already.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feuille.storage.base import Base

NAME_KEY = String(64).with_variant(String(64, collation="C"), "postgresql")


class Patient(Base):
    __tablename__ = "patients"
    __table_args__ = (
        UniqueConstraint("insured_nir", "birth_date", "rank"),
        Index("ix_patients_name_search", "last_name_key", "first_name_key", "id"),
        Index("ix_patients_first_name_search", "first_name_key", "last_name_key", "id"),
        # the search box's birth date (JJ/MM/AAAA): the rows of that date, already in the list's order
        Index("ix_patients_birth_search", "birth_date", "last_name_key", "first_name_key", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(8))  # manual / carte / import
    # beneficiary
    last_name: Mapped[str] = mapped_column(String(64))
    first_name: Mapped[str | None] = mapped_column(String(64))
    last_name_key: Mapped[str] = mapped_column(NAME_KEY)
    first_name_key: Mapped[str] = mapped_column(NAME_KEY)  # "" when there is no first name
    birth_date: Mapped[str] = mapped_column(String(8))  # AAAAMMJJ, may be lunar
    lunar: Mapped[bool] = mapped_column(Boolean)
    rank: Mapped[int] = mapped_column(Integer)
    quality: Mapped[str] = mapped_column(String(1))
    beneficiary_nir: Mapped[str | None] = mapped_column(String(15))
    phone: Mapped[str | None] = mapped_column(String(16))
    phone2: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(5))
    town: Mapped[str | None] = mapped_column(String(64))
    extra_info: Mapped[str | None] = mapped_column(String(500))
    ik: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    ikm: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    iks: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    # insured (assuré)
    insured_last_name: Mapped[str | None] = mapped_column(String(64))
    insured_first_name: Mapped[str | None] = mapped_column(String(64))
    insured_nir: Mapped[str | None] = mapped_column(String(15), index=True)
    # AMO coverage
    amo_organism_id: Mapped[int | None] = mapped_column(ForeignKey("amo_organisms.id", ondelete="SET NULL"),
                                                        index=True)
    amo_regime: Mapped[str | None] = mapped_column(String(2))
    amo_caisse: Mapped[str | None] = mapped_column(String(3))
    amo_centre: Mapped[str | None] = mapped_column(String(4))
    amo_management_code: Mapped[str | None] = mapped_column(String(2))
    amo_proof: Mapped[str | None] = mapped_column(String(16))
    reimbursement_rate: Mapped[str | None] = mapped_column(String(32))
    exoneration: Mapped[str | None] = mapped_column(String(1))
    ald: Mapped[bool] = mapped_column(Boolean)
    alsace_moselle: Mapped[bool] = mapped_column(Boolean)
    warnings: Mapped[str | None] = mapped_column(Text)  # French warnings kept from the card (one a line)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    periods: Mapped[list[PatientPeriod]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", passive_deletes=True,
        order_by="PatientPeriod.position")
    work_accidents: Mapped[list[WorkAccident]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", passive_deletes=True,
        order_by="WorkAccident.accident_date")
    contracts: Mapped[list[AmcContract]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", passive_deletes=True, order_by="AmcContract.id")


class PatientPeriod(Base):
    """Rights AMO, coverage (with its exonération), ALD coverage, or a service AMO such as C2S."""

    __tablename__ = "patient_periods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    code: Mapped[str | None] = mapped_column(String(10))

    patient: Mapped[Patient] = relationship(back_populates="periods")


class WorkAccident(Base):
    __tablename__ = "patient_work_accidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    accident_date: Mapped[date] = mapped_column(Date)
    identifier: Mapped[str | None] = mapped_column(String(9))
    code: Mapped[str | None] = mapped_column(String(2))
    organism: Mapped[str | None] = mapped_column(String(9))

    patient: Mapped[Patient] = relationship(back_populates="work_accidents")


class AmcContract(Base):
    """A patient's complementary insurance ("mutuelle"); one of them is the selected one."""

    __tablename__ = "patient_amc_contracts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    amc_organism_id: Mapped[int | None] = mapped_column(ForeignKey("amc_organisms.id", ondelete="SET NULL"),
                                                        index=True)
    source: Mapped[str] = mapped_column(String(8))  # manual / carte
    selected: Mapped[bool] = mapped_column(Boolean)
    amc_name: Mapped[str] = mapped_column(String(128))
    amc_number: Mapped[str] = mapped_column(String(10))
    amc_proof: Mapped[str | None] = mapped_column(String(16))
    management: Mapped[str] = mapped_column(String(8))
    rights_start: Mapped[date | None] = mapped_column(Date)
    rights_end: Mapped[date | None] = mapped_column(Date)
    adherent_number: Mapped[str | None] = mapped_column(String(20))
    secondary_criterion: Mapped[str | None] = mapped_column(String(10))
    convention_type: Mapped[str | None] = mapped_column(String(5))
    treatment_indicator: Mapped[str | None] = mapped_column(String(2))
    reference_date: Mapped[str] = mapped_column(String(12))
    sts_routing: Mapped[str | None] = mapped_column(String(10))
    contract_type: Mapped[str | None] = mapped_column(String(2))
    complementary_number: Mapped[str | None] = mapped_column(String(10))
    routing_code: Mapped[str | None] = mapped_column(String(10))
    host: Mapped[str | None] = mapped_column(String(64))
    domain: Mapped[str | None] = mapped_column(String(64))
    formula: Mapped[str | None] = mapped_column(String(3))
    formula_rate: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    fixed_amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    patient: Mapped[Patient] = relationship(back_populates="contracts")


__all__ = ["AmcContract", "Patient", "PatientPeriod", "WorkAccident"]

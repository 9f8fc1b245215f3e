"""The imported CCAM table: versions, acts, prices per activity and phase, modifiers, keywords.

Only the active version keeps its acts; older versions stay as a record of what was imported and when.
Searches run on folded columns (lower case, no accents) with ``LIKE 'prefix%'``; on PostgreSQL the indexes
use ``text_pattern_ops`` so that such a prefix uses them whatever the database collation.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from feuille.storage.base import Base


class CcamVersion(Base):
    __tablename__ = "ccam_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(16))
    applicable_from: Mapped[date] = mapped_column(Date)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    imported_by: Mapped[str] = mapped_column(String(64))
    source_file: Mapped[str] = mapped_column(String(255))
    source_format: Mapped[str] = mapped_column(String(16))  # listing | json
    act_count: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, index=True)


class CcamActRow(Base):
    __tablename__ = "ccam_acts"
    __table_args__ = (
        UniqueConstraint("version_id", "code"),
        Index("ix_ccam_acts_version_code_prefix", "version_id", "code",
              postgresql_ops={"code": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("ccam_versions.id"))
    code: Mapped[str] = mapped_column(String(7))
    label: Mapped[str] = mapped_column(Text)
    label_folded: Mapped[str] = mapped_column(Text)
    short_label: Mapped[str] = mapped_column(String(255))
    not_covered: Mapped[bool] = mapped_column(Boolean)
    reimbursement_conditions: Mapped[bool] = mapped_column(Boolean)
    prior_agreement: Mapped[bool] = mapped_column(Boolean)
    exo_tm: Mapped[str] = mapped_column(String(8))
    grouping: Mapped[str] = mapped_column(String(8))
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    source_line: Mapped[int] = mapped_column(Integer)


class CcamPriceRow(Base):
    __tablename__ = "ccam_prices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("ccam_acts.id"), index=True)
    activity: Mapped[str] = mapped_column(String(1))
    phase: Mapped[str] = mapped_column(String(2))
    sector1: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), nullable=True)
    non_sector1: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), nullable=True)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)  # None: the whole version


class CcamModifierRow(Base):
    __tablename__ = "ccam_modifiers"

    act_id: Mapped[int] = mapped_column(ForeignKey("ccam_acts.id"), primary_key=True)
    modifier: Mapped[str] = mapped_column(String(1), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class CcamKeywordRow(Base):
    """One word of meaning of an act's label: ``word`` as printed, ``word_folded`` for the search."""

    __tablename__ = "ccam_keywords"
    __table_args__ = (
        Index("ix_ccam_keywords_version_word_prefix", "version_id", "word_folded",
              postgresql_ops={"word_folded": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("ccam_versions.id"))
    act_id: Mapped[int] = mapped_column(ForeignKey("ccam_acts.id"), index=True)
    word: Mapped[str] = mapped_column(String(64))
    word_folded: Mapped[str] = mapped_column(String(64))


__all__ = ["CcamActRow", "CcamKeywordRow", "CcamModifierRow", "CcamPriceRow", "CcamVersion"]

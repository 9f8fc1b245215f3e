"""The AMC conventions directory (« Choix de la convention AMC/Mutuelle », manual 003 section V).

Imported or typed by the practice (no public source gives the list: docs/dre.md). Searched by AMC number, then
narrowed by the type of convention and the secondary criterion of the carte mutuelle.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from feuille.storage.base import Base


class AmcConvention(Base):
    __tablename__ = "amc_conventions"
    # One row per signatory, AMC and convention; the empty criterion is stored as "" so that it takes part in the
    # unique key (NULLs never collide) and an import can replace a row in place.
    __table_args__ = (
        UniqueConstraint("amc_number", "convention_type", "secondary_criterion", "signatory_id",
                         name="uq_amc_conventions_key"),
        Index("ix_amc_conventions_search", "amc_number", "disabled", "convention_type", "secondary_criterion"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signatory_id: Mapped[str] = mapped_column(String(10))
    signatory_label: Mapped[str | None] = mapped_column(String(64))
    group_convention: Mapped[str | None] = mapped_column(String(10))
    convention_type: Mapped[str] = mapped_column(String(5))
    secondary_criterion: Mapped[str] = mapped_column(String(10))
    agreement_type: Mapped[str | None] = mapped_column(String(5))
    amc_number: Mapped[str] = mapped_column(String(10))
    amc_label: Mapped[str | None] = mapped_column(String(64))
    disabled: Mapped[bool] = mapped_column(Boolean)
    dre: Mapped[bool] = mapped_column(Boolean)
    pec_required: Mapped[bool] = mapped_column(Boolean)
    demo: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


__all__ = ["AmcConvention"]

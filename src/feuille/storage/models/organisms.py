"""The practice's AMO and AMC organism lists (Paramètres SV)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from feuille.storage.base import Base


class AmoOrganism(Base):
    """Régime (2) + caisse (3) + centre (4), e.g. 01 349 9881, with the practice's label for it."""

    __tablename__ = "amo_organisms"
    __table_args__ = (UniqueConstraint("regime", "caisse", "centre"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    regime: Mapped[str] = mapped_column(String(2))
    caisse: Mapped[str] = mapped_column(String(3))
    centre: Mapped[str] = mapped_column(String(4))
    name: Mapped[str | None] = mapped_column(String(128))
    name_key: Mapped[str] = mapped_column(String(128), index=True)  # search form of the label (or the code)
    flux: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(String(500))
    recipient_type: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class AmcOrganism(Base):
    """A complementary insurer: name, number (NRM or AMC), contract type (89 = C2S), management."""

    __tablename__ = "amc_organisms"
    __table_args__ = (UniqueConstraint("number", "contract_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    name_key: Mapped[str] = mapped_column(String(128), index=True)
    number: Mapped[str] = mapped_column(String(10))
    contract_type: Mapped[str] = mapped_column(String(2))
    management: Mapped[str] = mapped_column(String(8))  # separee / unique
    address: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(5))
    town: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(16))
    fax: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    contact: Mapped[str | None] = mapped_column(String(128))
    comment: Mapped[str | None] = mapped_column(String(500))
    # Teletransmission of the AMC part (migration 0015_dre; docs/dre.md)
    prefectoral_number: Mapped[str | None] = mapped_column(String(10))
    dre_accepted: Mapped[bool] = mapped_column(Boolean, server_default=false())
    dre_address: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


__all__ = ["AmcOrganism", "AmoOrganism"]

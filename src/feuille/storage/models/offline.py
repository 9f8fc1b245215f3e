"""Visits recorded in the browser while the server could not be reached, once synchronised (the offline mode)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from feuille.storage.base import Base


class OfflineRecord(Base):
    __tablename__ = "offline_records"
    __table_args__ = (UniqueConstraint("user_id", "client_id"),
                      Index("ix_offline_records_state_professional", "state", "professional_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))          # who typed and sent it
    professional_id: Mapped[int | None] = mapped_column(ForeignKey("professionals.id"), default=None)
    client_id: Mapped[str] = mapped_column(String(64))                    # the browser's own id: sent once
    digest: Mapped[str] = mapped_column(String(64))                       # a repeat is the same digest
    version: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(16))                        # a_saisir, supprimee
    typed_at: Mapped[datetime] = mapped_column(DateTime)                  # the browser's clock, UTC
    received_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    patient_is_insured: Mapped[bool] = mapped_column(Boolean)
    nir_known: Mapped[bool] = mapped_column(Boolean)
    last_name: Mapped[str] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(64))
    nir: Mapped[str | None] = mapped_column(String(15), default=None)
    birth_date: Mapped[str | None] = mapped_column(String(8), default=None)
    rank: Mapped[int | None] = mapped_column(Integer, default=None)
    insured_last_name: Mapped[str | None] = mapped_column(String(64), default=None)
    insured_first_name: Mapped[str | None] = mapped_column(String(64), default=None)
    care_at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    acts: Mapped[str] = mapped_column(Text, default="[]")                 # JSON: [{"code", "coefficient"}]
    # The invoice billing it, by id and not by foreign key: the record is no part of the sealed invoice, and a
    # draft deleted before signing leaves the visit to bill again.
    invoice_id: Mapped[int | None] = mapped_column(Integer, default=None)

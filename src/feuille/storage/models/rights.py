"""Practice settings (the ADRi service, the caisse de test's addresses) and the ADRi answers kept per patient."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from feuille.storage.base import Base


class PracticeSetting(Base):
    """One setting of the practice (not of a professional): ``name`` -> canonical JSON ``value``."""

    __tablename__ = "practice_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class RightsLookup(Base):
    """One ADRi answer for a patient, with its date, and what the user kept of it (the « Choix informations AMO »)."""

    __tablename__ = "rights_lookups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[str] = mapped_column(String(36), unique=True)
    reference_date: Mapped[date] = mapped_column(Date)
    answered_at: Mapped[datetime] = mapped_column(DateTime)     # the service's date_reponse
    result: Mapped[str] = mapped_column(String(16))             # ok / autre_personne / inconnu
    answer: Mapped[str] = mapped_column(Text)                   # the answer's JSON as received
    patient_version: Mapped[datetime] = mapped_column(DateTime)  # patients.updated_at when asked: the choice's guard
    applied: Mapped[str | None] = mapped_column(String(200))    # fields taken ("" = none kept), NULL = not chosen
    applied_by: Mapped[str | None] = mapped_column(String(64))
    applied_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)


__all__ = ["PracticeSetting", "RightsLookup"]

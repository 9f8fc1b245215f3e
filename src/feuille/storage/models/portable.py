"""The portable reader: which invoices are (or were) loaded on which reader, and what happened to them there."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from feuille.storage.base import Base


class PortableLoad(Base):
    """One stay of an invoice on a portable reader, from loading to unloading.

    ``current`` is True while the invoice is on the reader and NULL once unloaded: ``UNIQUE (invoice_id, current)``
    then allows one current stay per invoice (NULLs are distinct on SQLite and PostgreSQL) and keeps the history.
    """

    __tablename__ = "portable_loads"
    __table_args__ = (UniqueConstraint("invoice_id", "current"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"), index=True)
    reader: Mapped[str] = mapped_column(String(40), index=True)
    current: Mapped[bool | None] = mapped_column(Boolean)
    loaded_by: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(DateTime)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)  # first signature made on the reader
    last_refusal: Mapped[str | None] = mapped_column(Text)  # why the last signing attempt failed (French)
    unloaded_by: Mapped[str | None] = mapped_column(String(64))
    unloaded_at: Mapped[datetime | None] = mapped_column(DateTime)

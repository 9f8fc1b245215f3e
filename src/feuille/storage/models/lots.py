"""Teletransmission lots: the lots, the invoices of each lot, lot numbers per recipient, the B2 files written,
each lot's history, and the invoices released from the automatic blocking (docs/teletransmission.md)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from feuille.storage.base import Base

MONEY = Numeric(12, 2)


class B2FileRow(Base):
    """A B2 file as written: its bytes are never rewritten (a lot re-sent sends these same bytes)."""

    __tablename__ = "b2_files"
    __table_args__ = (UniqueConstraint("sender", "file_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender: Mapped[str] = mapped_column(String(14))       # the 000 header's sender number
    file_id: Mapped[str] = mapped_column(String(6))       # FORMATS §1: 6 digits, unique per sender
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    record_count: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Lot(Base):
    """One lot: one professional, one recipient (AMO organism or AMC), one certification mode, ≤ 999 invoices."""

    __tablename__ = "lots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    professional_id: Mapped[int] = mapped_column(ForeignKey("professionals.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(3))             # FSE / DRE
    recipient_kind: Mapped[str] = mapped_column(String(3))   # amo / amc
    recipient: Mapped[str] = mapped_column(String(16))       # "01 349" (régime caisse) or the AMC number
    regime: Mapped[str | None] = mapped_column(String(2))
    caisse: Mapped[str | None] = mapped_column(String(3))
    centre: Mapped[str | None] = mapped_column(String(4))
    amc_number: Mapped[str | None] = mapped_column(String(10))
    certification: Mapped[str] = mapped_column(String(1))    # S, F, D
    number: Mapped[str] = mapped_column(String(3))
    lot_date: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(24), index=True)
    version: Mapped[int] = mapped_column(Integer)
    b2_file_id: Mapped[int | None] = mapped_column(ForeignKey("b2_files.id", ondelete="RESTRICT"), unique=True)
    invoice_count: Mapped[int] = mapped_column(Integer)
    total_fees: Mapped[Decimal] = mapped_column(MONEY)
    total_amo: Mapped[Decimal] = mapped_column(MONEY)
    total_amc: Mapped[Decimal] = mapped_column(MONEY)
    received_on: Mapped[date | None] = mapped_column(Date)   # « Date réception »: the ARL's
    arl_label: Mapped[str | None] = mapped_column(Text)      # « Libellé ARL/RSP »
    handling: Mapped[str | None] = mapped_column(Text)       # « Trait. Erreur » / « Manuel »: what a person did
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class LotInvoice(Base):
    """An invoice in a lot. ``live`` is True while the lot holds it and NULL once the lot gave it back (refused):
    ``UNIQUE (invoice_id, live)`` keeps an invoice in one live lot at most (NULLs are distinct on SQLite and
    PostgreSQL), whatever two desks do at once, and keeps the history of the lots it was in."""

    __tablename__ = "lot_invoices"
    # One live lot per invoice and kind: an invoice with a DRE is in one live FSE lot (to the AMO) and one live
    # DRE lot (to the complementary) at once (migration 0015_dre; docs/dre.md).
    __table_args__ = (UniqueConstraint("invoice_id", "kind", "live"), UniqueConstraint("lot_id", "invoice_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(3), server_default="FSE")   # the lot's kind, FSE or DRE
    position: Mapped[int] = mapped_column(Integer)           # 1-based order in the lot's file
    live: Mapped[bool | None] = mapped_column(Boolean)


class LotCounter(Base):
    """The last lot number given to one professional for one recipient (locked while drawing the next)."""

    __tablename__ = "lot_counters"

    professional_id: Mapped[int] = mapped_column(ForeignKey("professionals.id", ondelete="CASCADE"),
                                                 primary_key=True)
    recipient_kind: Mapped[str] = mapped_column(String(3), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_number: Mapped[str] = mapped_column(String(3))


class B2FileCounter(Base):
    """The last B2 file identifier given for one sender number."""

    __tablename__ = "b2_file_counters"

    sender: Mapped[str] = mapped_column(String(14), primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer)


class LotEventRow(Base):
    """One change of a lot's state (the audit log keeps it too; this is the lot's own history to show)."""

    __tablename__ = "lot_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(24))
    state_from: Mapped[str | None] = mapped_column(String(24))
    state_to: Mapped[str] = mapped_column(String(24))
    detail: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)


class TransmissionRelease(Base):
    """An invoice released from the automatic blocking (« Blocage automatique des FSE »): sendable from then on."""

    __tablename__ = "transmission_releases"

    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), primary_key=True)
    released_by: Mapped[str] = mapped_column(String(64))
    released_at: Mapped[datetime] = mapped_column(DateTime)


__all__ = ["B2FileCounter", "B2FileRow", "Lot", "LotCounter", "LotEventRow", "LotInvoice", "TransmissionRelease"]

"""SCOR: the state of each piece attached to an invoice, its conformity, and the SCOR lots that carried pieces.

A piece row hangs on the **attachment** (``invoice_attachments.id``), not on the invoice: a table with a foreign
key to ``invoices.id`` becomes part of the invoice's seal (``billing/sealing.dependent_tables``), and the SCOR
state moves long after the invoice is sealed (checked, sent, acknowledged, purged). These moves are audited as
``scor_piece`` entries; the one that changes an attachment itself (the purge empties its content) goes with the
invoice's own audited record (``billing.state.record``), so the invoice's seal follows it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from feuille.storage.base import Base


class ScorLot(Base):
    """One SCOR mail: the pieces of one FSE lot sent (feuille's own format, docs/teletransmission.md « SCOR »)."""

    __tablename__ = "scor_lots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fse_lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"), index=True)
    sender: Mapped[str] = mapped_column(String(14))             # the mail's sender number
    stamp: Mapped[str] = mapped_column(String(19), unique=True)  # formats.mail.stamp: the ARL names it
    state: Mapped[str] = mapped_column(String(16))               # envoye / arl_positif / arl_negatif
    piece_count: Mapped[int] = mapped_column(Integer)
    index_text: Mapped[str] = mapped_column(Text)                # the index part, as sent
    test: Mapped[bool] = mapped_column(Boolean)
    arl_label: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)


class ScorPiece(Base):
    """The SCOR side of one attachment: state (``domain/scor.PieceState``), conformity, sending, purge."""

    __tablename__ = "scor_pieces"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("invoice_attachments.id", ondelete="CASCADE"),
                                               unique=True)
    state: Mapped[str] = mapped_column(String(24), index=True)
    version: Mapped[int] = mapped_column(Integer)                # compare-and-set
    pages: Mapped[int | None] = mapped_column(Integer)
    checks: Mapped[str | None] = mapped_column(Text)             # JSON: each page's verdicts, French reasons
    reasons: Mapped[str | None] = mapped_column(Text)            # JSON list: why it is not conforming (French)
    answers: Mapped[str | None] = mapped_column(Text)            # JSON: the user's confirmations, by page
    checked_by: Mapped[str | None] = mapped_column(String(64))
    checked_at: Mapped[datetime | None] = mapped_column(DateTime)
    scor_lot_id: Mapped[int | None] = mapped_column(ForeignKey("scor_lots.id", ondelete="RESTRICT"), index=True)
    fse_lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    purge_on: Mapped[date | None] = mapped_column(Date)          # the day the retention ends (set when sent)
    purged_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


__all__ = ["ScorLot", "ScorPiece"]

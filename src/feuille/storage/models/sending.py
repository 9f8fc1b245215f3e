"""Sending lots and receiving returns: the outbox of lot mails and the mails received from the insurers.

``lot_mails`` is the outbox (docs/teletransmission.md, « Garantie d'envoi »): one row per mail of a lot, written
**before** the SMTP dialogue with the mail's stamp (its Message-ID is made from it), ``a_envoyer``, marked ``envoye``
once the server accepted it (``annule`` when an ARL made it needless). A row left ``a_envoyer`` by a crash is sent
again with the same stamp, so the same Message-ID.

``received_mails`` keeps every mail fetched from the professional's mailbox, untouched (``raw``), once by
Message-ID: ARLs with what they said (matched to the outbox row by the stamp of their subject), NOEMIE returns
stored for the reconciliation (issue 13), anything else kept and shown.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from feuille.storage.base import Base


class LotMail(Base):
    """One mail carrying a lot's file: its first sending, a re-sending after a missing ARL, a manual one."""

    __tablename__ = "lot_mails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"), index=True)
    reason: Mapped[str] = mapped_column(String(16))            # envoi, renvoi (missing ARL), relance (manual)
    stamp: Mapped[str] = mapped_column(String(19), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(200), unique=True)  # the server-accepted mail's
    state: Mapped[str] = mapped_column(String(16), index=True)  # a_envoyer, envoye, annule
    tries: Mapped[int] = mapped_column(Integer)                # SMTP dialogues started
    last_error: Mapped[str | None] = mapped_column(Text)       # French, the last refusal or failure
    prepared_by: Mapped[str] = mapped_column(String(64))
    prepared_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)


class ReceivedMail(Base):
    """One mail from the mailbox, kept as received; an ARL carries what it says about its lot."""

    __tablename__ = "received_mails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # arl, noemie, autre
    subject: Mapped[str] = mapped_column(String(255))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    lot_mail_id: Mapped[int | None] = mapped_column(ForeignKey("lot_mails.id", ondelete="RESTRICT"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"), index=True)
    outcome: Mapped[str] = mapped_column(String(24))           # what feuille did with it (see acknowledgements)
    positive: Mapped[bool | None] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(4))
    label: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[str | None] = mapped_column(Text)          # JSON list of the ARL's detail records
    arl_date: Mapped[date | None] = mapped_column(Date)


__all__ = ["LotMail", "ReceivedMail"]

"""The certificates of the cards (CPS, CPE, Vitale, ApCV) as read the first time each card was seen.

A signature is verified against the certificate registered here for its card, never against a key stored beside
the signature: replacing a signature and its key in the database cannot pass for the card's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from feuille.storage.base import Base


class CardCertificate(Base):
    """One card's public key (DER SubjectPublicKeyInfo), registered at its first reading; never replaced."""

    __tablename__ = "card_certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_serial: Mapped[str] = mapped_column(String(64), unique=True)
    card_kind: Mapped[str] = mapped_column(String(8))
    professional_id: Mapped[int | None] = mapped_column(ForeignKey("professionals.id", ondelete="SET NULL"))
    insured_nir: Mapped[str | None] = mapped_column(String(15))  # a Vitale card's insured
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of public_key, also in the audit entry
    registered_by: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(DateTime)

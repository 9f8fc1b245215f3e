"""The professional's scanned signature (PNG), printed on the degraded-mode care sheet."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from feuille.storage.base import Base


class ProfessionalSignature(Base):
    """At most one per professional (replaced when a new one is stored); removed with the professional."""

    __tablename__ = "professional_signatures"

    professional_id: Mapped[int] = mapped_column(ForeignKey("professionals.id", ondelete="CASCADE"),
                                                 primary_key=True)
    media_type: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_by: Mapped[str] = mapped_column(String(64))
    stored_at: Mapped[datetime] = mapped_column(DateTime)

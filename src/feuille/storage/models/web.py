"""Web sign-in: sessions kept in the database (so that several workers, or several machines on PostgreSQL, serve
the same users) and the sign-in attempts the rate limit counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from feuille.storage.base import Base


class WebSession(Base):
    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # SHA-256 of the token the browser holds: a copy of the table opens no session.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class SignInAttempt(Base):
    __tablename__ = "sign_in_attempts"
    __table_args__ = (Index("ix_sign_in_attempts_login_at", "login", "at"),
                      Index("ix_sign_in_attempts_address_at", "address", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
    success: Mapped[bool] = mapped_column(Boolean)


class RequestKey(Base):
    """0022_api: an ``Idempotency-Key`` sent with a creation over the API (``POST /api/factures``, ``POST
    /api/patients``), per user and scope: the same key with the same request gives back what it created, never a
    second one (:mod:`feuille.storage.request_keys`). ``entity_id`` names the record created (an invoice, a patient);
    no foreign key: one table serves every scope, and a key whose record was deleted since is simply spent again."""

    __tablename__ = "request_keys"
    __table_args__ = (UniqueConstraint("login", "scope", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(16))  # invoice, patient
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the request (canonical JSON)
    entity_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)

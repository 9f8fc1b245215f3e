"""Invoices, their signatures, patient payments, attachments and the per-professional number counters."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from feuille.storage.base import Base

MONEY = Numeric(10, 2)


class Invoice(Base):
    """One FSE: the typed input, its priced result, its state (compare-and-set on ``version``)."""

    __tablename__ = "invoices"
    # 0018_follow_up, the follow-up list: its count and SESAM-Vitale share read from an index alone (the rows carry
    # large JSON documents), its pages read newest first from an index in the list's order (no sort of every row).
    # 0019_transfers: the reports sum amo / amc per state and invoice date from an index alone, for the same reason.
    __table_args__ = (UniqueConstraint("professional_id", "number"),
                      Index("ix_invoices_state_date", "state", "invoice_date", "secure_mode"),
                      Index("ix_invoices_date_id", "invoice_date", "id"),
                      Index("ix_invoices_followed_amounts", "state", "invoice_date", "amo", "amc", "secure_mode"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    professional_id: Mapped[int] = mapped_column(ForeignKey("professionals.id", ondelete="RESTRICT"), index=True)
    performer_id: Mapped[int | None] = mapped_column(ForeignKey("professionals.id", ondelete="RESTRICT"))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"), index=True)
    billing_number: Mapped[str] = mapped_column(String(9))  # the professional's, as billed (kept: it is signed)
    patient_nir: Mapped[str | None] = mapped_column(String(15))  # insured NIR as billed (signed)
    patient_rank: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)  # drawn at the first signature, never reused
    state: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer)
    invoice_date: Mapped[date] = mapped_column(Date)
    nature: Mapped[str] = mapped_column(String(12))
    document: Mapped[str] = mapped_column(Text)  # the input JSON, as typed (the extended pricing contract)
    priced: Mapped[str] = mapped_column(Text)  # the pricing result JSON
    total: Mapped[Decimal] = mapped_column(MONEY)
    amo: Mapped[Decimal] = mapped_column(MONEY)
    amc: Mapped[Decimal] = mapped_column(MONEY)
    patient_part: Mapped[Decimal] = mapped_column(MONEY)
    due_by_patient: Mapped[Decimal] = mapped_column(MONEY)
    rate_checked: Mapped[bool] = mapped_column(Boolean)
    rate_hash: Mapped[str | None] = mapped_column(String(64))  # SHA-256 of the input the rate check priced
    secure_mode: Mapped[str | None] = mapped_column(String(16))
    paper_sent: Mapped[bool] = mapped_column(Boolean)  # degraded mode: care sheet sent on paper
    credit_of: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"), unique=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class InvoiceLine(Base):
    """One priced line of an invoice, typed: what the engine priced, with the act it came from (B2 act records
    and NOEMIE line matching read these). Written with the invoice's ``priced`` JSON, in the same transaction."""

    __tablename__ = "invoice_lines"
    # No unique (invoice_id, line_number): :func:`feuille.billing.lines.write` replaces all the rows at once, and
    # the seal must be able to see a line moved onto another invoice (tests/billing/test_verification_columns.py).

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    line_number: Mapped[int] = mapped_column(Integer)  # from 1, in the priced result's order
    act_index: Mapped[int | None] = mapped_column(Integer)  # 0-based position of its (first) act in the input
    code: Mapped[str] = mapped_column(String(16))
    care_date: Mapped[date] = mapped_column(Date)
    coefficient: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal | None] = mapped_column(MONEY)  # typed on the act; NULL: the table's price
    base: Mapped[Decimal] = mapped_column(MONEY)
    rate: Mapped[int] = mapped_column(Integer)
    exoneration: Mapped[str | None] = mapped_column(String(2))
    modifiers: Mapped[str | None] = mapped_column(String(16))  # CCAM modifiers, concatenated in input order
    association: Mapped[str | None] = mapped_column(String(2))
    qualifier: Mapped[str | None] = mapped_column(String(8))
    activity: Mapped[str | None] = mapped_column(String(2))
    phase: Mapped[str | None] = mapped_column(String(2))
    total: Mapped[Decimal] = mapped_column(MONEY)  # DR included
    amo: Mapped[Decimal] = mapped_column(MONEY)
    amc: Mapped[Decimal] = mapped_column(MONEY)
    patient: Mapped[Decimal] = mapped_column(MONEY)
    participation: Mapped[Decimal | None] = mapped_column(MONEY)  # flat participation (24 €) left on the line


class InvoiceSignature(Base):
    """One card signature over the canonical bytes of the invoice (step ``first`` or ``final``)."""

    __tablename__ = "invoice_signatures"
    __table_args__ = (UniqueConstraint("invoice_id", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(8))
    card_serial: Mapped[str] = mapped_column(String(64))
    card_kind: Mapped[str] = mapped_column(String(8))
    vitale_serial: Mapped[str | None] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(32))
    value: Mapped[bytes] = mapped_column(LargeBinary)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    signed_hash: Mapped[str] = mapped_column(String(64))
    signed_data: Mapped[bytes | None] = mapped_column(LargeBinary)  # the canonical bytes signed (NULL before 0008)
    signed_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)


class InvoicePayment(Base):
    """A payment by the patient (several per invoice)."""

    __tablename__ = "invoice_payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    means: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    at: Mapped[datetime] = mapped_column(DateTime)
    recorded_by: Mapped[str] = mapped_column(String(64))


class InvoiceAttachment(Base):
    """A document kept with the invoice: the degraded-mode care sheet (PDF or image), a prescription."""

    __tablename__ = "invoice_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # feuille_de_soins / ordonnance
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)


class InvoiceNumberCounter(Base):
    """The last number drawn for one professional (locked FOR UPDATE while drawing)."""

    __tablename__ = "invoice_numbers"

    professional_id: Mapped[int] = mapped_column(ForeignKey("professionals.id", ondelete="CASCADE"),
                                                 primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class InvoicePreparation(Base):
    """One signing in three steps: prepared (number drawn, bytes fixed), signed by the card with no transaction
    open, then committed by compare-and-set on the invoice's ``version``; or released with its reason, and then
    ``drawn_number`` is the record of a number drawn and never used."""

    __tablename__ = "invoice_preparations"
    __table_args__ = (UniqueConstraint("professional_id", "drawn_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    professional_id: Mapped[int] = mapped_column(ForeignKey("professionals.id", ondelete="RESTRICT"))
    drawn_number: Mapped[int | None] = mapped_column(Integer)  # drawn by this preparation (not the final step)
    step: Mapped[str] = mapped_column(String(8))
    secure_mode: Mapped[str] = mapped_column(String(16))
    state_from: Mapped[str] = mapped_column(String(16))
    state_to: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)  # the invoice's version when prepared (compare-and-set)
    signed_data: Mapped[bytes] = mapped_column(LargeBinary)
    card_serial: Mapped[str] = mapped_column(String(64))
    vitale_serial: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))  # pending / committed / released
    reason: Mapped[str | None] = mapped_column(Text)  # why it was released (French)
    prepared_by: Mapped[str] = mapped_column(String(64))
    prepared_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)

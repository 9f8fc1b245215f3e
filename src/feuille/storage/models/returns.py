"""NOEMIE returns as integrated: the files, the transfers (« Suivi Virements »), what each return says of an
invoice, its act lines and rejects, the financial movements and the one-off operations (manual 003 VII, IX, X).

One source per fact: what was *billed* stays in ``invoices`` / ``invoice_lines``; what the insurer *said* is
here, as read, with the entity number and byte offset it came from; what is *paid* on an invoice is the sum of
its matched ``return_invoices`` rows (never a stored running total); its follow-up state is the invoice's own
state (``domain.invoices``), changed through the one transition table.
"""

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

MONEY = Numeric(12, 2)


class NoemieFileRow(Base):
    """One return file, integrated once: its identifier (emitter, file id) and its bytes' SHA-256 are unique."""

    __tablename__ = "noemie_files"
    __table_args__ = (UniqueConstraint("emitter_type", "emitter_number", "file_id", name="uq_noemie_files_identifier"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    received_mail_id: Mapped[int | None] = mapped_column(ForeignKey("received_mails.id", ondelete="RESTRICT"),
                                                         unique=True)
    source: Mapped[str] = mapped_column(String(255))          # « courriel <Message-ID> » or the file's name
    size: Mapped[int] = mapped_column(Integer)                # bytes; the content is in noemie_file_chunks
    blocked: Mapped[bool] = mapped_column(Boolean)            # 128-byte blocks with a flag
    emitter_type: Mapped[str] = mapped_column(String(2))
    emitter_number: Mapped[str] = mapped_column(String(14))
    recipient_type: Mapped[str] = mapped_column(String(2))
    recipient_number: Mapped[str] = mapped_column(String(14))
    file_id: Mapped[str] = mapped_column(String(6))
    reference: Mapped[str] = mapped_column(String(4))         # 576 payments, 900 rejects, …
    created: Mapped[date] = mapped_column(Date)
    flow: Mapped[str] = mapped_column(String(1))              # blank/R real, T test, D demo
    outcome: Mapped[str] = mapped_column(String(16), index=True)  # integre, integre_partiel, refuse
    problems: Mapped[str] = mapped_column(Text)               # JSON list: code, message, entity, offset, field
    invoices: Mapped[int] = mapped_column(Integer)            # invoice entities integrated
    unmatched: Mapped[int] = mapped_column(Integer)           # of which matched to no stored invoice
    integrated_by: Mapped[str] = mapped_column(String(64))
    integrated_at: Mapped[datetime] = mapped_column(DateTime)


class NoemieFileChunk(Base):
    """The file as received (either physical form), in chunks written while it is read, so that a return of a
    million records is kept whole without being held whole in memory."""

    __tablename__ = "noemie_file_chunks"

    noemie_file_id: Mapped[int] = mapped_column(ForeignKey("noemie_files.id", ondelete="RESTRICT"),
                                                primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class TransferRow(Base):
    """A bank transfer (071) or an accounting day without transfer (070) for one payee of one file."""

    __tablename__ = "noemie_transfers"
    __table_args__ = (Index("ix_noemie_transfers_day", "settlement_date", "paying_organism"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    noemie_file_id: Mapped[int] = mapped_column(ForeignKey("noemie_files.id", ondelete="RESTRICT"), index=True)
    professional_id: Mapped[int | None] = mapped_column(ForeignKey("professionals.id", ondelete="RESTRICT"),
                                                        index=True)
    payee_number: Mapped[str] = mapped_column(String(15))
    settlement_date: Mapped[date] = mapped_column(Date)
    is_transfer: Mapped[bool] = mapped_column(Boolean)        # 071 (a bank transfer) or 070 (accounting day)
    label_1: Mapped[str] = mapped_column(String(32))
    label_2: Mapped[str] = mapped_column(String(32))
    paying_organism: Mapped[str] = mapped_column(String(10))
    declared_total: Mapped[Decimal | None] = mapped_column(MONEY)  # the 990 closing it, as read
    computed_total: Mapped[Decimal] = mapped_column(MONEY)    # paid (invoices, one-off) minus withheld (RPR)
    entity: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(Integer)


class ReturnInvoice(Base):
    """What one return says of one invoice (100/102 and its 103-199), matched or not to a stored invoice."""

    __tablename__ = "return_invoices"
    # ix_return_invoices_paid (0019_transfers): what is paid on an invoice, summed from the index alone
    __table_args__ = (Index("ix_return_invoices_number", "invoice_number", "lot_number"),
                      Index("ix_return_invoices_paid", "invoice_id", "match", "amo_paid", "amc_paid"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    noemie_file_id: Mapped[int] = mapped_column(ForeignKey("noemie_files.id", ondelete="RESTRICT"), index=True)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("noemie_transfers.id", ondelete="RESTRICT"),
                                                    index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"), index=True)
    match: Mapped[str] = mapped_column(String(16), index=True)  # auto, manuel, a_rapprocher, non_rapproche
    return_kind: Mapped[str] = mapped_column(String(2))        # 081: 01 flows, 02 paper, 03, 04 recalls, 05
    lot_number: Mapped[str] = mapped_column(String(3))
    lot_date: Mapped[date | None] = mapped_column(Date)
    invoice_number: Mapped[str] = mapped_column(String(9))
    invoice_type: Mapped[str] = mapped_column(String(1))
    invoice_date: Mapped[date | None] = mapped_column(Date)
    nir: Mapped[str] = mapped_column(String(15))
    rank: Mapped[str] = mapped_column(String(1))
    patient_name: Mapped[str] = mapped_column(String(80))
    amo_claimed: Mapped[Decimal] = mapped_column(MONEY)
    amo_status: Mapped[str] = mapped_column(String(1))         # P paid, R rejected, D deferred, blank
    amo_paid: Mapped[Decimal] = mapped_column(MONEY)           # signed (a regularisation is negative)
    amc_claimed: Mapped[Decimal] = mapped_column(MONEY)
    amc_status: Mapped[str] = mapped_column(String(1))
    amc_paid: Mapped[Decimal] = mapped_column(MONEY)
    amc_number: Mapped[str] = mapped_column(String(10))
    entity: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(Integer)
    matched_by: Mapped[str | None] = mapped_column(String(64))
    matched_at: Mapped[datetime | None] = mapped_column(DateTime)


class ReturnAct(Base):
    """An act line (210) as the insurer paid it, matched to the stored invoice line of the same number."""

    __tablename__ = "return_acts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_invoice_id: Mapped[int] = mapped_column(ForeignKey("return_invoices.id", ondelete="RESTRICT"),
                                                   index=True)
    invoice_line_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_lines.id", ondelete="RESTRICT"))
    line: Mapped[int] = mapped_column(Integer)
    act_code: Mapped[str] = mapped_column(String(3))
    quantity: Mapped[int] = mapped_column(Integer)
    coefficient: Mapped[str] = mapped_column(String(5))
    base: Mapped[Decimal] = mapped_column(MONEY)
    rate: Mapped[int] = mapped_column(Integer)
    reimbursed: Mapped[Decimal] = mapped_column(MONEY)         # signed
    care_start: Mapped[date | None] = mapped_column(Date)
    difference: Mapped[str | None] = mapped_column(String(200))  # French: how it differs from the billed line


class ReturnReject(Base):
    """A reject or warning of a return (290 message, 294 reject line) with its code and readable label."""

    __tablename__ = "return_rejects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_invoice_id: Mapped[int] = mapped_column(ForeignKey("return_invoices.id", ondelete="RESTRICT"),
                                                   index=True)
    entity_kind: Mapped[str] = mapped_column(String(3))        # 290 or 294
    code: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(86))
    line: Mapped[int] = mapped_column(Integer)
    reject_level: Mapped[str] = mapped_column(String(1))       # 294: F invoice, L line, A coded act
    share: Mapped[str] = mapped_column(String(1))              # 294: O AMO, C AMC
    act: Mapped[str] = mapped_column(String(5))
    care_date: Mapped[date | None] = mapped_column(Date)


class FinancialMovement(Base):
    """A financial movement (250) on a debt: its initial statement, a withholding from a transfer (RPR), …"""

    __tablename__ = "financial_movements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("noemie_transfers.id", ondelete="RESTRICT"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    debt_reference: Mapped[str] = mapped_column(String(10), index=True)
    debt_date: Mapped[date | None] = mapped_column(Date)
    debt_nature: Mapped[str] = mapped_column(String(3))
    operation: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(MONEY)             # signed
    remaining: Mapped[Decimal] = mapped_column(MONEY)
    entity: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(Integer)


class OneOffPaymentRow(Base):
    """A payment tied to no invoice (261), e.g. the yearly SESAM-Vitale aid, with its details (262) as JSON."""

    __tablename__ = "one_off_payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("noemie_transfers.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(5))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    details: Mapped[str] = mapped_column(Text)                 # JSON list of the 262 entities
    entity: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(Integer)


class RejectHandling(Base):
    """« Traitement manuel » of a rejected invoice, or its state changed by hand once paid outside the flow."""

    __tablename__ = "reject_handlings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16))              # traite, etat_manuel, corrigee
    note: Mapped[str] = mapped_column(Text)
    state_from: Mapped[str | None] = mapped_column(String(16))
    state_to: Mapped[str | None] = mapped_column(String(16))
    correction_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"),
                                                      unique=True)
    amount: Mapped[Decimal | None] = mapped_column(MONEY)     # etat_manuel: what the organism paid outside (0018)
    done_by: Mapped[str] = mapped_column(String(64))
    done_at: Mapped[datetime] = mapped_column(DateTime)


__all__ = ["FinancialMovement", "NoemieFileChunk", "NoemieFileRow", "OneOffPaymentRow", "RejectHandling", "ReturnAct",
           "ReturnInvoice", "ReturnReject", "TransferRow"]

"""What an invoice looks like to the interfaces: :class:`InvoiceView` (read, never an ORM row)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feuille.billing import lines, sealing
from feuille.billing.stored import read_priced
from feuille.domain.invoices import MODE_LABELS, STATE_LABELS, InvoiceState, SecureMode, balance
from feuille.money import format_amount
from feuille.storage.models import Invoice, InvoiceAttachment, InvoicePayment

CARE_SHEET = "feuille_de_soins"
#: States in which an invoice takes no payment nor piece any more.
CLOSED = (InvoiceState.DELETED, InvoiceState.CANCELLED)


@dataclass(frozen=True)
class InvoiceView:
    id: int
    number: int | None
    state: str
    state_label: str
    professional_id: int
    performer_id: int | None
    billing_number: str
    patient_id: int | None
    invoice_date: str
    nature: str
    secure_mode: str | None
    rate_checked: bool
    sendable: bool
    credit_of: int | None
    lines: list[lines.Line]  # typed: the rows of ``invoice_lines``
    totals: dict[str, str]
    warnings: list[str]
    payments: list[dict[str, str]] = field(default_factory=list)
    balance: str = "0.00"
    balance_warnings: list[str] = field(default_factory=list)
    attachments: list[dict[str, str]] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)  # the rules applied, the patient record's rights among them
    secure_mode_label: str | None = None  # « SESAM-Vitale synchronisé »: the label alone, as a screen shows it

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "number": self.number, "state": self.state, "state_label": self.state_label,
            "professional_id": self.professional_id, "performer_id": self.performer_id,
            "billing_number": self.billing_number, "patient_id": self.patient_id, "date": self.invoice_date,
            "nature": self.nature, "secure_mode": self.secure_mode, "rate_checked": self.rate_checked,
            "sendable": self.sendable, "credit_of": self.credit_of,
            "lines": [line.to_json() for line in self.lines], "totals": self.totals,
            "warnings": self.warnings, "payments": self.payments, "balance": self.balance,
            "balance_warnings": self.balance_warnings, "attachments": self.attachments, "trace": self.trace,
        }


#: Why an invoice of these states cannot be sent: the words of manual 003 VI (« Etat FSE ») where it has them.
HELD_BY_STATE = {
    InvoiceState.DRAFT: "TP calculé",              # no FSE yet (the manual knows no draft)
    InvoiceState.PRICED: "TP calculé",
    InvoiceState.PARTLY_SECURED: "signature finale manquante (mode désynchronisé)",
    InvoiceState.CANCELLED: "FSE supprimée",
    InvoiceState.DELETED: "FSE supprimée",
}


def unsendable_reason(row: Invoice, has_care_sheet: bool) -> str | None:
    """Why the invoice itself cannot be put in a lot (None: it can): the one rule of billing, which the
    teletransmission's list completes with the practice's blocking rules (``feuille.transmission.pending``)."""
    if row.state != InvoiceState.SECURED:
        return HELD_BY_STATE.get(InvoiceState(row.state), f"déjà {STATE_LABELS[InvoiceState(row.state)]}")
    if row.secure_mode == SecureMode.DEGRADE and not (has_care_sheet or row.paper_sent):
        return "feuille de soins manquante (mode dégradé)"
    return None


def is_sendable(row: Invoice, has_care_sheet: bool) -> bool:
    """Secured, and in degraded mode with its care sheet attached or sent on paper."""
    return unsendable_reason(row, has_care_sheet) is None


ATTACHMENT_COLUMNS = (InvoiceAttachment.id, InvoiceAttachment.invoice_id, InvoiceAttachment.kind,
                      InvoiceAttachment.filename, InvoiceAttachment.media_type)


def view(session: Session, row: Invoice) -> InvoiceView:
    payments = list(session.scalars(select(InvoicePayment).where(InvoicePayment.invoice_id == row.id)
                                    .order_by(InvoicePayment.id)))
    attachments = list(session.execute(select(*ATTACHMENT_COLUMNS).where(InvoiceAttachment.invoice_id == row.id)
                                       .order_by(InvoiceAttachment.id)))
    return build_view(row, payments, attachments, lines.read(session, row.id))


def from_stored(row: Invoice, stored: sealing.Stored) -> InvoiceView:
    """The view from the rows the seal of the last change read (``state.record``), nothing written since: the
    lines, payments and attachments are not read a second time."""
    priced = sorted((lines.typed(found) for found in stored.of(lines.TABLE)), key=lambda line: line.line_number)
    return build_view(row, stored.of(InvoicePayment.__tablename__), stored.of(InvoiceAttachment.__tablename__),
                      priced)


def build_view(row: Invoice, payments: Sequence[Any], attachments: Sequence[Any],
               priced_lines: list[lines.Line]) -> InvoiceView:
    """The view from rows already read (a list reads the payments, attachments and lines of a whole page at
    once); ``payments``: rows with the columns of ``invoice_payments``; ``attachments``: rows with
    :data:`ATTACHMENT_COLUMNS`."""
    priced = read_priced(row.priced)
    settled = balance(row.due_by_patient, (p.amount for p in payments))
    totals = {"total": format_amount(row.total), "amo": format_amount(row.amo), "amc": format_amount(row.amc),
              "patient": format_amount(row.patient_part), "due_by_patient": format_amount(row.due_by_patient)}
    mode = SecureMode(row.secure_mode) if row.secure_mode else None
    return InvoiceView(
        id=row.id, number=row.number, state=row.state, state_label=STATE_LABELS[InvoiceState(row.state)],
        professional_id=row.professional_id, performer_id=row.performer_id, billing_number=row.billing_number,
        patient_id=row.patient_id, invoice_date=row.invoice_date.isoformat(), nature=row.nature,
        secure_mode=f"{mode.value} ({MODE_LABELS[mode]})" if mode else None, rate_checked=row.rate_checked,
        secure_mode_label=MODE_LABELS[mode] if mode else None,
        sendable=is_sendable(row, any(a.kind == CARE_SHEET for a in attachments)), credit_of=row.credit_of,
        lines=list(priced_lines), totals=totals, warnings=list(priced.warnings),
        payments=[{"id": str(p.id), "means": p.means, "amount": format_amount(p.amount), "at": p.at.isoformat()}
                  for p in payments],
        balance=format_amount(settled.balance), balance_warnings=list(settled.warnings),
        attachments=[{"id": str(a.id), "kind": a.kind, "filename": a.filename, "media_type": a.media_type}
                     for a in attachments],
        trace=list(priced.trace),
    )

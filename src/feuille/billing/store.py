"""What every billing use case shares: loading an invoice, the guarded state change, numbering, views.

:func:`advance` is the only place an invoice's state changes: it asks the domain's transition table, then
writes with compare-and-set (``UPDATE … WHERE id AND state AND version``) so that SQLite and PostgreSQL
behave alike when two desks act at once, and audits in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context
from feuille.billing import lines, sealing
from feuille.domain.invoices import (
    MODE_LABELS,
    STATE_LABELS,
    Event,
    InvoiceState,
    SecureMode,
    balance,
    transition,
)
from feuille.errors import ConflictError, NotFoundError, ValidationError
from feuille.money import format_amount
from feuille.storage.models import (
    Invoice,
    InvoiceAttachment,
    InvoiceNumberCounter,
    InvoicePayment,
    InvoicePreparation,
)

T = TypeVar("T")
NUMBER_ATTEMPTS = 5
CARE_SHEET = "feuille_de_soins"


def invoice_id(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 12:
        return int(value.strip())
    raise ValidationError(f"Facture « {str(value)[:20]} » : un numéro interne est attendu (ex. 12).",
                          code="invoice_id", field="id")


def load(session: Session, ref: object, *, lock: bool = False) -> Invoice:
    """The invoice; ``lock``: for a change (row locked on PostgreSQL, the write lock taken at once on SQLite)."""
    wanted = invoice_id(ref)
    if lock and session.get_bind().dialect.name == "sqlite":
        # A no-op write as the first statement: SQLite then waits for the other writer (busy timeout) instead of
        # failing later when this transaction, having read an older snapshot, tries to write.
        session.execute(update(Invoice).where(Invoice.id == wanted).values(version=Invoice.version)
                        .execution_options(synchronize_session=False))
    query = select(Invoice).where(Invoice.id == wanted)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFoundError(f"Facture n° {ref} introuvable.", code="invoice_not_found", field="id")
    return row


def record(ctx: Context, session: Session, row: Invoice, action: str, data: Mapping[str, object]) -> None:
    """Audit a change of the invoice, with the snapshot (``seal``) of the invoice and its rows after it: the
    verification compares what is stored with the latest one, so a change made behind the services is seen."""
    seal = sealing.snapshot(session, row.id)
    audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action=f"invoice.{action}", entity="invoice",
                 entity_id=str(row.id), data={**dict(data), "seal": seal})


def allowed(session: Session, row: Invoice, event: Event) -> InvoiceState:
    """The state ``event`` brings ``row`` to, if the table allows it and the invoice is not on a portable reader
    (it changes only there); a three-step signing asks at its preparation, before drawing a number."""
    new = transition(InvoiceState(row.state), event)
    from feuille.billing.portable import check_at_desk  # here: portable imports this module

    check_at_desk(session, row, event)
    return new


def advance(ctx: Context, session: Session, row: Invoice, event: Event, *,
            values: Mapping[str, object] | None = None, data: Mapping[str, object] | None = None) -> InvoiceState:
    """Apply ``event``: the table decides, compare-and-set writes, the audit log records."""
    old = InvoiceState(row.state)
    new = allowed(session, row, event)
    result = session.execute(
        update(Invoice)
        .where(Invoice.id == row.id, Invoice.state == old.value, Invoice.version == row.version)
        .values(state=new.value, version=Invoice.version + 1, updated_at=ctx.clock(), **dict(values or {}))
        .execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 0) != 1:
        raise ConflictError(f"La facture n° {row.id} a été modifiée entre-temps par un autre poste ; "
                            "relisez-la et recommencez.", code="invoice_changed", field="id")
    session.refresh(row)
    record(ctx, session, row, event.value, {"from": old.value, "to": new.value, **dict(data or {})})
    return new


def draw_number(session: Session, professional_id: int) -> int:
    """The next number of this professional: counter row locked FOR UPDATE, never below a number in use or drawn
    by a signing (even one released: that number stays recorded as unused)."""
    counter = session.scalar(select(InvoiceNumberCounter)
                             .where(InvoiceNumberCounter.professional_id == professional_id).with_for_update())
    highest = max(session.scalar(select(func.max(Invoice.number)).where(Invoice.professional_id == professional_id))
                  or 0,
                  session.scalar(select(func.max(InvoicePreparation.drawn_number))
                                 .where(InvoicePreparation.professional_id == professional_id)) or 0)
    if counter is None:
        counter = InvoiceNumberCounter(professional_id=professional_id, last_number=0)
        session.add(counter)
    number = max(counter.last_number, highest or 0) + 1
    counter.last_number = number
    session.flush()
    return number


def with_number_retry(work: Callable[[], T]) -> T:
    """Run ``work`` (one transaction drawing a number) again when a concurrent desk took the same number."""
    for attempt in range(NUMBER_ATTEMPTS):
        try:
            return work()
        except (IntegrityError, OperationalError) as exc:
            if isinstance(exc, OperationalError) and not _sqlite_busy(exc):
                raise
            if attempt == NUMBER_ATTEMPTS - 1:
                raise ConflictError("Impossible d'attribuer un numéro de facture unique (postes concurrents) ; "
                                    "recommencez.", code="invoice_number", field="number") from None
    raise AssertionError("unreachable")  # pragma: no cover


def _sqlite_busy(exc: OperationalError) -> bool:
    """SQLite refuses a read-then-write transaction overtaken by another writer: safe to run again."""
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text


def dumps(data: object) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=_default)


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


# --- views --------------------------------------------------------------------------------------------------------

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
    lines: list[dict[str, Any]]
    totals: dict[str, str]
    warnings: list[str]
    payments: list[dict[str, str]] = field(default_factory=list)
    balance: str = "0.00"
    balance_warnings: list[str] = field(default_factory=list)
    attachments: list[dict[str, str]] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)  # the rules applied, the patient record's rights among them

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "number": self.number, "state": self.state, "state_label": self.state_label,
            "professional_id": self.professional_id, "performer_id": self.performer_id,
            "billing_number": self.billing_number, "patient_id": self.patient_id, "date": self.invoice_date,
            "nature": self.nature, "secure_mode": self.secure_mode, "rate_checked": self.rate_checked,
            "sendable": self.sendable, "credit_of": self.credit_of, "lines": self.lines, "totals": self.totals,
            "warnings": self.warnings, "payments": self.payments, "balance": self.balance,
            "balance_warnings": self.balance_warnings, "attachments": self.attachments, "trace": self.trace,
        }


def is_sendable(row: Invoice, has_care_sheet: bool) -> bool:
    """Secured, and in degraded mode with its care sheet attached or sent on paper."""
    if row.state != InvoiceState.SECURED:
        return False
    if row.secure_mode == SecureMode.DEGRADE:
        return has_care_sheet or row.paper_sent
    return True


def view(session: Session, row: Invoice) -> InvoiceView:
    priced = json.loads(row.priced)
    payments = list(session.scalars(select(InvoicePayment).where(InvoicePayment.invoice_id == row.id)
                                    .order_by(InvoicePayment.id)))
    attachments = list(session.execute(select(InvoiceAttachment.id, InvoiceAttachment.kind,
                                              InvoiceAttachment.filename, InvoiceAttachment.media_type)
                                       .where(InvoiceAttachment.invoice_id == row.id)
                                       .order_by(InvoiceAttachment.id)))
    settled = balance(row.due_by_patient, (p.amount for p in payments))
    totals = {"total": format_amount(row.total), "amo": format_amount(row.amo), "amc": format_amount(row.amc),
              "patient": format_amount(row.patient_part), "due_by_patient": format_amount(row.due_by_patient)}
    mode = SecureMode(row.secure_mode) if row.secure_mode else None
    return InvoiceView(
        id=row.id, number=row.number, state=row.state, state_label=STATE_LABELS[InvoiceState(row.state)],
        professional_id=row.professional_id, performer_id=row.performer_id, billing_number=row.billing_number,
        patient_id=row.patient_id, invoice_date=row.invoice_date.isoformat(), nature=row.nature,
        secure_mode=f"{mode.value} ({MODE_LABELS[mode]})" if mode else None, rate_checked=row.rate_checked,
        sendable=is_sendable(row, any(a.kind == CARE_SHEET for a in attachments)), credit_of=row.credit_of,
        lines=[line.to_json() for line in lines.read(session, row.id)], totals=totals,
        warnings=list(priced.get("warnings", [])),
        payments=[{"id": str(p.id), "means": p.means, "amount": format_amount(p.amount), "at": p.at.isoformat()}
                  for p in payments],
        balance=format_amount(settled.balance), balance_warnings=list(settled.warnings),
        attachments=[{"id": str(a.id), "kind": a.kind, "filename": a.filename, "media_type": a.media_type}
                     for a in attachments],
        trace=list(priced.get("trace", [])),
    )

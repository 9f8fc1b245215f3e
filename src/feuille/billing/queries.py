"""Reading invoices: one, or a page of the list (newest first), as views.

A page is read in a fixed number of queries whatever its length (the invoices with their patient and
professional, then the payments and the attachments of the whole page): the per-invoice view queries made a
1,000-invoice list cost about 2,000 round trips.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, aliased

from feuille.auth import Context, Permission, require
from feuille.billing import lines, state, views
from feuille.domain.fields import check_period, parse_date
from feuille.domain.invoices import STATE_LABELS, InvoiceState
from feuille.domain.professionals import format_billing_number
from feuille.errors import ValidationError
from feuille.practice import professionals
from feuille.storage.models import Invoice, InvoiceAttachment, InvoicePayment, Patient, Professional

MAX_LIST = 1000


def show(ctx: Context, ref: object) -> views.InvoiceView:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return views.view(session, state.load(session, ref))


@dataclass(frozen=True)
class ListedInvoice:
    """A line of the list: the invoice's view, with who it is for and whose series its number belongs to."""

    view: views.InvoiceView
    patient: str        # « NOM Prénom », "" for an invoice without a stored patient
    professional: str   # « NOM Prénom : 99610218 2 » (each professional numbers their own invoices)

    @property
    def id(self) -> int:
        return self.view.id

    @property
    def number_label(self) -> str:
        """The number in its professional's series, as a desk reads it: « 12 (FIRMIER Alain) »."""
        number = "sans numéro" if self.view.number is None else str(self.view.number)
        return f"{number} ({self.professional.split(' : ')[0]})"

    def to_json(self) -> dict[str, Any]:
        return {**self.view.to_json(), "patient_name": self.patient, "professional_name": self.professional,
                "number_label": self.number_label}


def _plain(text: str) -> str:
    """Lower case, no accents, words joined by « - »: « TP calculé » and « tp-calcule » compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "-".join(bare.replace("_", " ").replace("-", " ").split())


_STATES: dict[str, InvoiceState] = {**{_plain(label): s for s, label in STATE_LABELS.items()},
                                    **{_plain(s.value): s for s in InvoiceState}}


def parse_state(value: object) -> InvoiceState:
    """A state by its French name (brouillon, sécurisée, TP calculé…) or its stored value (draft, secured…)."""
    found = _STATES.get(_plain(value)) if isinstance(value, str) else None
    if found is None:
        names = ", ".join(STATE_LABELS[s] for s in InvoiceState)
        raise ValidationError(f"état : « {str(value)[:20]} » inconnu ({names}).", code="invoice_state",
                              field="etat")
    return found


def _conditions(session: Session, *, state: object, patient: object, professional: object, since: object,
                until: object) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if state is not None:
        conditions.append(Invoice.state == parse_state(state).value)
    if patient is not None:
        conditions.append(Invoice.patient_id == _patient_id(patient))
    if professional is not None:
        conditions.append(Invoice.professional_id == professionals.resolve(session, professional, "pro").id)
    first = parse_date(since, "du", "Du")
    last = parse_date(until, "au", "Au")
    check_period(first, last, "au", "Période")
    if first is not None:
        conditions.append(Invoice.invoice_date >= first)
    if last is not None:
        conditions.append(Invoice.invoice_date <= last)
    return conditions


def _patient_id(value: object) -> int:
    text = str(value).strip()
    if not (text.isdigit() and len(text) < 12):
        raise ValidationError(f"patient : « {text[:20]} » : le numéro interne du patient est attendu (ex. 12).",
                              code="patient_id", field="patient")
    return int(text)


def list_invoices(ctx: Context, state: object = None, limit: int = 200, *, patient: object = None,
                  professional: object = None, since: object = None, until: object = None) -> list[ListedInvoice]:
    """The newest invoices first (at most :data:`MAX_LIST`), filtered by state, patient, professional, dates
    (``since``/``until``: JJ/MM/AAAA, inclusive); four queries whatever the number of invoices."""
    require(ctx, Permission.READ)
    billing_pro = aliased(Professional)
    with ctx.db.read() as session:
        where = _conditions(session, state=state, patient=patient, professional=professional, since=since,
                            until=until)
        query = (select(Invoice, Patient.last_name, Patient.first_name, billing_pro)
                 .outerjoin(Patient, Patient.id == Invoice.patient_id)
                 .join(billing_pro, billing_pro.id == Invoice.professional_id)
                 .where(*where).order_by(Invoice.id.desc()).limit(max(1, min(limit, MAX_LIST))))
        rows = session.execute(query).all()
        ids = [row[0].id for row in rows]
        payments: dict[int, list[InvoicePayment]] = defaultdict(list)
        attachments: dict[int, list[Any]] = defaultdict(list)
        if ids:
            for payment in session.scalars(select(InvoicePayment).where(InvoicePayment.invoice_id.in_(ids))
                                           .order_by(InvoicePayment.id)):
                payments[payment.invoice_id].append(payment)
            for attachment in session.execute(select(*views.ATTACHMENT_COLUMNS)
                                              .where(InvoiceAttachment.invoice_id.in_(ids))
                                              .order_by(InvoiceAttachment.id)):
                attachments[attachment.invoice_id].append(attachment)
        priced_lines = lines.read_many(session, ids)
        return [ListedInvoice(view=views.build_view(row, payments[row.id], attachments[row.id],
                                                    priced_lines[row.id]),
                              patient=f"{last} {first or ''}".strip(),
                              professional=f"{pro.last_name} {pro.first_name} : "
                                           f"{format_billing_number(row.billing_number)}")
                for row, last, first, pro in rows]


def french_date(iso: str) -> str:
    """``2025-01-14`` → ``14/01/2025`` (views carry ISO dates; desks read JJ/MM/AAAA)."""
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def invoice_ids(ctx: Context) -> list[int]:
    """Every invoice's internal number, oldest first (what a full verification walks through)."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return list(session.scalars(select(Invoice.id).order_by(Invoice.id)))

"""Reading invoices: one, or a page of the list (newest first), as views.

A page is read in a fixed number of queries whatever its length (the invoices with their patient and
professional, then the payments and the attachments of the whole page): the per-invoice view queries made a
1,000-invoice list cost about 2,000 round trips.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from feuille.auth import Context, Permission, require
from feuille.billing import lines, state, views
from feuille.domain.fields import check_period, parse_date
from feuille.domain.invoices import STATE_LABELS, TRANSITIONS, Event, InvoiceState, SecureMode
from feuille.domain.lots import LABELS as LOT_LABELS
from feuille.domain.lots import LotState
from feuille.domain.professionals import format_billing_number
from feuille.errors import ValidationError
from feuille.practice import professionals
from feuille.storage.models import (
    AuditEntry,
    Invoice,
    InvoiceAttachment,
    InvoicePayment,
    Lot,
    LotInvoice,
    Patient,
    Professional,
)

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
    with ctx.db.read() as session:
        where = _conditions(session, state=state, patient=patient, professional=professional, since=since,
                            until=until)
        return _page(session, where, max(1, min(limit, MAX_LIST)))


def iter_invoices(ctx: Context, state: object = None, *, patient: object = None, professional: object = None,
                  since: object = None, until: object = None, batch: int = 500) -> Iterator[ListedInvoice]:
    """Every invoice the list's filters keep, newest first, without its limit: read a page at a time (keyset on
    the id, one short read per page), what an export writes in flat memory. The filters are checked before the
    first line is given."""
    require(ctx, Permission.READ)
    filters = {"state": state, "patient": patient, "professional": professional, "since": since, "until": until}
    with ctx.db.read() as session:
        _conditions(session, **filters)

    def pages() -> Iterator[ListedInvoice]:
        before: int | None = None
        while True:
            with ctx.db.read() as session:
                where = _conditions(session, **filters)
                if before is not None:
                    where.append(Invoice.id < before)
                found = _page(session, where, batch)
            yield from found
            if len(found) < batch:
                return
            before = found[-1].id

    return pages()


def _page(session: Session, where: list[ColumnElement[bool]], limit: int) -> list[ListedInvoice]:
    """The invoices ``where`` keeps, newest first, at most ``limit``, with their payments, attachments and lines."""
    billing_pro = aliased(Professional)
    query = (select(Invoice, Patient.last_name, Patient.first_name, billing_pro)
             .outerjoin(Patient, Patient.id == Invoice.patient_id)
             .join(billing_pro, billing_pro.id == Invoice.professional_id)
             .where(*where).order_by(Invoice.id.desc()).limit(limit))
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
    return [ListedInvoice(view=views.build_view(row, payments[row.id], attachments[row.id], priced_lines[row.id]),
                          patient=f"{last} {first or ''}".strip(),
                          professional=f"{pro.last_name} {pro.first_name} : "
                                       f"{format_billing_number(row.billing_number)}")
            for row, last, first, pro in rows]


@dataclass(frozen=True)
class BriefInvoice:
    """A line of a short list (the home page's « Mes factures »): what it shows, read without the invoice's
    document, lines or payments."""

    id: int
    number: int | None
    invoice_date: date
    patient: str
    state_label: str
    total: Decimal


def recent_invoices(ctx: Context, limit: int = 10, *, professional: int | None = None) -> list[BriefInvoice]:
    """The newest invoices (of one professional, by internal id), in one query of plain columns."""
    require(ctx, Permission.READ)
    query = (select(Invoice.id, Invoice.number, Invoice.invoice_date, Invoice.state, Invoice.total,
                    Patient.last_name, Patient.first_name)
             .outerjoin(Patient, Patient.id == Invoice.patient_id)
             .order_by(Invoice.id.desc()).limit(max(1, min(limit, MAX_LIST))))
    if professional is not None:
        query = query.where(Invoice.professional_id == professional)
    with ctx.db.read() as session:
        rows = session.execute(query).all()
    return [BriefInvoice(row.id, row.number, row.invoice_date, f"{row.last_name or ''} {row.first_name or ''}".strip(),
                         STATE_LABELS[InvoiceState(row.state)], row.total) for row in rows]


def count_invoices(ctx: Context, state: object) -> int:
    """How many invoices are in ``state`` (the home page's tiles: one COUNT, no view built)."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return session.scalar(select(func.count()).select_from(Invoice)
                              .where(Invoice.state == parse_state(state).value)) or 0


def french_date(iso: str) -> str:
    """``2025-01-14`` → ``14/01/2025`` (views carry ISO dates; desks read JJ/MM/AAAA)."""
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def invoice_ids(ctx: Context) -> list[int]:
    """Every invoice's internal number, oldest first (what a full verification walks through)."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return list(session.scalars(select(Invoice.id).order_by(Invoice.id)))


# --- an invoice's details page --------------------------------------------------------------------------------------

#: The audit actions of an invoice, as a desk reads them (an unknown one is shown as stored).
HISTORY_LABELS = {
    "invoice.create": "création", "invoice.edit": "modification", "invoice.check_rates": "contrôle des taux",
    "invoice.secure": "sécurisation", "invoice.sign_first": "première signature",
    "invoice.sign_final": "signature finale", "invoice.signing_prepared": "signature préparée",
    "invoice.signing_released": "signature abandonnée", "invoice.payment_add": "paiement ajouté",
    "invoice.payment_remove": "paiement retiré", "invoice.attach": "pièce jointe",
    "invoice.paper_sent": "feuille de soins envoyée sur papier", "invoice.delete": "suppression",
    "invoice.cancel": "annulation par un avoir", "invoice.credit_note": "avoir",
    "invoice.credit_note_draft": "avoir préparé", "invoice.credit_note_redated": "avoir redaté",
    "invoice.add_to_lot": "mise en lot", "invoice.remove_from_lot": "retrait du lot", "invoice.send": "envoi",
    "invoice.acknowledge": "accusé de réception (ARL)", "invoice.pay": "payée", "invoice.pay_part":
    "payée partiellement", "invoice.reject": "rejetée", "invoice.flag_anomaly": "en anomalie",
    "invoice.unmatch": "dissociée de son retour", "invoice.portable_load": "chargée sur le lecteur portable",
    "invoice.portable_unload": "déchargée du lecteur portable", "invoice.portable_sign":
    "signature sur le lecteur portable", "invoice.portable_delete": "supprimée du lecteur portable",
}


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    label: str


@dataclass(frozen=True)
class InvoiceLot:
    id: int
    number: str
    kind: str
    state: str
    state_label: str
    live: bool


@dataclass(frozen=True)
class InvoiceDetails:
    """What the details page of an invoice shows, and which of its actions its state allows (the services
    refuse the others all the same)."""

    invoice: ListedInvoice
    lots: list[InvoiceLot]
    history: list[HistoryEntry]
    credit_note_id: int | None      # the credit note that cancelled it
    can_delete: bool
    can_cancel: bool
    can_finalise: bool              # « à sécuriser »: the final signature with the billing professional's CPS
    can_pay: bool
    can_attach: bool
    degraded: bool                  # secured in degraded mode: a care sheet to print, attach or send on paper

    @property
    def view(self) -> views.InvoiceView:
        return self.invoice.view


def details(ctx: Context, ref: object) -> InvoiceDetails:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        row = state.load(session, ref)
        view = views.view(session, row)
        patient = session.get(Patient, row.patient_id) if row.patient_id is not None else None
        pro = session.get(Professional, row.professional_id)
        listed = ListedInvoice(
            view=view, patient=f"{patient.last_name} {patient.first_name or ''}".strip() if patient else "",
            professional=f"{pro.last_name} {pro.first_name} : {format_billing_number(row.billing_number)}"
            if pro else format_billing_number(row.billing_number))
        lots = [InvoiceLot(lot.id, lot.number, lot.kind, lot.state, LOT_LABELS[LotState(lot.state)], bool(link.live))
                for link, lot in session.execute(select(LotInvoice, Lot).join(Lot, Lot.id == LotInvoice.lot_id)
                                                 .where(LotInvoice.invoice_id == row.id).order_by(LotInvoice.id))]
        history = [HistoryEntry(at, actor, action, HISTORY_LABELS.get(action, action))
                   for at, actor, action in session.execute(
                       select(AuditEntry.at, AuditEntry.actor, AuditEntry.action)
                       .where(AuditEntry.entity == "invoice", AuditEntry.entity_id == str(row.id))
                       .order_by(AuditEntry.id))]
        credit = session.scalar(select(Invoice.id).where(Invoice.credit_of == row.id))
        current = InvoiceState(row.state)
        is_credit = row.credit_of is not None
        return InvoiceDetails(
            invoice=listed, lots=lots, history=history, credit_note_id=credit,
            can_delete=(current, Event.DELETE) in TRANSITIONS and not is_credit,
            can_cancel=(current, Event.CANCEL) in TRANSITIONS and not is_credit,
            can_finalise=(current, Event.SIGN_FINAL) in TRANSITIONS,
            can_pay=current not in views.CLOSED and not is_credit,
            can_attach=current not in views.CLOSED,
            degraded=row.secure_mode == SecureMode.DEGRADE and row.number is not None
            and current not in views.CLOSED)

"""What the interfaces read of lots: the manual's « Télétransmis » list (Date réception, Date lot, Lot, Org. Dest.,
Etat lot, Libellé ARL/RSP, Trait. Erreur, Manuel, id PS) and one lot with its invoices and history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from feuille.auth import Context, Permission, require
from feuille.domain.lots import CERTIFICATION_LABELS, HISTORY_LABELS, LABELS, Certification, LotEvent, LotState
from feuille.errors import ValidationError, quoted
from feuille.money import format_amount
from feuille.storage.models import B2FileRow, Invoice, Lot, LotEventRow, LotInvoice, Patient, Professional
from feuille.transmission import lot_state

MAX_LIST = 1000


def parse_state(value: object) -> LotState:
    """A lot state as a user types it: its code (``expedie``) or the manual's words (« Lot expédié »)."""
    text = str(value).strip()
    for state, label in LABELS.items():
        if text.lower() in (state.value, label.lower()):
            return state
    raise ValidationError(f"État de lot {quoted(value)} inconnu (états : {', '.join(s.value for s in LotState)}).",
                          code="lot_state_name", field="etat")


@dataclass(frozen=True)
class LotRow:
    id: int
    received_on: date | None
    lot_date: date
    number: str
    recipient: str
    state: str
    arl_label: str | None
    handling: str | None
    billing_number: str
    certification: str
    invoice_count: int
    totals: dict[str, str]
    file_id: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "date_reception": self.received_on.isoformat() if self.received_on else None,
                "date_lot": self.lot_date.isoformat(), "lot": self.number, "org_dest": self.recipient,
                "etat": self.state, "etat_lot": LABELS[LotState(self.state)], "libelle_arl": self.arl_label or "",
                "traitement": self.handling or "", "id_ps": self.billing_number,
                "certification": self.certification,
                "certification_libelle": CERTIFICATION_LABELS[Certification(self.certification)],
                "factures": self.invoice_count, **self.totals, "fichier": self.file_id}


def _row(lot: Lot, billing_number: str, file_id: str | None) -> LotRow:
    totals = {"montant": format_amount(lot.total_fees), "montant_ro": format_amount(lot.total_amo),
              "montant_rc": format_amount(lot.total_amc)}
    return LotRow(lot.id, lot.received_on, lot.lot_date, lot.number, lot.recipient, lot.state, lot.arl_label,
                  lot.handling, billing_number, lot.certification, lot.invoice_count, totals, file_id)


def listing(ctx: Context, state: object | None = None, *, limit: int = MAX_LIST) -> list[LotRow]:
    """The lots, newest first (at most ``limit``), of one state when given."""
    require(ctx, Permission.READ)
    query = (select(Lot, Professional.billing_number, B2FileRow.file_id)
             .join(Professional, Professional.id == Lot.professional_id)
             .outerjoin(B2FileRow, B2FileRow.id == Lot.b2_file_id).order_by(Lot.id.desc()).limit(limit))
    if state is not None:
        query = query.where(Lot.state == parse_state(state).value)
    with ctx.db.read() as session:
        return [_row(lot, billing, file_id) for lot, billing, file_id in session.execute(query)]


@dataclass(frozen=True)
class LotDetail:
    lot: LotRow
    invoices: list[dict[str, Any]]
    history: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {**self.lot.to_json(), "factures_du_lot": self.invoices, "historique": self.history}


def detail(ctx: Context, ref: object) -> LotDetail:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        lot = lot_state.load(session, ref)
        billing = session.scalar(select(Professional.billing_number).where(Professional.id == lot.professional_id))
        file_id = session.scalar(select(B2FileRow.file_id).where(B2FileRow.id == lot.b2_file_id)) \
            if lot.b2_file_id else None
        invoices = [{"position": position, "id": invoice.id, "numero": invoice.number,
                     "date": invoice.invoice_date.isoformat(), "nom": last or "", "prenom": first or "",
                     "montant": format_amount(invoice.total), "montant_ro": format_amount(invoice.amo),
                     "montant_rc": format_amount(invoice.amc), "etat": invoice.state, "dans_le_lot": bool(live)}
                    for position, live, invoice, last, first in session.execute(
                        select(LotInvoice.position, LotInvoice.live, Invoice, Patient.last_name, Patient.first_name)
                        .join(Invoice, Invoice.id == LotInvoice.invoice_id)
                        .outerjoin(Patient, Patient.id == Invoice.patient_id)
                        .where(LotInvoice.lot_id == lot.id).order_by(LotInvoice.position))]
        history = [{"date": event.at.isoformat(), "evenement": event.event, "de": event.state_from,
                    "vers": event.state_to, "par": event.actor, "detail": event.detail,
                    "libelle": _label(HISTORY_LABELS, LotEvent, event.event),
                    "de_libelle": _label(LABELS, LotState, event.state_from) if event.state_from else "",
                    "vers_libelle": _label(LABELS, LotState, event.state_to)}
                   for event in session.scalars(select(LotEventRow).where(LotEventRow.lot_id == lot.id)
                                                .order_by(LotEventRow.id))]
        return LotDetail(_row(lot, billing or "", file_id), invoices, history)


def _label(labels: Mapping[Any, str], kind: type[StrEnum], code: str) -> str:
    """A stored code's French label (the code itself if a newer version wrote one this one does not know)."""
    try:
        return labels[kind(code)]
    except ValueError:
        return code

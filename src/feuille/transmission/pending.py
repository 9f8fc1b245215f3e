"""« À télétransmettre »: the invoices waiting to be sent, as manual 003 section VI lists them, each with why it is
held when it cannot go (the manual's « TP calculé », « FSE supprimée », and the blocking rules of its section XI).

One rule decides what may be lotted: billing's :func:`feuille.billing.views.unsendable_reason` (the invoice
itself: secured, final signature, care sheet of a degraded one), completed here by the practice's rules
(:func:`reasons`): the insured's AMO organism known, rights open on the invoice's date, the régime's
teletransmission active, the automatic blocking, missing SCOR pieces. ``feuille.transmission.lotting`` lots the
invoices for which :func:`reasons` is empty, and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.billing import views
from feuille.billing.state_bulk import chunks
from feuille.domain import lots as lot_domain
from feuille.domain.invoices import MODE_LABELS, InvoiceState, SecureMode
from feuille.domain.patients import PeriodKind
from feuille.money import format_amount
from feuille.storage.models import (
    AmcContract,
    Invoice,
    InvoiceAttachment,
    LotInvoice,
    Patient,
    PatientPeriod,
    PortableLoad,
    TransmissionRelease,
)
from feuille.transmission import scor_pieces
from feuille.transmission import settings as transmission_settings
from feuille.transmission.settings import TransmissionSettings

#: States listed: the FSE to send, those not created yet (« TP calculé ») or half signed, and recent cancellations.
LISTED = (InvoiceState.PRICED.value, InvoiceState.PARTLY_SECURED.value, InvoiceState.SECURED.value,
          InvoiceState.CANCELLED.value)
#: feuille's own: a cancelled invoice (« FSE supprimée ») stays in the list this long after its cancellation.
CANCELLED_SHOWN = timedelta(days=30)
BATCH = 2000
PRESCRIPTION = "ordonnance"

LIST_LIMIT = 500   # rows of the list « À télétransmettre » (the home tile says « 500+ » beyond)


@dataclass(frozen=True)
class Candidate:
    """One invoice of the list, with what lotting needs (its destination and certification) and its reasons."""

    id: int
    number: int | None
    state: str
    professional_id: int
    invoice_date: date
    last_name: str
    first_name: str
    total: Decimal
    amo: Decimal
    amc: Decimal
    due_by_patient: Decimal
    secure_mode: str | None
    regime: str | None
    caisse: str | None
    centre: str | None
    mutuelle: str
    pieces: int
    reasons: tuple[str, ...]

    @property
    def sendable(self) -> bool:
        return not self.reasons

    @property
    def certification(self) -> lot_domain.Certification:
        return lot_domain.certification(self.secure_mode)

    def to_json(self) -> dict[str, Any]:
        """The manual's columns (Nom, Prénom, Facture, N°Fact, M€ Fact, M€ RO, RO, M€ RC, RC, Caisse RO, Mutuelle,
        Etat FSE, PJ, SV), then why it is held."""
        mode = SecureMode(self.secure_mode) if self.secure_mode else None
        # Tiers payant read from the amounts: the patient owes less than the total minus the insurer's part.
        ro_tp = self.amo > 0 and self.due_by_patient <= self.total - self.amo
        rc_tp = self.amc > 0 and self.due_by_patient <= self.total - self.amo - self.amc
        return {
            "id": self.id, "nom": self.last_name.upper(), "prenom": self.first_name,
            "facture": self.invoice_date.isoformat(), "numero": self.number,
            "montant": format_amount(self.total), "montant_ro": format_amount(self.amo), "ro": "TP" if ro_tp else "",
            "montant_rc": format_amount(self.amc), "rc": "TP" if rc_tp else "",
            "caisse_ro": " ".join(x for x in (self.regime, self.caisse, self.centre) if x),
            "mutuelle": self.mutuelle, "etat_fse": self.state_label, "pj": self.pieces,
            "sv": lot_domain.certification(mode).value if mode and self.state == InvoiceState.SECURED else "",
            "sv_libelle": MODE_LABELS[mode] if mode else "", "a_envoyer": self.sendable,
            "raisons": list(self.reasons),
        }

    @property
    def state_label(self) -> str:
        held = views.HELD_BY_STATE.get(InvoiceState(self.state))
        return held or ("Sécurisé" if self.state == InvoiceState.SECURED else self.state)


def _listed(now: datetime) -> tuple[Any, ...]:
    """What puts an invoice in the list: its state, not a credit note, not in a live FSE lot, a cancelled one for
    :data:`CANCELLED_SHOWN` only. One definition for the list and its count."""
    in_lot = exists().where(LotInvoice.invoice_id == Invoice.id, LotInvoice.live.is_(True),
                            LotInvoice.kind == lot_domain.LotKind.FSE.value)   # a DRE lot holds no FSE
    return (Invoice.state.in_(LISTED), Invoice.credit_of.is_(None), ~in_lot,
            (Invoice.state != InvoiceState.CANCELLED.value) | (Invoice.updated_at >= now - CANCELLED_SHOWN))


def _query(now: datetime) -> Any:
    """Every invoice listed, with its patient's AMO organism and names, its selected complementary, whether it has
    a care sheet, a prescription photo, a release from the blocking; never one already in a live lot."""
    care_sheet = exists().where(InvoiceAttachment.invoice_id == Invoice.id,
                                InvoiceAttachment.kind == views.CARE_SHEET)
    prescription = exists().where(InvoiceAttachment.invoice_id == Invoice.id, InvoiceAttachment.kind == PRESCRIPTION)
    released = exists().where(TransmissionRelease.invoice_id == Invoice.id)
    on_reader = exists().where(PortableLoad.invoice_id == Invoice.id, PortableLoad.current.is_(True))
    mutuelle = (select(AmcContract.amc_name).where(AmcContract.patient_id == Invoice.patient_id,
                                                   AmcContract.selected.is_(True))
                .order_by(AmcContract.id).limit(1).scalar_subquery())
    pieces = (select(InvoiceAttachment.id).where(InvoiceAttachment.invoice_id == Invoice.id).exists())
    return (select(Invoice.id, Invoice.number, Invoice.state, Invoice.professional_id, Invoice.invoice_date,
                   Invoice.total, Invoice.amo, Invoice.amc, Invoice.due_by_patient, Invoice.secure_mode,
                   Invoice.paper_sent, Invoice.patient_id, Invoice.document, Patient.last_name, Patient.first_name,
                   Patient.amo_regime, Patient.amo_caisse, Patient.amo_centre, mutuelle.label("mutuelle"),
                   care_sheet.label("care_sheet"), prescription.label("prescription"), released.label("released"),
                   pieces.label("pieces"), on_reader.label("on_reader"))
            .outerjoin(Patient, Patient.id == Invoice.patient_id)
            .where(*_listed(now)))


def _rights(session: Session, patient_ids: set[int]) -> dict[int, list[tuple[date, date | None]]]:
    """The AMO rights periods of these patients (« Droits AMO »), by patient."""
    out: dict[int, list[tuple[date, date | None]]] = {}
    for batch in chunks(sorted(patient_ids)):
        for row in session.execute(select(PatientPeriod.patient_id, PatientPeriod.start_date, PatientPeriod.end_date)
                                   .where(PatientPeriod.patient_id.in_(batch),
                                          PatientPeriod.kind == PeriodKind.DROITS.value)):
            out.setdefault(row.patient_id, []).append((row.start_date, row.end_date))
    return out


Organism = tuple[str | None, str | None, str | None]


def destination(row: Any) -> Organism:
    """The insured's AMO organism (régime, caisse, centre) as frozen in the invoice when it was written
    (``record_rights.beneficiary``, the one its B2 records carry); the patient record's for an invoice written
    before feuille froze it."""
    try:
        frozen = (json.loads(row.document).get("record_rights") or {}).get("beneficiary") or {}
    except (ValueError, AttributeError):
        frozen = {}
    if isinstance(frozen, dict) and frozen.get("amo_regime"):
        return frozen.get("amo_regime"), frozen.get("amo_caisse"), frozen.get("amo_centre")
    return row.amo_regime, row.amo_caisse, row.amo_centre


def reasons(row: Any, settings: TransmissionSettings, rights: Sequence[tuple[date, date | None]] | None,
            organism: Organism, missing: Sequence[str] = ()) -> list[str]:
    """Why this invoice is held (empty: it goes in the next lot). ``rights``: the patient's AMO rights periods;
    ``organism``: its :func:`destination`; ``missing``: its SCOR pieces missing, not checked or not conforming
    (``scor_pieces.missing_pieces``), which hold it when « Blocage … si documents absents » is on."""
    base = views.unsendable_reason(row, bool(row.care_sheet))
    if base is not None:
        return [base]
    out = []
    if row.on_reader:
        out.append("sur un lecteur portable : déchargez-la (feuille lecteur decharger)")
    regime, caisse, centre = organism
    if not (regime and caisse and centre):
        out.append("organisme AMO du patient inconnu (régime, caisse, centre)")
    elif not settings.regime_active(regime):
        out.append(f"régime {regime} non télétransmis (contrôle télétransmission active du régime)")
    if rights and not any(start <= row.invoice_date and (end is None or row.invoice_date <= end)
                          for start, end in rights):
        out.append(f"droits AMO fermés à la date des soins ({row.invoice_date:%d/%m/%Y})")
    if settings.blocage_scor:
        out.extend(missing)
    if settings.blocage_automatique and not row.released:
        out.append(f"blocage automatique : à débloquer (feuille teletransmission debloquer {row.id})")
    return out


def scan(session: Session, settings: TransmissionSettings, now: datetime, *, after: int = 0,
         limit: int | None = None, only_sendable: bool = False) -> Iterator[Candidate]:
    """The listed invoices by id from ``after``, read :data:`BATCH` at a time (memory stays flat on a year)."""
    query = _query(now)
    given = 0
    while limit is None or given < limit:
        rows = session.execute(query.where(Invoice.id > after).order_by(Invoice.id).limit(BATCH)).all()
        if not rows:
            return
        rights = _rights(session, {row.patient_id for row in rows if row.patient_id is not None})
        missing = scor_pieces.missing_pieces(session, [row.id for row in rows]) if settings.blocage_scor else {}
        for row in rows:
            organism = destination(row)
            held = reasons(row, settings, rights.get(row.patient_id), organism, missing.get(row.id, ()))
            if only_sendable and held:
                continue
            yield Candidate(row.id, row.number, row.state, row.professional_id, row.invoice_date,
                            row.last_name or "", row.first_name or "", row.total, row.amo, row.amc,
                            row.due_by_patient, row.secure_mode, *organism,
                            row.mutuelle or "", int(bool(row.pieces)), tuple(held))
            given += 1
            if limit is not None and given >= limit:
                return
        after = rows[-1].id


def count(ctx: Context, *, limit: int = LIST_LIMIT) -> int:
    """How many rows :func:`listing` shows (at most ``limit``), counted in the database: the home page's tile
    asks at every visit, and building the rows (each invoice's JSON, its patient's rights) costs far more."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        shown = select(Invoice.id).where(*_listed(ctx.clock())).limit(limit).subquery()
        return session.scalar(select(func.count()).select_from(shown)) or 0


def listing(ctx: Context, *, limit: int = LIST_LIMIT) -> list[Candidate]:
    """The list « À télétransmettre » (newest invoices last), at most ``limit`` rows."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        settings = transmission_settings.read(session)
        return list(scan(session, settings, ctx.clock(), limit=limit))


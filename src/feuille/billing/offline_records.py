"""Visits recorded while offline, once the browser has sent them: « Factures à saisir » (manual 000).

The browser keeps each record under an id of its own until the server has stored it; it may send it again
(a sync cut in the middle, a second tab): :func:`store` stores it once. Sent again unchanged, it is a repeat and
nothing changes; changed, it is an edit, taken until billing has started from it, refused after (a conflict the
browser shows, never an overwrite). A record is listed until the invoice made from it is signed; a draft deleted
before signing leaves the visit to bill again.

Who sees a record: the user who sent it, and the users who bill as the professional it was made for (a
professional and his replacement sharing a desk); an administrator sees every record.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, Role, require
from feuille.billing import drafts, views
from feuille.domain.fields import search_key
from feuille.domain.invoices import InvoiceState
from feuille.domain.offline_records import OfflineRecordInput, parse_record
from feuille.errors import ConflictError, NotFoundError, ValidationError
from feuille.storage.models import Invoice, OfflineRecord, Patient, User

TO_BILL = "a_saisir"
DELETED = "supprimee"
#: States of the invoice made from a record in which the visit is still to bill (not signed yet).
NOT_SIGNED = (InvoiceState.DRAFT.value, InvoiceState.PRICED.value, InvoiceState.DELETED.value)
LIST_LIMIT = 1000


@dataclass(frozen=True)
class OfflineRecordView:
    id: int
    client_id: str
    state: str
    typed_at: datetime
    received_at: datetime
    patient_is_insured: bool
    nir_known: bool
    last_name: str
    first_name: str
    nir: str | None
    birth_date: str | None          # JJ/MM/AAAA
    rank: int | None
    insured_last_name: str | None
    insured_first_name: str | None
    care_at: datetime
    note: str | None
    acts: tuple[dict[str, str | None], ...]
    invoice_id: int | None
    sent_by: str

    @property
    def patient(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "id_client": self.client_id, "etat": self.state,
                "saisi_le": self.typed_at.isoformat(), "recu_le": self.received_at.isoformat(),
                "patient_est_assure": self.patient_is_insured, "nir_connu": self.nir_known, "nom": self.last_name,
                "prenom": self.first_name, "nir": self.nir, "date_naissance": self.birth_date, "rang": self.rank,
                "assure_nom": self.insured_last_name, "assure_prenom": self.insured_first_name,
                "date_soins": self.care_at.isoformat(timespec="minutes"), "note": self.note,
                "actes": list(self.acts), "facture": self.invoice_id, "envoye_par": self.sent_by}


@dataclass(frozen=True)
class Stored:
    """What :func:`store` did: ``enregistre`` (new), ``deja_recu`` (a repeat, nothing changed), ``modifie``."""

    record: OfflineRecordView
    outcome: str

    @property
    def created(self) -> bool:
        return self.outcome == "enregistre"


def _view(row: OfflineRecord, login: str) -> OfflineRecordView:
    birth = f"{row.birth_date[6:]}/{row.birth_date[4:6]}/{row.birth_date[:4]}" if row.birth_date else None
    return OfflineRecordView(row.id, row.client_id, row.state, row.typed_at, row.received_at,
                             row.patient_is_insured, row.nir_known, row.last_name, row.first_name, row.nir, birth,
                             row.rank, row.insured_last_name, row.insured_first_name, row.care_at, row.note,
                             tuple(json.loads(row.acts)), row.invoice_id, login)


def _values(record: OfflineRecordInput) -> dict[str, object]:
    return {"digest": record.digest(), "typed_at": record.typed_at, "patient_is_insured": record.patient_is_insured,
            "nir_known": record.nir_known, "last_name": record.last_name, "first_name": record.first_name,
            "nir": record.nir, "birth_date": record.birth_date, "rank": record.rank,
            "insured_last_name": record.insured_last_name, "insured_first_name": record.insured_first_name,
            "care_at": record.care_at, "note": record.note,
            "acts": json.dumps([{"code": a.code, "coefficient": a.coefficient} for a in record.acts])}


def _acting_user(ctx: Context, session: Session) -> User:
    user = session.get(User, ctx.actor.user_id) if ctx.actor.user_id else None
    if user is None:
        raise ValidationError("Utilisateur : un utilisateur enregistré envoie les enregistrements hors connexion.",
                              code="validation", field="utilisateur")
    return user


def _billing_started(session: Session, row: OfflineRecord) -> bool:
    """Billing has started from the record: an invoice made from it exists and was not deleted."""
    if row.invoice_id is None:
        return False
    state = session.scalar(select(Invoice.state).where(Invoice.id == row.invoice_id))
    return state is not None and state != InvoiceState.DELETED.value


def store(ctx: Context, data: Mapping[str, object]) -> Stored:
    """Store a record the browser sent (see the module's doc); one transaction, audited when it changes."""
    require(ctx, Permission.INVOICE_DRAFT)
    now = ctx.clock()
    record = parse_record(data, now)
    with ctx.db.transaction() as session:
        user = _acting_user(ctx, session)
        row = session.scalar(select(OfflineRecord).where(OfflineRecord.user_id == user.id,
                                                         OfflineRecord.client_id == record.client_id)
                             .with_for_update())
        values = _values(record)
        if row is not None and row.digest == values["digest"]:
            return Stored(_view(row, user.login), "deja_recu")
        if row is None:
            row = OfflineRecord(user_id=user.id, professional_id=user.professional_id, client_id=record.client_id,
                                version=1, state=TO_BILL, received_at=now, updated_at=now, **values)
            session.add(row)
            session.flush()
            outcome, action = "enregistre", "offline.record"
        else:
            _refuse_edit(session, row)
            for name, value in values.items():
                setattr(row, name, value)
            row.version += 1
            row.updated_at = now
            outcome, action = "modifie", "offline.record_edit"
        audit.record(session, actor=ctx.actor.login, at=now, action=action, entity="offline_record",
                     entity_id=str(row.id), data={"id_client": row.client_id, "version": row.version})
        return Stored(_view(row, user.login), outcome)


def _refuse_edit(session: Session, row: OfflineRecord) -> None:
    if row.state == DELETED:
        raise ConflictError(f"L'enregistrement du {row.care_at:%d/%m/%Y} ({row.last_name.upper()} {row.first_name}) "
                            "a été supprimé : la modification n'est pas reprise.", code="offline_record_deleted",
                            field="id_client")
    if _billing_started(session, row):
        raise ConflictError(f"L'enregistrement du {row.care_at:%d/%m/%Y} ({row.last_name.upper()} {row.first_name}) "
                            f"est déjà en facturation (facture n° interne {row.invoice_id}) : la modification "
                            "n'est pas reprise.", code="offline_record_billed", field="id_client")


def _visible(ctx: Context) -> ColumnElement[bool]:
    if ctx.actor.role == Role.ADMINISTRATEUR:
        return OfflineRecord.id.is_not(None)
    if not ctx.actor.user_id:
        return false()
    mine = select(User.professional_id).where(User.id == ctx.actor.user_id).scalar_subquery()
    return or_(OfflineRecord.user_id == ctx.actor.user_id, OfflineRecord.professional_id == mine)


def _to_bill(ctx: Context) -> Any:
    """The records still to bill that this user sees: not deleted, no signed invoice made from them yet."""
    signed = (select(Invoice.id).where(Invoice.id == OfflineRecord.invoice_id, Invoice.state.not_in(NOT_SIGNED))
              .exists())
    return (OfflineRecord.state == TO_BILL, ~signed, _visible(ctx))


def to_bill(ctx: Context, limit: int = LIST_LIMIT) -> list[OfflineRecordView]:
    """« Factures à saisir »: newest visit first."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        rows = session.execute(select(OfflineRecord, User.login).join(User, User.id == OfflineRecord.user_id)
                               .where(*_to_bill(ctx)).order_by(OfflineRecord.care_at.desc(), OfflineRecord.id.desc())
                               .limit(limit)).all()
        return [_view(row, login) for row, login in rows]


def count_to_bill(ctx: Context) -> int:
    """The home tile « Factures à saisir »: one COUNT over the list's own conditions."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return session.scalar(select(func.count()).select_from(OfflineRecord).where(*_to_bill(ctx))) or 0


def _one(ctx: Context, session: Session, record_id: object) -> tuple[OfflineRecord, str]:
    number = record_id if isinstance(record_id, int) and not isinstance(record_id, bool) else None
    found = session.execute(select(OfflineRecord, User.login).join(User, User.id == OfflineRecord.user_id)
                            .where(OfflineRecord.id == number, _visible(ctx))).one_or_none() if number else None
    if found is None:
        raise NotFoundError("Enregistrement hors connexion introuvable.", code="offline_record_unknown",
                            field="enregistrement")
    return found[0], found[1]


def detail(ctx: Context, record_id: object) -> OfflineRecordView:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        row, login = _one(ctx, session, record_id)
        return _view(row, login)


def remove(ctx: Context, record_id: object) -> OfflineRecordView:
    """« Supprimer »: the record leaves the list (kept, marked deleted, for the audit); idempotent."""
    require(ctx, Permission.INVOICE_DRAFT)
    with ctx.db.transaction() as session:
        row, login = _one(ctx, session, record_id)
        if row.state == DELETED:
            return _view(row, login)
        if _billing_started(session, row):
            _refuse_edit(session, row)
        row.state, row.updated_at, row.version = DELETED, ctx.clock(), row.version + 1
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="offline.record_delete",
                     entity="offline_record", entity_id=str(row.id), data={"id_client": row.client_id})
        return _view(row, login)


def remove_sent(ctx: Context, client_id: object) -> OfflineRecordView | None:
    """The browser deleted a record it had sent: the same, found by its id there (None: never received)."""
    require(ctx, Permission.INVOICE_DRAFT)
    with ctx.db.read() as session:
        found = session.scalar(select(OfflineRecord.id).where(OfflineRecord.user_id == ctx.actor.user_id,
                                                              OfflineRecord.client_id == str(client_id)[:64]))
    return remove(ctx, found) if found is not None else None


def link_invoice(ctx: Context, record_id: object, invoice_id: int) -> OfflineRecordView:
    """Billing started from the record: the draft made from it. A record already billed by another invoice still
    being drafted is moved to the new one; one already signed is refused."""
    require(ctx, Permission.INVOICE_DRAFT)
    with ctx.db.transaction() as session:
        row, login = _one(ctx, session, record_id)
        if session.get(Invoice, invoice_id) is None:
            raise NotFoundError("Facture introuvable.", code="not_found", field="facture")
        _link(ctx, session, row, invoice_id)
        return _view(row, login)


def _check_billable(session: Session, row: OfflineRecord) -> None:
    if row.state == DELETED:
        _refuse_edit(session, row)
    if row.invoice_id is not None and session.scalar(
            select(Invoice.state).where(Invoice.id == row.invoice_id)) not in (None, *NOT_SIGNED):
        raise ConflictError(f"L'enregistrement est déjà facturé (facture n° interne {row.invoice_id}).",
                            code="offline_record_billed", field="enregistrement")


def _link(ctx: Context, session: Session, row: OfflineRecord, invoice_id: int) -> None:
    if row.invoice_id == invoice_id:
        return
    _check_billable(session, row)
    row.invoice_id, row.updated_at, row.version = invoice_id, ctx.clock(), row.version + 1
    audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="offline.record_link",
                 entity="offline_record", entity_id=str(row.id), data={"invoice_id": invoice_id})


def create_draft_for(ctx: Context, record_id: object, document: object) -> views.InvoiceView:
    """« Lancer la facturation » ended by « Créer la facture »: the draft made and the record tied to it, in one
    transaction (a fault between the two would leave the visit to bill twice)."""
    require(ctx, Permission.INVOICE_DRAFT)
    with ctx.db.transaction() as session:
        row, _ = _one(ctx, session, record_id)
        _check_billable(session, row)
        view = drafts.create_in(ctx, session, document)
        _link(ctx, session, row, view.id)
        return view


def for_invoice(ctx: Context, invoice_id: int) -> OfflineRecordView | None:
    """The record an invoice was made from (its note is shown at every step of the billing), if any."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        found = session.execute(select(OfflineRecord, User.login).join(User, User.id == OfflineRecord.user_id)
                                .where(OfflineRecord.invoice_id == invoice_id, _visible(ctx))
                                .order_by(OfflineRecord.id.desc()).limit(1)).first()
        return _view(found[0], found[1]) if found else None


def find_patient(ctx: Context, record_id: object) -> int | None:
    """The patient of the practice the record names, when exactly one matches: by the insured's NIR, then the
    birth date, rank and names typed; without a NIR, by names and birth date. None: to create (or choose)."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        row, _ = _one(ctx, session, record_id)
        query = select(Patient.id, Patient.last_name_key, Patient.first_name_key, Patient.birth_date, Patient.rank)
        if row.nir:
            query = query.where(Patient.insured_nir == row.nir)
        elif row.birth_date:
            query = query.where(Patient.birth_date == row.birth_date,
                                Patient.last_name_key == search_key(row.last_name))
        else:
            return None
        found = session.execute(query.limit(50)).all()
    checks: tuple[Callable[[Any], bool], ...] = (
        lambda p: not row.birth_date or p.birth_date == row.birth_date,
        lambda p: row.rank is None or p.rank == row.rank,
        lambda p: p.last_name_key == search_key(row.last_name),
        lambda p: p.first_name_key == search_key(row.first_name))
    for keep in checks:   # narrowed while several match; a check that would leave none is skipped
        if len(found) <= 1:
            break
        found = [p for p in found if keep(p)] or found
    return found[0].id if len(found) == 1 else None

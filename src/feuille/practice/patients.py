"""Patients: create (by hand, from a Vitale card, in bulk), search by name prefix, show, edit, delete.

``data`` everywhere is a mapping whose keys are ``feuille.domain.patients.PATIENT_FIELDS`` plus
``amo_organism_id`` (pick the AMO organism from the practice's list instead of typing its codes). Values are what
a user typed or a file held (strings, or already-typed ``date`` / ``Decimal`` / ``bool``); the domain validates
them and every error names its field in French.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.domain import fields
from feuille.domain import organisms as org
from feuille.domain import patients as dom
from feuille.errors import ConflictError, ValidationError
from feuille.practice.amc_contracts import ContractView, insert_contract, load_patient_row
from feuille.practice.organisms import load_amo
from feuille.practice.patient_search import PatientSummary, search_patients
from feuille.storage import request_keys
from feuille.storage.models import AmoOrganism, Invoice, Patient, PatientPeriod, WorkAccident
from feuille.storage.retry import use_case

SOURCES = ("manual", "carte", "import")
__all__ = ["PatientSummary", "PatientView", "Saved", "create_patient", "create_patient_from_card",
           "create_patient_once", "delete_patient", "get_patient", "search_patients", "update_patient"]
PATIENT_COLUMNS = ("last_name", "first_name", "rank", "quality", "beneficiary_nir", "phone", "phone2", "address",
            "postcode", "town", "extra_info", "ik", "ikm", "iks", "insured_last_name", "insured_first_name",
            "insured_nir", "amo_regime", "amo_caisse", "amo_centre", "amo_management_code", "amo_proof",
            "reimbursement_rate", "exoneration", "ald", "alsace_moselle")


@dataclass(frozen=True)
class Saved:
    id: int
    warnings: tuple[str, ...] = ()
    created: bool = True


@dataclass(frozen=True)
class PatientView:
    id: int
    source: str
    birth_date: str  # as displayed, JJ/MM/AAAA
    birth: str  # as stored, AAAAMMJJ (00 for a lunar date's unknown day or month)
    lunar: bool
    amo_organism_id: int | None
    values: dict[str, Any]
    periods: list[dict[str, Any]]
    work_accidents: list[dict[str, Any]]
    contracts: list[ContractView]
    warnings: list[str] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(name)


# --- reading rows back as the domain's input --------------------------------------------------------------------

def _periods_of(row: Patient) -> list[dict[str, Any]]:
    return [{"kind": p.kind, "start": p.start_date, "end": p.end_date, "code": p.code} for p in row.periods]


def _accidents_of(row: Patient) -> list[dict[str, Any]]:
    return [{"date": a.accident_date, "identifier": a.identifier, "code": a.code, "organism": a.organism}
            for a in row.work_accidents]


def _data_of(row: Patient) -> dict[str, object]:
    data: dict[str, object] = {name: getattr(row, name) for name in PATIENT_COLUMNS}
    data.update(birth_date=row.birth_date, lunar=row.lunar, periods=_periods_of(row),
                work_accidents=_accidents_of(row))
    return data


def _view(row: Patient) -> PatientView:
    values = {name: getattr(row, name) for name in PATIENT_COLUMNS}
    birth = dom.BirthDate(row.birth_date, row.lunar)
    return PatientView(id=row.id, source=row.source, birth_date=birth.display(), birth=row.birth_date,
                       lunar=row.lunar, amo_organism_id=row.amo_organism_id, values=values, periods=_periods_of(row),
                       work_accidents=_accidents_of(row), contracts=[ContractView.of(c) for c in row.contracts],
                       warnings=row.warnings.splitlines() if row.warnings else [])


# --- checks -------------------------------------------------------------------------------------------------------

def check_not_future(record: dom.PatientRecord, today: date) -> None:
    born = record.birth_date.as_date()
    if (born is not None and born > today) or record.birth_date.year > today.year:
        raise ValidationError(f"Date de naissance : {record.birth_date.display()} est dans le futur.",
                              code="date_future", field="birth_date")


def find_duplicate(session: Session, record: dom.PatientRecord, exclude_id: int | None = None) -> int | None:
    """Same insured NIR + birth date + rank; without a NIR, same name, first name and birth date."""
    if record.insured_nir:
        query = select(Patient.id).where(Patient.insured_nir == record.insured_nir,
                                         Patient.birth_date == record.birth_date.value,
                                         Patient.rank == record.rank)
    else:
        query = select(Patient.id).where(Patient.last_name_key == record.last_name_key,
                                         Patient.first_name_key == record.first_name_key,
                                         Patient.birth_date == record.birth_date.value)
    if exclude_id is not None:
        query = query.where(Patient.id != exclude_id)
    return session.scalar(query.limit(1))


def duplicate_error(record: dom.PatientRecord, found: int) -> ConflictError:
    who = f"{record.last_name} {record.first_name or ''}".strip()
    if record.insured_nir:
        return ConflictError(f"Patient déjà enregistré (n° {found}) : même NIR d'assuré {record.insured_nir}, "
                             f"même date de naissance {record.birth_date.display()} et même rang {record.rank}.",
                             code="patient_duplicate", field="insured_nir")
    return ConflictError(f"Patient déjà enregistré (n° {found}) : {who}, né(e) le {record.birth_date.display()}.",
                         code="patient_duplicate", field="last_name")


def split_organism(data: Mapping[str, object]) -> tuple[dict[str, object], object]:
    values = dict(data)
    return values, values.pop("amo_organism_id", None)


def apply_organism(session: Session, record: dom.PatientRecord, organism_id: object) -> tuple[dom.PatientRecord,
                                                                                               int | None]:
    """Picked from the list: its codes fill (or must equal) the typed régime / caisse / centre."""
    if organism_id in (None, ""):
        return record, None
    organism = load_amo(session, organism_id)
    typed = (record.amo_regime, record.amo_caisse, record.amo_centre)
    listed = (organism.regime, organism.caisse, organism.centre)
    if record.amo_regime is not None and typed != listed:
        raise ValidationError(f"Organisme AMO : les codes saisis {' '.join(map(str, typed))} ne sont pas ceux de "
                              f"l'organisme choisi ({' '.join(listed)}).", code="amo_mismatch",
                              field="amo_organism_id")
    return replace(record, amo_regime=listed[0], amo_caisse=listed[1], amo_centre=listed[2]), organism.id


# --- writing ------------------------------------------------------------------------------------------------------

def row_values(record: dom.PatientRecord, organism_id: int | None) -> dict[str, Any]:
    """The patients-table columns of a validated record (shared by the ORM and the bulk INSERT paths)."""
    values: dict[str, Any] = {name: getattr(record, name) for name in PATIENT_COLUMNS}
    values.update(last_name_key=record.last_name_key, first_name_key=record.first_name_key,
                  birth_date=record.birth_date.value, lunar=record.birth_date.lunar, amo_organism_id=organism_id,
                  warnings="\n".join(record.warnings) or None)
    return values


def _fill(row: Patient, record: dom.PatientRecord, organism_id: int | None) -> None:
    for name, value in row_values(record, organism_id).items():
        setattr(row, name, value)


def _children(record: dom.PatientRecord) -> tuple[list[PatientPeriod], list[WorkAccident]]:
    periods = [PatientPeriod(position=i, kind=p.kind.value, start_date=p.start, end_date=p.end, code=p.code)
               for i, p in enumerate(record.periods)]
    accidents = [WorkAccident(accident_date=a.accident_date, identifier=a.identifier, code=a.code,
                              organism=a.organism) for a in record.work_accidents]
    return periods, accidents


def new_row(ctx: Context, record: dom.PatientRecord, organism_id: int | None, source: str) -> Patient:
    now = ctx.clock()
    row = Patient(source=source, created_by=ctx.actor.login, created_at=now, updated_at=now)
    _fill(row, record, organism_id)
    row.periods, row.work_accidents = _children(record)
    return row


def _summary_data(record: dom.PatientRecord, source: str) -> dict[str, Any]:
    return {"source": source, "last_name": record.last_name, "first_name": record.first_name,
            "birth_date": record.birth_date.value, "rank": record.rank, "insured_nir": record.insured_nir}


def _audit(ctx: Context, session: Session, action: str, patient_id: int, data: dict[str, Any]) -> None:
    audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action=action, entity="patient",
                 entity_id=str(patient_id), data=data)


def _flush(session: Session, record: dom.PatientRecord) -> None:
    try:
        session.flush()
    except IntegrityError:
        raise duplicate_error(record, 0) from None


def create_patient(ctx: Context, data: Mapping[str, object], *, source: str = "manual") -> Saved:
    """Create one patient (``source`` manual or import); refuses a duplicate with a ``ConflictError``."""
    require(ctx, Permission.PATIENT_IMPORT if source == "import" else Permission.PATIENT_WRITE)
    if source not in ("manual", "import"):
        raise ValidationError(f"Origine « {source} » inconnue.", code="source", field="source")
    values, organism_id = split_organism(data)
    record = dom.validate_patient(values)
    check_not_future(record, ctx.clock().date())
    with ctx.db.transaction() as session:
        return _create_in(ctx, session, record, organism_id, source)


def _create_in(ctx: Context, session: Session, record: dom.PatientRecord, organism_id: object,
               source: str) -> Saved:
    record, linked = apply_organism(session, record, organism_id)
    found = find_duplicate(session, record)
    if found is not None:
        raise duplicate_error(record, found)
    row = new_row(ctx, record, linked, source)
    session.add(row)
    _flush(session, record)
    _audit(ctx, session, "patient.create", row.id, _summary_data(record, source))
    return Saved(row.id, record.warnings)


@use_case
def create_patient_once(ctx: Context, data: Mapping[str, object], key: str | None) -> Saved:
    """:func:`create_patient` once per ``Idempotency-Key`` (``POST /api/patients``): the same key and data give
    back the patient created first (``created`` False), the same key with other data is refused (409)."""
    if key is None:
        return create_patient(ctx, data)
    key = request_keys.check_key(key)
    require(ctx, Permission.PATIENT_WRITE)
    values, organism_id = split_organism(data)
    record = dom.validate_patient(values)
    check_not_future(record, ctx.clock().date())
    with ctx.db.transaction() as session:

        def load(patient_id: int) -> Saved:
            load_patient_row(session, patient_id, "id")
            return Saved(patient_id, record.warnings, created=False)

        def create() -> tuple[Saved, int]:
            saved = _create_in(ctx, session, record, organism_id, "manual")
            return saved, saved.id

        saved, _ = request_keys.once(session, login=ctx.actor.login, scope="patient", key=key, request=data,
                                     at=ctx.clock(), load=load, create=create)
        return saved


def _changed_fields(old: dom.PatientRecord, new: dom.PatientRecord) -> list[str]:
    names = [*PATIENT_COLUMNS, "birth_date", "periods", "work_accidents"]
    return [name for name in names if getattr(old, name) != getattr(new, name)]


def _refuse_identity_change(changed: Iterable[str]) -> None:
    for name in changed:
        if name not in dom.CARD_EDITABLE:
            label = dom.FIELD_LABELS.get(name, name)
            raise ValidationError(f"{label} : non modifiable, ce patient a été créé depuis la carte Vitale (seuls "
                                  "téléphones, adresse, indemnités kilométriques et mutuelles changent).",
                                  code="read_only_field", field=name)


def update_patient(ctx: Context, patient_id: object, changes: Mapping[str, object]) -> Saved:
    """Edit; a patient created from a card keeps its identity and AMO fields read-only."""
    require(ctx, Permission.PATIENT_WRITE)
    fields.reject_unknown(changes, dom.PATIENT_FIELDS | {"amo_organism_id"})
    with ctx.db.transaction() as session:
        row = load_patient_row(session, patient_id, "id")
        from_card = row.source == "carte"
        old = dom.validate_patient(_data_of(row), from_card=from_card)
        values, organism_id = split_organism(changes)
        new = dom.validate_patient({**_data_of(row), **values}, from_card=from_card)
        changed = _changed_fields(old, new)
        if from_card:
            _refuse_identity_change([*changed, *(["amo_organism_id"] if "amo_organism_id" in changes else [])])
        check_not_future(new, ctx.clock().date())
        if "amo_organism_id" in changes:
            new, linked = apply_organism(session, new, organism_id)
        else:
            linked = row.amo_organism_id
        found = find_duplicate(session, new, exclude_id=row.id)
        if found is not None:
            raise duplicate_error(new, found)
        _fill(row, new, linked)
        if "periods" in changed or "work_accidents" in changed:
            row.periods, row.work_accidents = _children(new)
        row.updated_at = ctx.clock()
        _flush(session, new)
        _audit(ctx, session, "patient.update", row.id, {"changed": changed})
        return Saved(row.id, new.warnings, created=False)


#: What the rights service (ADRi) may change on any patient, a card's included: its AMO data, never the identity.
AMO_FIELDS = frozenset({"amo_regime", "amo_caisse", "amo_centre", "amo_management_code", "amo_proof",
                        "reimbursement_rate", "exoneration", "ald", "alsace_moselle", "periods", "work_accidents"})


def patient_data(session: Session, patient_id: int) -> tuple[dict[str, object], datetime]:
    """The stored patient as the domain's input, and its version (``updated_at``) for a later guarded change."""
    row = load_patient_row(session, patient_id, "id")
    return _data_of(row), row.updated_at


def apply_amo_changes(ctx: Context, session: Session, patient_id: int, changes: Mapping[str, object],
                      expected_version: datetime) -> list[str]:
    """Inside the caller's transaction: take AMO data from the rights service (compare-and-set on ``updated_at``).

    Returns the fields changed; the caller audits the choice as a whole.
    """
    fields.reject_unknown(changes, AMO_FIELDS)
    row = load_patient_row(session, patient_id, "id")
    if row.updated_at != expected_version:
        raise ConflictError("Le dossier du patient a changé depuis l'interrogation ADRi : interrogez à nouveau.",
                            code="adri_patient_changed", field="patient")
    from_card = row.source == "carte"
    old = dom.validate_patient(_data_of(row), from_card=from_card)
    new = dom.validate_patient({**_data_of(row), **changes}, from_card=from_card)
    changed = _changed_fields(old, new)
    codes = (new.amo_regime, new.amo_caisse, new.amo_centre)
    linked = row.amo_organism_id
    if codes != (old.amo_regime, old.amo_caisse, old.amo_centre):
        linked = session.scalar(select(AmoOrganism.id).where(AmoOrganism.regime == codes[0],
                                                             AmoOrganism.caisse == codes[1],
                                                             AmoOrganism.centre == codes[2]).limit(1))
    _fill(row, new, linked)
    if "periods" in changed or "work_accidents" in changed:
        row.periods, row.work_accidents = _children(new)
    row.updated_at = ctx.clock()
    session.flush()
    return changed


def delete_patient(ctx: Context, patient_id: object) -> None:
    """Delete the patient with his periods, work accidents and AMC contracts."""
    require(ctx, Permission.PATIENT_WRITE)
    with ctx.db.transaction() as session:
        row = load_patient_row(session, patient_id, "id")
        _refuse_if_invoiced(session, row)
        data = {"source": row.source, "last_name": row.last_name, "first_name": row.first_name,
                "birth_date": row.birth_date, "rank": row.rank, "insured_nir": row.insured_nir}
        session.delete(row)
        request_keys.forget(session, "patient", row.id)  # SQLite may give his id again: no key must lead to it
        try:
            session.flush()
        except IntegrityError as exc:  # another record points at him (a table added later): refuse, never a trace
            raise ConflictError(f"Le dossier de {_who(row)} est encore utilisé par d'autres enregistrements : il ne "
                                "peut pas être supprimé.", code="patient_in_use", detail=str(exc.orig)) from None
        _audit(ctx, session, "patient.delete", row.id, data)


def _who(row: Patient) -> str:
    return f"{row.last_name} {row.first_name or ''}".strip()


def _refuse_if_invoiced(session: Session, row: Patient) -> None:
    """Invoices (even deleted drafts, kept for the audit trail) stay linked to their patient: no deletion."""
    ids = session.scalars(select(Invoice.id).where(Invoice.patient_id == row.id).order_by(Invoice.id).limit(6)).all()
    if ids:
        shown = ", ".join(str(i) for i in ids[:5]) + (", …" if len(ids) > 5 else "")
        raise ConflictError(f"Le dossier de {_who(row)} ne peut pas être supprimé : il est encore utilisé par des "
                            f"factures (n° interne {shown}), qui restent liées à leur patient.",
                            code="patient_invoiced", field="id")


def get_patient(ctx: Context, patient_id: object) -> PatientView:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return _view(load_patient_row(session, patient_id, "id"))


# --- card -----------------------------------------------------------------------------------------------------------

def _card_contracts(data: Mapping[str, object]) -> list[org.ContractRecord]:
    raw = data.get("amc_contracts") or []
    if not isinstance(raw, (list, tuple)):
        raise ValidationError("Mutuelles de la carte : liste attendue.", code="format", field="amc_contracts")
    return [org.validate_contract(item) for item in raw]


def create_patient_from_card(ctx: Context, card_data: Mapping[str, object]) -> Saved:
    """Record the beneficiary chosen on a Vitale card (or ApCV), or refresh him when already known.

    ``card_data``: the patient keys plus ``amc_contracts`` (a list of contract mappings read on the card). A NIR
    whose key fails is kept with a warning and a date that is not on the calendar is lunar (the card is the
    authority). When the same insured NIR + birth date + rank exists, its identity, AMO data and card contracts
    are replaced by the card's; its phones, address, IK and manual contracts are kept (``Saved.created`` False).
    """
    require(ctx, Permission.PATIENT_WRITE)
    values = {k: v for k, v in card_data.items() if k != "amc_contracts"}
    values.setdefault("amo_proof", dom.AmoProof.CARTE_VITALE.value)
    record = dom.validate_patient(values, from_card=True)
    contracts = _card_contracts(card_data)
    with ctx.db.transaction() as session:
        found = find_duplicate(session, record)
        if found is None:
            row = new_row(ctx, record, None, "carte")
            session.add(row)
            _flush(session, record)
            _audit(ctx, session, "patient.create", row.id, _summary_data(record, "carte"))
        else:
            row = _refresh_from_card(ctx, session, found, record)
        for i, contract in enumerate(contracts):
            insert_contract(session, ctx, row.id, contract, source="carte", select_it=i == 0)
        return Saved(row.id, record.warnings, created=found is None)


def _refresh_from_card(ctx: Context, session: Session, patient_id: int, record: dom.PatientRecord) -> Patient:
    row = load_patient_row(session, patient_id, "id")
    kept = {name: getattr(row, name) for name in dom.CARD_EDITABLE}
    _fill(row, record, row.amo_organism_id)
    for name, value in kept.items():
        if value not in (None, "", Decimal("0.00")):
            setattr(row, name, value)
    row.periods, row.work_accidents = _children(record)
    for contract in [c for c in row.contracts if c.source == "carte"]:
        session.delete(contract)
    row.source = "carte"
    row.updated_at = ctx.clock()
    session.flush()
    _audit(ctx, session, "patient.card_update", row.id, _summary_data(record, "carte"))
    return row


# --- search (see patient_search) -------------------------------------------------------------------------------

def count_patients(ctx: Context) -> int:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Patient)) or 0)


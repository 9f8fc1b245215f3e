"""A patient's complementary insurances ("mutuelles"): several per patient, one selected.

Contracts read from a Vitale card (``source = "carte"``) are not edited: the manual's way is to duplicate one
and edit the copy, which becomes the selected contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.domain import fields
from feuille.domain import organisms as dom
from feuille.domain.identifiers import record_id
from feuille.errors import NotFoundError, StateError
from feuille.practice.organisms import load_amc
from feuille.storage.models import AmcContract, Patient
from feuille.storage.models import AmcOrganism as AmcRow

EXTRA_KEYS = frozenset({"amc_organism_id", "current_year", "add_to_list"})


@dataclass(frozen=True)
class ContractView:
    id: int
    patient_id: int
    amc_organism_id: int | None
    source: str
    selected: bool
    amc_name: str
    amc_number: str
    amc_proof: str | None
    management: str
    rights_start: date | None
    rights_end: date | None
    adherent_number: str | None
    secondary_criterion: str | None
    convention_type: str | None
    treatment_indicator: str | None
    reference_date: str
    sts_routing: str | None
    contract_type: str | None
    complementary_number: str | None
    routing_code: str | None
    host: str | None
    domain: str | None
    formula: str | None
    formula_rate: Decimal | None
    fixed_amount: Decimal | None

    @classmethod
    def of(cls, row: AmcContract) -> ContractView:
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})

    def label(self) -> str:
        """As in the patient's drop-down list: « ALMERYS du 01/01/2025 au 31/12/2025 »."""
        text = self.amc_name
        if self.rights_start:
            text += f" du {self.rights_start:%d/%m/%Y}"
        if self.rights_end:
            text += f" au {self.rights_end:%d/%m/%Y}"
        return text


def load_patient_row(session: Session, patient_id: object, field: str = "patient_id") -> Patient:
    row = session.get(Patient, record_id(patient_id, field, "Patient"))
    if row is None:
        raise NotFoundError(f"Patient n° {patient_id} inconnu.", code="patient_unknown", field=field)
    return row


def load_contract(session: Session, contract_id: object) -> AmcContract:
    row = session.get(AmcContract, record_id(contract_id, "contract_id", "Mutuelle"))
    if row is None:
        raise NotFoundError(f"Mutuelle n° {contract_id} inconnue.", code="contract_unknown", field="contract_id")
    return row


def _contract_values(row: AmcContract) -> dict[str, object]:
    return {k: getattr(row, k) for k in dom.CONTRACT_FIELDS}


def _audit(ctx: Context, session: Session, action: str, row: AmcContract, data: dict[str, Any]) -> None:
    audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action=action, entity="amc_contract",
                 entity_id=str(row.id), data={"patient_id": row.patient_id, **data})


def _select_only(session: Session, row: AmcContract) -> None:
    session.execute(update(AmcContract).where(AmcContract.patient_id == row.patient_id,
                                              AmcContract.id != row.id).values(selected=False))
    row.selected = True


def insert_contract(session: Session, ctx: Context, patient_id: int, record: dom.ContractRecord, *,
                    source: str = "manual", organism_id: int | None = None, select_it: bool = True) -> AmcContract:
    """Store one contract in the caller's transaction (used by the card reading too) and audit it."""
    now = ctx.clock()
    row = AmcContract(patient_id=patient_id, amc_organism_id=organism_id, source=source, selected=False,
                      created_at=now, updated_at=now, **asdict(record))
    session.add(row)
    session.flush()
    if select_it:
        _select_only(session, row)
    _audit(ctx, session, "amc_contract.create", row, {"source": source, **asdict(record)})
    return row


def _resolve(session: Session, ctx: Context, data: Mapping[str, object]) -> tuple[dict[str, object], int | None]:
    """Fill name / number / management / contract type from the AMC list when an organism is picked."""
    values = {k: v for k, v in data.items() if k not in EXTRA_KEYS}
    if fields.parse_flag(data.get("current_year"), "current_year", "Année en cours"):
        values["rights_start"], values["rights_end"] = dom.current_year_period(ctx.clock().date())
    organism_id = data.get("amc_organism_id")
    if organism_id in (None, ""):
        return values, None
    organism = load_amc(session, organism_id)
    values = {"management": organism.management, "contract_type": organism.contract_type, **values,
              "amc_name": organism.name, "amc_number": organism.number}
    return values, organism.id


def _add_to_list(session: Session, ctx: Context, record: dom.ContractRecord) -> int:
    """« Ajouter une mutuelle » with an organism that is not in the list yet: add it there too."""
    found = session.scalar(select(AmcRow.id).where(AmcRow.number == record.amc_number,
                                                   AmcRow.contract_type == (record.contract_type or "00")))
    if found is not None:
        return found
    now = ctx.clock()
    row = AmcRow(name=record.amc_name, name_key=fields.search_key(record.amc_name)[:128], number=record.amc_number,
                 contract_type=record.contract_type or "00", management=record.management, created_at=now,
                 updated_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor=ctx.actor.login, at=now, action="amc.create", entity="amc_organism",
                 entity_id=str(row.id), data={"name": row.name, "number": row.number, "from": "patient"})
    return row.id


def add_amc_contract(ctx: Context, patient_id: object, data: Mapping[str, object]) -> int:
    """Add a contract to a patient and select it.

    ``data``: the keys of ``feuille.domain.organisms.CONTRACT_FIELDS``, plus ``amc_organism_id`` (pick from the
    AMC list: name and number come from there), ``current_year`` (rights 01/01–31/12 of this year) and
    ``add_to_list`` (a new organism typed here is added to the AMC list as well).
    """
    require(ctx, Permission.PATIENT_WRITE)
    fields.reject_unknown(data, dom.CONTRACT_FIELDS | EXTRA_KEYS)
    with ctx.db.transaction() as session:
        patient = load_patient_row(session, patient_id)
        values, organism_id = _resolve(session, ctx, data)
        record = dom.validate_contract(values)
        if organism_id is None and fields.parse_flag(data.get("add_to_list"), "add_to_list", "Ajouter à la liste"):
            organism_id = _add_to_list(session, ctx, record)
        return insert_contract(session, ctx, patient.id, record, organism_id=organism_id).id


def update_amc_contract(ctx: Context, contract_id: object, changes: Mapping[str, object]) -> None:
    require(ctx, Permission.PATIENT_WRITE)
    fields.reject_unknown(changes, dom.CONTRACT_FIELDS | EXTRA_KEYS - {"add_to_list"})
    with ctx.db.transaction() as session:
        row = load_contract(session, contract_id)
        if row.source == "carte":
            raise StateError("Cette mutuelle a été lue sur la carte Vitale : dupliquez-la pour la modifier.",
                             code="contract_from_card", field="contract_id")
        values, organism_id = _resolve(session, ctx, {**_contract_values(row), **changes})
        record = dom.validate_contract(values)
        changed = {k: v for k, v in asdict(record).items() if getattr(row, k) != v}
        for key, value in changed.items():
            setattr(row, key, value)
        if organism_id is not None:
            row.amc_organism_id = organism_id
        row.updated_at = ctx.clock()
        _audit(ctx, session, "amc_contract.update", row, {"changed": changed})


def duplicate_amc_contract(ctx: Context, contract_id: object) -> int:
    """« Dupliquer mutuelle »: an editable (manual) copy, which becomes the selected contract."""
    require(ctx, Permission.PATIENT_WRITE)
    with ctx.db.transaction() as session:
        row = load_contract(session, contract_id)
        record = dom.ContractRecord(**{k: getattr(row, k) for k in dom.ContractRecord.__dataclass_fields__})
        copy = insert_contract(session, ctx, row.patient_id, record, organism_id=row.amc_organism_id)
        _audit(ctx, session, "amc_contract.duplicate", copy, {"from": row.id})
        return copy.id


def select_amc_contract(ctx: Context, contract_id: object) -> None:
    require(ctx, Permission.PATIENT_WRITE)
    with ctx.db.transaction() as session:
        row = load_contract(session, contract_id)
        _select_only(session, row)
        row.updated_at = ctx.clock()
        _audit(ctx, session, "amc_contract.select", row, {})


def delete_amc_contract(ctx: Context, contract_id: object) -> None:
    """Delete; when it was the selected one, the most recent remaining contract is selected."""
    require(ctx, Permission.PATIENT_WRITE)
    with ctx.db.transaction() as session:
        row = load_contract(session, contract_id)
        data = {"amc_name": row.amc_name, "amc_number": row.amc_number, "source": row.source}
        was_selected, patient_id = row.selected, row.patient_id
        session.delete(row)
        session.flush()
        _audit(ctx, session, "amc_contract.delete", row, data)
        if was_selected:
            newest = session.scalar(select(AmcContract).where(AmcContract.patient_id == patient_id)
                                    .order_by(AmcContract.id.desc()).limit(1))
            if newest is not None:
                newest.selected = True


def list_amc_contracts(ctx: Context, patient_id: object) -> list[ContractView]:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        patient = load_patient_row(session, patient_id)
        rows = session.scalars(select(AmcContract).where(AmcContract.patient_id == patient.id)
                               .order_by(AmcContract.id))
        return [ContractView.of(row) for row in rows]


def get_amc_contract(ctx: Context, contract_id: object) -> ContractView:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return ContractView.of(load_contract(session, contract_id))

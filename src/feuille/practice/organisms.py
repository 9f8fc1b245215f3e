"""The practice's AMO and AMC organism lists: add, edit, delete, list alphabetically with a search."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.domain import fields
from feuille.domain import organisms as dom
from feuille.domain.identifiers import record_id
from feuille.errors import ConflictError, NotFoundError
from feuille.storage.models import AmcContract, Patient
from feuille.storage.models import AmcOrganism as AmcRow
from feuille.storage.models import AmoOrganism as AmoRow


@dataclass(frozen=True)
class AmoView:
    id: int
    regime: str
    caisse: str
    centre: str
    name: str | None
    flux: str | None
    comment: str | None
    recipient_type: str | None

    @property
    def code(self) -> str:
        return f"{self.regime} {self.caisse} {self.centre}"

    @classmethod
    def of(cls, row: AmoRow) -> AmoView:
        return cls(row.id, row.regime, row.caisse, row.centre, row.name, row.flux, row.comment, row.recipient_type)


@dataclass(frozen=True)
class AmcView:
    id: int
    name: str
    number: str
    contract_type: str
    management: str
    address: str | None
    postcode: str | None
    town: str | None
    phone: str | None
    fax: str | None
    email: str | None
    contact: str | None
    comment: str | None
    prefectoral_number: str | None = None
    dre_accepted: bool = False
    dre_address: str | None = None

    @property
    def routing(self) -> dom.Routing:
        """Where this complementary's part travels: in the FSE, in a DRE, or not teletransmitted."""
        return dom.routing(self.management, self.dre_accepted)

    @classmethod
    def of(cls, row: AmcRow) -> AmcView:
        return cls(row.id, row.name, row.number, row.contract_type, row.management, row.address, row.postcode,
                   row.town, row.phone, row.fax, row.email, row.contact, row.comment, row.prefectoral_number,
                   bool(row.dre_accepted), row.dre_address)


def _amo_key(record: dom.AmoOrganism) -> str:
    return fields.search_key(record.name)[:128] if record.name else record.code


def _audit(ctx: Context, session: Session, action: str, entity: str, entity_id: int,
           data: dict[str, Any]) -> None:
    audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action=action, entity=entity,
                 entity_id=str(entity_id), data=data)


# --- AMO ----------------------------------------------------------------------------------------------------------

def load_amo(session: Session, organism_id: object, field: str = "amo_organism_id") -> AmoRow:
    """The AMO organism of the list with this id, or a French ``NotFoundError`` naming the field."""
    row = session.get(AmoRow, record_id(organism_id, field, "Organisme AMO"))
    if row is None:
        raise NotFoundError(f"Organisme AMO n° {organism_id} inconnu dans la liste.", code="amo_unknown",
                            field=field)
    return row


def _check_amo_unique(session: Session, record: dom.AmoOrganism, own_id: int | None = None) -> None:
    query = select(AmoRow.id).where(AmoRow.regime == record.regime, AmoRow.caisse == record.caisse,
                                    AmoRow.centre == record.centre)
    found = session.scalar(query)
    if found is not None and found != own_id:
        raise ConflictError(f"L'organisme AMO {record.code} est déjà dans la liste (n° {found}).",
                            code="amo_exists", field="regime")


def add_amo_organism(ctx: Context, data: Mapping[str, object]) -> int:
    require(ctx, Permission.ORGANISM_WRITE)
    record = dom.validate_amo(data)
    with ctx.db.transaction() as session:
        _check_amo_unique(session, record)
        now = ctx.clock()
        row = AmoRow(**asdict(record), name_key=_amo_key(record), created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        _audit(ctx, session, "amo.create", "amo_organism", row.id, asdict(record))
        return row.id


def _amo_values(row: AmoRow) -> dict[str, object]:
    return {k: getattr(row, k) for k in dom.AMO_FIELDS}


def update_amo_organism(ctx: Context, organism_id: object, changes: Mapping[str, object]) -> None:
    require(ctx, Permission.ORGANISM_WRITE)
    fields.reject_unknown(changes, dom.AMO_FIELDS)
    with ctx.db.transaction() as session:
        row = load_amo(session, organism_id, "id")
        record = dom.validate_amo({**_amo_values(row), **changes})
        _check_amo_unique(session, record, row.id)
        changed = {k: v for k, v in asdict(record).items() if getattr(row, k) != v}
        for key, value in changed.items():
            setattr(row, key, value)
        row.name_key = _amo_key(record)
        row.updated_at = ctx.clock()
        _audit(ctx, session, "amo.update", "amo_organism", row.id, {"changed": changed})


def delete_amo_organism(ctx: Context, organism_id: object) -> None:
    """Patients linked to it keep their régime / caisse / centre; only the link goes."""
    require(ctx, Permission.ORGANISM_WRITE)
    with ctx.db.transaction() as session:
        row = load_amo(session, organism_id, "id")
        data = asdict(dom.validate_amo(_amo_values(row)))
        session.delete(row)
        session.flush()
        _audit(ctx, session, "amo.delete", "amo_organism", row.id, data)


def get_amo_organism(ctx: Context, organism_id: object) -> AmoView:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return AmoView.of(load_amo(session, organism_id, "id"))


def _search_filter(search: str | None, key_column: Any, *code_columns: Any) -> list[Any]:
    if not search or not search.strip():
        return []
    key = fields.search_key(search)
    code = "".join(search.split())
    clauses = [key_column.contains(key, autoescape=True)] if key else []
    clauses += [column.startswith(code, autoescape=True) for column in code_columns]
    return [or_(*clauses)] if clauses else []


def list_amo_organisms(ctx: Context, search: str | None = None) -> list[AmoView]:
    """Alphabetical (by label, then code); ``search`` matches a part of the label or the start of the code."""
    require(ctx, Permission.READ)
    code = AmoRow.regime + AmoRow.caisse + AmoRow.centre
    query = (select(AmoRow).where(*_search_filter(search, AmoRow.name_key, code))
             .order_by(AmoRow.name_key, AmoRow.regime, AmoRow.caisse, AmoRow.centre))
    with ctx.db.read() as session:
        return [AmoView.of(row) for row in session.scalars(query)]


# --- AMC ----------------------------------------------------------------------------------------------------------

def load_amc(session: Session, organism_id: object, field: str = "amc_organism_id") -> AmcRow:
    row = session.get(AmcRow, record_id(organism_id, field, "Organisme AMC"))
    if row is None:
        raise NotFoundError(f"Organisme AMC n° {organism_id} inconnu dans la liste.", code="amc_unknown",
                            field=field)
    return row


def _check_amc_unique(session: Session, record: dom.AmcOrganism, own_id: int | None = None) -> None:
    found = session.scalar(select(AmcRow.id).where(AmcRow.number == record.number,
                                                   AmcRow.contract_type == record.contract_type))
    if found is not None and found != own_id:
        raise ConflictError(f"L'organisme AMC n° {record.number} (type de contrat {record.contract_type}) est déjà "
                            f"dans la liste (fiche {found}).", code="amc_exists", field="number")


def add_amc_organism(ctx: Context, data: Mapping[str, object]) -> int:
    require(ctx, Permission.ORGANISM_WRITE)
    record = dom.validate_amc(data)
    with ctx.db.transaction() as session:
        _check_amc_unique(session, record)
        now = ctx.clock()
        row = AmcRow(**asdict(record), name_key=fields.search_key(record.name)[:128], created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        _audit(ctx, session, "amc.create", "amc_organism", row.id, asdict(record))
        return row.id


def _amc_values(row: AmcRow) -> dict[str, object]:
    return {k: getattr(row, k) for k in dom.AMC_FIELDS}


def update_amc_organism(ctx: Context, organism_id: object, changes: Mapping[str, object]) -> None:
    require(ctx, Permission.ORGANISM_WRITE)
    fields.reject_unknown(changes, dom.AMC_FIELDS)
    with ctx.db.transaction() as session:
        row = load_amc(session, organism_id, "id")
        record = dom.validate_amc({**_amc_values(row), **changes})
        _check_amc_unique(session, record, row.id)
        changed = {k: v for k, v in asdict(record).items() if getattr(row, k) != v}
        for key, value in changed.items():
            setattr(row, key, value)
        row.name_key = fields.search_key(record.name)[:128]
        row.updated_at = ctx.clock()
        _audit(ctx, session, "amc.update", "amc_organism", row.id, {"changed": changed})


def delete_amc_organism(ctx: Context, organism_id: object) -> int:
    """Delete from the list; patients' contracts keep their copy of name and number. Returns how many there are."""
    require(ctx, Permission.ORGANISM_WRITE)
    with ctx.db.transaction() as session:
        row = load_amc(session, organism_id, "id")
        used = session.scalar(select(func.count()).select_from(AmcContract)
                              .where(AmcContract.amc_organism_id == row.id)) or 0
        data = {**asdict(dom.validate_amc(_amc_values(row))), "contracts": used}
        session.delete(row)
        session.flush()
        _audit(ctx, session, "amc.delete", "amc_organism", row.id, data)
        return int(used)


def get_amc_organism(ctx: Context, organism_id: object) -> AmcView:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return AmcView.of(load_amc(session, organism_id, "id"))


def list_amc_organisms(ctx: Context, search: str | None = None) -> list[AmcView]:
    """Alphabetical by name; ``search`` matches a part of the name or the start of the number."""
    require(ctx, Permission.READ)
    query = (select(AmcRow).where(*_search_filter(search, AmcRow.name_key, AmcRow.number))
             .order_by(AmcRow.name_key, AmcRow.number))
    with ctx.db.read() as session:
        return [AmcView.of(row) for row in session.scalars(query)]


def amo_in_use(ctx: Context, organism_id: int) -> int:
    """How many patients are linked to this AMO organism (shown before a deletion)."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Patient)
                                  .where(Patient.amo_organism_id == organism_id)) or 0)

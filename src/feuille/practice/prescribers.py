"""Prescribers ("Prescripteurs"): create, edit, search by the first letters of the name, delete.

Nom and N° identification are required (the manual); the number is a billing number (9 digits) or
an RPPS (11 digits), its key checked, and unique.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.domain.identifiers import MAX_RECORD_ID, compact
from feuille.domain.professionals import (
    PrescriberRecord,
    like_prefix,
    page_bounds,
    parse_prefix,
    search_key,
    validate_prescriber,
)
from feuille.errors import ConflictError, NotFoundError
from feuille.storage.models import Prescriber

FIELDS = ("last_name", "first_name", "number", "rpps", "specialty")


@dataclass(frozen=True)
class PrescriberView:
    """A prescriber as services hand it to interfaces (never the ORM row)."""

    id: int
    last_name: str
    first_name: str | None
    number: str
    rpps: str | None
    specialty: str | None

    @classmethod
    def of(cls, row: Prescriber) -> PrescriberView:
        return cls(row.id, row.last_name, row.first_name, row.number, row.rpps, row.specialty)


def _snapshot(row: Prescriber) -> dict[str, object]:
    return {name: getattr(row, name) for name in FIELDS}


def _apply(row: Prescriber, record: PrescriberRecord) -> None:
    for name in FIELDS:
        setattr(row, name, getattr(record, name))
    row.last_name_key = search_key(record.last_name)
    row.first_name_key = search_key(record.first_name)


def _check_unique(session: Session, number: str, own_id: int | None) -> None:
    other = session.scalar(select(Prescriber).where(Prescriber.number == number))
    if other is not None and other.id != own_id:
        raise ConflictError(f"N° identification : {number} est déjà celui du prescripteur {other.last_name} "
                            f"{other.first_name or ''}".rstrip() + ".", code="prescriber_exists", field="number")


def find(session: Session, ref: object) -> Prescriber:
    """By id or by identification number (for invoices)."""
    row: Prescriber | None = None
    if isinstance(ref, int) and not isinstance(ref, bool):
        row = session.get(Prescriber, ref) if 0 < ref <= MAX_RECORD_ID else None
    elif isinstance(ref, str):
        text = compact(ref)
        if len(text) in (9, 11) and text.isdigit():
            row = session.scalar(select(Prescriber).where(Prescriber.number == text))
        elif text.isdigit() and len(text) < 9:
            row = session.get(Prescriber, int(text))
    if row is None:
        raise NotFoundError(f"Prescripteur « {str(ref)[:30]} » introuvable.", code="prescriber_not_found",
                            field="prescriber")
    return row


def create_prescriber(ctx: Context, data: Mapping[str, object]) -> int:
    require(ctx, Permission.PRESCRIBER_WRITE)
    record = validate_prescriber(data)
    with ctx.db.transaction() as session:
        _check_unique(session, record.number, None)
        return add(ctx, session, record).id


def add(ctx: Context, session: Session, record: PrescriberRecord, *, origin: str | None = None) -> Prescriber:
    """Write a new prescriber and its audit entry in the caller's transaction (the one way a prescriber is
    created: here, or on the spot from an invoice with ``origin="invoice"``, then noted in the audit)."""
    now = ctx.clock()
    row = Prescriber(created_at=now, updated_at=now)
    _apply(row, record)
    session.add(row)
    session.flush()
    data = {**_snapshot(row), **({"from": origin} if origin else {})}
    audit.record(session, actor=ctx.actor.login, at=now, action="prescriber.create", entity="prescriber",
                 entity_id=str(row.id), data=data)
    return row


def edit_prescriber(ctx: Context, ref: int | str, changes: Mapping[str, object]) -> None:
    """"Toutes les données sont modifiables": the changes are merged and the whole record rechecked."""
    require(ctx, Permission.PRESCRIBER_WRITE)
    with ctx.db.transaction() as session:
        row = find(session, ref)
        before = _snapshot(row)
        record = validate_prescriber({**before, **changes})
        _check_unique(session, record.number, row.id)
        _apply(row, record)
        after = _snapshot(row)
        if after == before:
            return
        row.updated_at = ctx.clock()
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="prescriber.update",
                     entity="prescriber", entity_id=str(row.id),
                     data={k: v for k, v in after.items() if before[k] != v})


def search_prescribers(ctx: Context, prefix: object = "", *, descending: bool = False, limit: int | None = None,
                       offset: int = 0) -> list[PrescriberView]:
    """Prescribers whose name or first name starts with ``prefix`` (accents and case ignored); ``limit`` (1 to 1000)
    and ``offset`` read one page (the wizard's list), without them every prescriber."""
    require(ctx, Permission.READ)
    key = parse_prefix(prefix)
    page = page_bounds(limit, offset)
    order = (Prescriber.last_name_key, Prescriber.first_name_key, Prescriber.id)
    query = select(Prescriber).order_by(*(c.desc() for c in order) if descending else order)
    if key:
        pattern = like_prefix(key)
        query = query.where(or_(Prescriber.last_name_key.like(pattern, escape="\\"),
                                Prescriber.first_name_key.like(pattern, escape="\\")))
    if page is not None:
        query = query.limit(page[0]).offset(page[1])
    with ctx.db.read() as session:
        return [PrescriberView.of(row) for row in session.scalars(query)]


def get_prescriber(ctx: Context, ref: int | str) -> PrescriberView:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return PrescriberView.of(find(session, ref))


def delete_prescriber(ctx: Context, ref: int | str) -> None:
    require(ctx, Permission.PRESCRIBER_WRITE)
    with ctx.db.transaction() as session:
        row = find(session, ref)
        data = _snapshot(row)
        session.delete(row)
        session.flush()
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="prescriber.delete",
                     entity="prescriber", entity_id=str(row.id), data=data)

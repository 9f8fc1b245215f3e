"""Creating many patients at once (imports, benchmarks): validated one by one, written in batches.

Rows without periods or work accidents (what a CSV export carries) are written with one multi-row INSERT per
batch instead of one ORM object each: the ORM's bookkeeping was most of an import's time, and nothing here
needs it (the rows are new, have no relationships loaded, and are never touched again in the transaction).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, and_, insert, or_, select, text
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.domain import patients as dom
from feuille.errors import FeuilleError, ValidationError
from feuille.practice.patients import (
    apply_organism,
    check_not_future,
    duplicate_error,
    new_row,
    row_values,
    split_organism,
)
from feuille.storage.models import Patient


@dataclass(frozen=True)
class RowProblem:
    index: int          # position of the item in the input (0-based)
    field: str | None
    message: str        # French


@dataclass
class BulkResult:
    created: list[int] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def _dup_key(record: dom.PatientRecord) -> tuple[str, ...]:
    if record.insured_nir:
        return ("nir", record.insured_nir, record.birth_date.value, str(record.rank))
    return ("name", record.last_name_key, record.first_name_key, record.birth_date.value)


def _existing_keys(session: Session, records: list[dom.PatientRecord]) -> set[tuple[str, ...]]:
    nirs = {r.insured_nir for r in records if r.insured_nir}
    names = {r.last_name_key for r in records if not r.insured_nir}
    clauses: list[Any] = []
    if nirs:
        clauses.append(Patient.insured_nir.in_(nirs))
    if names:
        clauses.append(and_(Patient.insured_nir.is_(None), Patient.last_name_key.in_(names)))
    if not clauses:
        return set()
    found = session.execute(select(Patient.insured_nir, Patient.birth_date, Patient.rank, Patient.last_name_key,
                                   Patient.first_name_key).where(or_(*clauses)))
    keys: set[tuple[str, ...]] = set()
    for nir, birth, rank, last, first in found:
        keys.add(("nir", nir, birth, str(rank)) if nir else ("name", last, first, birth))
    return keys


def create_patients(ctx: Context, items: Iterable[Mapping[str, object]], *, source: str = "import",
                    batch_size: int = 1000) -> BulkResult:
    """Bulk creation for imports and benchmarks: validate each item, skip (and report) bad ones and duplicates.

    Each batch is one transaction with one audit entry (``patient.bulk_create``) listing the created ids. The AMO
    organism may be given by ``amo_organism_id`` as in :func:`create_patient`. Nothing is raised for a bad row:
    the problems come back with the row's index, field and French message.
    """
    require(ctx, Permission.PATIENT_IMPORT if source == "import" else Permission.PATIENT_WRITE)
    result = BulkResult()
    batch: list[tuple[int, dom.PatientRecord, object]] = []
    today = ctx.clock().date()
    for index, item in enumerate(items):
        try:
            values, organism_id = split_organism(item)
            record = dom.validate_patient(values)
            check_not_future(record, today)
        except ValidationError as error:
            result.problems.append(RowProblem(index, error.field, error.message))
            continue
        batch.append((index, record, organism_id))
        if len(batch) >= batch_size:
            _insert_batch(ctx, batch, source, result)
            batch = []
    if batch:
        _insert_batch(ctx, batch, source, result)
    return result


def _insert_batch(ctx: Context, batch: list[tuple[int, dom.PatientRecord, object]], source: str,
                  result: BulkResult) -> None:
    with ctx.db.transaction() as session:
        result.created.extend(insert_batch(session, ctx, batch, source, result.problems.append))


def insert_batch(session: Session, ctx: Context, batch: list[tuple[int, dom.PatientRecord, object]], source: str,
                 on_problem: Callable[[RowProblem], None]) -> list[int]:
    """Insert validated records in the caller's transaction; duplicates and bad organisms go to ``on_problem``.

    Earlier batches of the same transaction are flushed, so duplicates across batches are caught too.
    """
    seen = _existing_keys(session, [record for _, record, _ in batch])
    accepted: list[tuple[dom.PatientRecord, int | None]] = []
    for index, record, organism_id in batch:
        key = _dup_key(record)
        if key in seen:
            on_problem(RowProblem(index, duplicate_error(record, 0).field, "Patient déjà enregistré "
                                  f"(doublon) : {record.last_name} {record.first_name or ''}."))
            continue
        try:
            record, linked = apply_organism(session, record, organism_id)
        except FeuilleError as error:
            on_problem(RowProblem(index, error.field, error.message))
            continue
        seen.add(key)
        accepted.append((record, linked))
    ids = _write(session, ctx, accepted, source)
    if ids:
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="patient.bulk_create",
                     entity="patient", entity_id=f"{ids[0]}-{ids[-1]}",
                     data={"source": source, "count": len(ids), "ids": ids})
    return ids


def _write(session: Session, ctx: Context, accepted: list[tuple[dom.PatientRecord, int | None]],
           source: str) -> list[int]:
    """Plain rows in one multi-row INSERT ... RETURNING; rows with periods or accidents through the ORM."""
    now = ctx.clock()
    stamp = {"source": source, "created_by": ctx.actor.login, "created_at": now, "updated_at": now}
    plain = [{**row_values(record, linked), **stamp} for record, linked in accepted
             if not record.periods and not record.work_accidents]
    ids: list[int] = []
    if plain:
        ids.extend(_insert_plain(session, plain))
    rich = [new_row(ctx, record, linked, source) for record, linked in accepted
            if record.periods or record.work_accidents]
    if rich:
        session.add_all(rich)
        session.flush()
        ids.extend(row.id for row in rich)
    return ids


def _insert_plain(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """One multi-row INSERT, ids in input order.

    On PostgreSQL the ids are drawn from the sequence first and the rows sent by a plain executemany (psycopg
    pipelines it with one short prepared statement): a multi-row INSERT ... RETURNING of 1,000 rows is a
    statement too long for psycopg's query cache, and re-parsing it was most of an import's time there.
    """
    table = cast(Table, Patient.__table__)
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(text("SELECT nextval(pg_get_serial_sequence('patients', 'id')) "
                                        "FROM generate_series(1, :n)"), {"n": len(rows)}))
        for row, new_id in zip(rows, ids, strict=True):
            row["id"] = new_id
        session.execute(insert(table), rows)
        return ids
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


"""The append-only audit log: every change, chained by SHA-256 to the one before.

``record`` is called inside the use case's own transaction, so a change and its audit entry are
written together or not at all. ``verify`` walks the chain and reports any entry edited, removed
or inserted out of place.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Insert, Select, Table, Update, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from feuille.storage import Database
from feuille.storage.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def _default(value: object) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot audit {type(value).__name__}")


def canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default)


def _digest(prev_hash: str, at: datetime, actor: str, action: str, entity: str, entity_id: str,
            data: str) -> str:
    payload = "\x1f".join([prev_hash, at.isoformat(), actor, action, entity, entity_id, data])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@functools.cache
def _statements() -> tuple[Select[str, int], Insert, Update]:
    """The three statements of :func:`record`, built once (building them costs more than running them)."""
    entries, head = cast(Table, AuditEntry.__table__), cast(Table, AuditHead.__table__)
    return (select(head.c.last_hash, head.c.count).where(head.c.id == 1).with_for_update(),
            insert(entries),
            update(head).where(head.c.id == 1).values(last_hash=bindparam("new_hash"),
                                                      count=bindparam("new_count")))


def _lock_head(session: Session) -> tuple[str, int]:
    """The head's last hash and count, its row locked until the transaction ends (created on first use)."""
    head = session.execute(_statements()[0]).first()
    if head is None:
        session.execute(insert(AuditHead).values(id=1, last_hash=GENESIS, count=0))
        return GENESIS, 0
    last_hash, count = head  # by position: ``Row.count`` is also the tuple method
    return str(last_hash), int(count)


def record(session: Session, *, actor: str, at: datetime, action: str, entity: str, entity_id: str,
           data: dict[str, Any] | None = None) -> str:
    """Append one entry in the caller's transaction (the head row serialises writers); returns its hash.

    Plain INSERT/UPDATE statements rather than ORM objects: every use case writes at least one entry, and the
    unit of work cost more than the three statements themselves."""
    last_hash, count = _lock_head(session)
    text = canonical(data or {})
    digest = _digest(last_hash, at, actor, action, entity, str(entity_id), text)
    _, add, advance = _statements()
    session.execute(add, {"at": at, "actor": actor, "action": action, "entity": entity, "entity_id": str(entity_id),
                          "data": text, "prev_hash": last_hash, "hash": digest})
    session.execute(advance, {"new_hash": digest, "new_count": count + 1})
    return digest


@dataclass(frozen=True)
class Entry:
    """One entry of :func:`record_many`."""

    action: str
    entity: str
    entity_id: str
    data: dict[str, Any]


def record_many(session: Session, *, actor: str, at: datetime, entries: list[Entry]) -> None:
    """Append several entries at once, chained in their order, as :func:`record` would one by one: the head is
    locked once and the entries go in one multi-row INSERT (a lot of 999 invoices audits each of them)."""
    if not entries:
        return
    last_hash, count = _lock_head(session)
    rows = []
    for entry in entries:
        text = canonical(entry.data)
        digest = _digest(last_hash, at, actor, entry.action, entry.entity, entry.entity_id, text)
        rows.append({"at": at, "actor": actor, "action": entry.action, "entity": entry.entity,
                     "entity_id": entry.entity_id, "data": text, "prev_hash": last_hash, "hash": digest})
        last_hash = digest
    _, add, advance = _statements()
    session.execute(add, rows)
    session.execute(advance, {"new_hash": last_hash, "new_count": count + len(entries)})


@dataclass(frozen=True)
class AuditProblem:
    entry_id: int | None
    message: str  # French, for the user


@dataclass(frozen=True)
class AuditReport:
    checked: int
    problems: tuple[AuditProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(db: Database, batch: int = 5000) -> AuditReport:
    problems: list[AuditProblem] = []
    expected_prev = GENESIS
    checked = 0
    with db.read() as session:
        head = session.get(AuditHead, 1)
        last_id = 0
        while True:
            rows = list(session.scalars(select(AuditEntry).where(AuditEntry.id > last_id)
                                        .order_by(AuditEntry.id).limit(batch)))
            if not rows:
                break
            for entry in rows:
                checked += 1
                if entry.prev_hash != expected_prev:
                    problems.append(AuditProblem(entry.id, f"Entrée {entry.id} : le chaînage est rompu "
                                                           "(une entrée précédente a été supprimée ou insérée)."))
                digest = _digest(entry.prev_hash, entry.at, entry.actor, entry.action, entry.entity,
                                 entry.entity_id, entry.data)
                if digest != entry.hash:
                    problems.append(AuditProblem(entry.id, f"Entrée {entry.id} : son contenu a été modifié."))
                expected_prev = entry.hash
            last_id = rows[-1].id
    if head is None:
        if checked:
            problems.append(AuditProblem(None, "La tête du journal a disparu."))
    else:
        if head.last_hash != expected_prev or head.count != checked:
            problems.append(AuditProblem(None, f"Le journal devrait compter {head.count} entrées se terminant "
                                               f"par {head.last_hash[:12]}… : des entrées récentes ont été "
                                               "supprimées ou modifiées."))
    return AuditReport(checked, tuple(problems))


@dataclass(frozen=True)
class EntryView:
    """One entry as the audit screen shows it (``data``: the canonical JSON, as stored and hashed)."""

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    data: str


def newest(db: Database, limit: int, offset: int = 0) -> tuple[list[EntryView], int]:
    """One page of the log, newest first, and how many entries it holds (callers check the permission)."""
    with db.read() as session:
        total = int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
        return [EntryView(r.id, r.at, r.actor, r.action, r.entity, r.entity_id, r.data) for r in rows], total

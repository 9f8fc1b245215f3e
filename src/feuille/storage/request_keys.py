"""Creating a record once per ``Idempotency-Key``: a client that sends its request again (a timeout, a retry) with
the same key and the same request gets back the record the first request created, never a second one; the same
key with another request is refused (409 ``idempotency_key_reused``). Keys belong to the user who sent them, and
to a scope (``invoice``: ``POST /api/factures``, ``patient``: ``POST /api/patients``), so that one key given to
two kinds of creation refuses neither.

The services call :func:`once` inside the creation's own transaction: the key is written first, so a concurrent
request with the same key waits for it (a unique constraint), then runs again from the start (``use_case``) and
finds the record created. A service that deletes a record calls :func:`forget` (SQLite may give its id to the next
record): a key whose record was deleted is spent again, as a new key would be.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feuille.errors import ConflictError, NotFoundError, ValidationError
from feuille.storage.models import RequestKey
from feuille.storage.retry import DatabaseBusyError

MAX_KEY = 255
FIELD = "Idempotency-Key"
#: scope -> what a key of that scope created, in the refusal's words
SCOPES = {"invoice": "une facture avec un autre document", "patient": "un patient avec d'autres données"}
T = TypeVar("T")


def check_key(key: object) -> str:
    """A key: 1 to 255 printable characters (a UUID, usually)."""
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY or not key.isprintable():
        raise ValidationError(f"{FIELD} : une clé de 1 à {MAX_KEY} caractères imprimables est attendue "
                              "(un UUID par exemple).", code="idempotency_key", field=FIELD)
    return key.strip()


def request_hash(request: object) -> str:
    """SHA-256 of the request as canonical JSON (the order of its keys does not matter)."""
    text = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def once(session: Session, *, login: str, scope: str, key: str, request: object, at: datetime,
         load: Callable[[int], T], create: Callable[[], tuple[T, int]]) -> tuple[T, bool]:
    """(``create()``'s record, True) the first time ``key`` is used; (``load(id)`` of that record, False) when the
    same request comes again. ``create`` returns the record and its id; both run in ``session``."""
    wanted = request_hash(request)
    found = session.scalar(select(RequestKey).where(RequestKey.login == login, RequestKey.scope == scope,
                                                    RequestKey.key == key))
    if found is not None:
        if found.request_hash != wanted or found.entity_id is None:
            raise ConflictError(f"{FIELD} : cette clé a déjà servi à créer {SCOPES[scope]} ; utilisez une "
                                "nouvelle clé.", code="idempotency_key_reused", field=FIELD)
        try:
            return load(found.entity_id), False
        except NotFoundError:  # deleted since: the key is spent again
            session.delete(found)
            session.flush()
    row = RequestKey(login=login, scope=scope, key=key, request_hash=wanted, created_at=at)
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # the same key, at the same moment, from another request: run again
        raise DatabaseBusyError("La même demande est en cours sur un autre poste : recommencez.",
                                code="busy", detail=f"idempotency key race: {exc.orig}") from None
    record, entity_id = create()
    row.entity_id = entity_id
    return record, True


def forget(session: Session, scope: str, entity_id: int) -> None:
    """The keys that created the record ``entity_id`` of ``scope``, deleted with it."""
    session.execute(delete(RequestKey).where(RequestKey.scope == scope, RequestKey.entity_id == entity_id))

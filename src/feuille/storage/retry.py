"""Concurrent writers wait, then the whole use case runs again, then a French refusal (never a traceback).

SQLite: every write transaction starts with ``BEGIN IMMEDIATE`` (see :mod:`feuille.storage.db`), so a second
writer waits for the first (busy timeout) at its first statement instead of failing later on lock upgrade.
PostgreSQL: a deadlock (40P01) or a serialisation failure (40001) aborts one of the transactions; nothing of
it was written, so running the use case again from the start is safe.

:func:`use_case` wraps a service function: the function is re-run whole (it reads its inputs again in a new
transaction), a bounded number of times; nested use cases are retried by the outermost one only.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError

from feuille.errors import ConflictError

P = ParamSpec("P")
R = TypeVar("R")

ATTEMPTS = 4
#: PostgreSQL SQLSTATEs after which the transaction is rolled back and may simply be run again.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})  # serialization_failure, deadlock, lock_not_available

_in_use_case: ContextVar[bool] = ContextVar("feuille_in_use_case", default=False)


class DatabaseBusyError(ConflictError):
    """The database stayed busy (or kept aborting this use case) through every attempt; nothing was written."""

    default_code = "busy"


def _sqlite_locked(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def is_retryable(exc: BaseException) -> bool:
    """A lock that could not be had, or a transaction the server aborted to break a cycle: run again."""
    if isinstance(exc, DatabaseBusyError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    return getattr(orig, "sqlstate", None) in RETRYABLE_SQLSTATES or (orig is not None and _sqlite_locked(orig))


def busy_error(exc: BaseException) -> DatabaseBusyError:
    """The French refusal for a retryable failure (English detail for the log)."""
    if isinstance(exc, DatabaseBusyError):
        return exc
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) in {"40001", "40P01"}:
        return DatabaseBusyError("Opération interrompue : un autre poste modifiait les mêmes données en même "
                                 "temps, plusieurs essais ont échoué ; rien n'a été enregistré. Recommencez.",
                                 code="conflict_retry", detail=f"retryable conflict: {orig}")
    return DatabaseBusyError("La base de données est occupée par un autre poste (une longue écriture, une "
                             "importation ?) ; rien n'a été enregistré. Recommencez dans un instant.",
                             code="busy", detail=f"database busy: {orig}")


def pause(attempt: int) -> None:
    """Back off a little more each time, with jitter so that two desks do not collide again in step."""
    time.sleep(min(2.0, 0.05 * (2 ** attempt)) * (0.5 + random.random()))  # jitter, not cryptography


def retrying(attempt: Callable[[], R], give_up: Callable[[], None] | None = None) -> R:
    """Run ``attempt`` until it succeeds, at most :data:`ATTEMPTS` times while the database asks for it (then the
    French refusal); ``give_up`` cleans up after each failed attempt (e.g. closes its session)."""
    for number in range(ATTEMPTS):
        try:
            return attempt()
        except Exception as exc:  # filtered just below, re-raised unless the database asks to retry
            if give_up is not None:
                give_up()
            if not is_retryable(exc):
                raise
            if number == ATTEMPTS - 1:
                raise busy_error(exc) from None
            pause(number)
    raise AssertionError("unreachable")  # pragma: no cover


def use_case(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` again from the start when the database asks for it, at most :data:`ATTEMPTS` times."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if _in_use_case.get():  # the outermost use case owns the retries (its transaction is the one rerun)
            return func(*args, **kwargs)
        token = _in_use_case.set(True)
        try:
            return retrying(lambda: func(*args, **kwargs))
        finally:
            _in_use_case.reset(token)

    return wrapper

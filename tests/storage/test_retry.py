"""Concurrent writers wait instead of failing; lock and deadlock failures rerun the whole use case, a bounded
number of times, then end in a French refusal (codes ``busy`` / ``conflict_retry``), never a traceback."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, OperationalError

from feuille.auth import Context, Role, actor_for, create_user
from feuille.storage import Database, retry
from feuille.storage.models import User
from feuille.storage.retry import ATTEMPTS, DatabaseBusyError, is_retryable, use_case
from tests.conftest import fixed_clock


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "feuille.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def _hold_write_lock(url: str, seconds: float, taken: threading.Event) -> threading.Thread:
    """Another writer (a raw connection, like another process's import) holds SQLite's write lock a while."""
    def run() -> None:
        other = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE users SET display_name = display_name")
        taken.set()
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_sqlite_writer_waits_for_the_other_writer(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    ctx = Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)
    with db.read() as session:  # a reader first: its old snapshot used to make the later write fail at once
        session.scalar(sa.select(User.id))
    taken = threading.Event()
    holder = _hold_write_lock(sqlite_url, 0.6, taken)
    taken.wait(5)
    started = time.monotonic()
    create_user(ctx, "secretaire", "Secrétaire", Role.SECRETAIRE)  # "database is locked" before the fix
    waited = time.monotonic() - started
    holder.join()
    db.dispose()
    assert waited >= 0.4  # it waited for the other writer rather than failing


def test_a_sqlite_writer_that_waits_too_long_is_refused_in_french(sqlite_url: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[int] = []
    monkeypatch.setattr(retry, "pause", pauses.append)
    db = Database(sqlite_url, busy_timeout=0.05)
    ctx = Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)
    taken = threading.Event()
    holder = _hold_write_lock(sqlite_url, 3.0, taken)
    taken.wait(5)
    try:
        with pytest.raises(DatabaseBusyError) as caught:
            create_user(ctx, "secretaire", "Secrétaire", Role.SECRETAIRE)
    finally:
        holder.join()
    assert caught.value.code == "busy" and caught.value.exit_code == 4
    assert "occupée par un autre poste" in caught.value.message and "rien n'a été enregistré" in caught.value.message
    assert len(pauses) == ATTEMPTS - 1  # bounded: the begin is tried ATTEMPTS times, with a pause in between
    with db.read() as session:
        assert session.scalar(sa.select(User.id).where(User.login == "secretaire")) is None
    db.dispose()


class _Deadlock(Exception):
    sqlstate = "40P01"


def _deadlock() -> DBAPIError:
    return OperationalError("UPDATE …", {}, _Deadlock("deadlock detected"))


def test_use_case_reruns_the_whole_function_then_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "pause", lambda attempt: None)
    calls: list[str] = []

    @use_case
    def inner() -> None:
        calls.append("inner")
        raise _deadlock()

    @use_case
    def outer() -> None:
        calls.append("outer")
        inner()

    with pytest.raises(DatabaseBusyError) as caught:
        outer()
    assert caught.value.code == "conflict_retry" and "rien n'a été enregistré" in caught.value.message
    assert calls == ["outer", "inner"] * ATTEMPTS  # the outermost use case alone retries: no ATTEMPTS²


def test_use_case_returns_after_a_transient_failure_and_lets_other_errors_through(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "pause", lambda attempt: None)
    attempts: list[int] = []

    @use_case
    def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise _deadlock()
        return "fait"

    assert flaky() == "fait" and len(attempts) == 3

    @use_case
    def broken() -> None:
        attempts.append(1)
        raise ValueError("bug")

    attempts.clear()
    with pytest.raises(ValueError):
        broken()
    assert len(attempts) == 1


@pytest.mark.parametrize(("orig", "expected"), [
    (_Deadlock("x"), True),
    (type("Serial", (Exception,), {"sqlstate": "40001"})("x"), True),
    (type("Unique", (Exception,), {"sqlstate": "23505"})("x"), False),
    (sqlite3.OperationalError("database is locked"), True),
    (sqlite3.OperationalError("no such table: x"), False),
])
def test_which_failures_are_retried(orig: Exception, expected: bool) -> None:
    assert is_retryable(OperationalError("SELECT", {}, orig)) is expected
    assert not is_retryable(ValueError("database is locked"))


def test_a_postgresql_deadlock_is_retried_and_both_use_cases_succeed(pg_schema_url: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Two desks lock the same two rows in opposite orders: PostgreSQL aborts one, which runs again."""
    db = Database(pg_schema_url)
    with db.transaction() as session:
        session.execute(sa.delete(User))
        session.add_all([User(login=f"u{i}", display_name="x", role="secretaire", active=True,
                              created_at=fixed_clock()) for i in (1, 2)])
    with db.read() as session:
        first, second = session.scalars(sa.select(User.id).order_by(User.id)).all()
    both_hold_one = threading.Barrier(2, timeout=10)
    runs: list[str] = []
    errors: list[BaseException] = []

    @use_case
    def rename(name: str, order: tuple[int, int]) -> None:
        runs.append(name)
        with db.transaction() as session:
            session.execute(sa.update(User).where(User.id == order[0]).values(display_name=name))
            if runs.count(name) == 1:  # the first attempt meets the other desk halfway
                both_hold_one.wait()
            session.execute(sa.update(User).where(User.id == order[1]).values(display_name=name))

    def desk(name: str, order: tuple[int, int]) -> None:
        try:
            rename(name, order)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=desk, args=("a", (first, second))),
               threading.Thread(target=desk, args=("b", (second, first)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with db.read() as session:
        names = set(session.scalars(sa.select(User.display_name)))
    db.dispose()
    assert errors == []
    assert len(runs) == 3  # one of them was aborted by the deadlock detector and ran again
    assert len(names) == 1  # the second to commit wrote both rows

"""The database handle: one engine, one transaction per use case, migrations on demand."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from feuille.storage.retry import busy_error, is_retryable, retrying

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
#: ``revision = "..."`` and ``down_revision = "..." | None`` at the top level of a migration script
_REVISION = re.compile(r'^(down_revision|revision)(?:: [^=]+)? = (None|"([^"]+)")\s*$', re.MULTILINE)
#: How long a SQLite writer waits for another one before its attempt fails (then :data:`ATTEMPTS` attempts).
BUSY_TIMEOUT = 30.0
WRITE = "feuille_write"  # execution option of the engine that write transactions use


def _sqlite_engine(url: str, busy_timeout: float) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": busy_timeout})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transactions out of pysqlite's hands so BEGIN/SAVEPOINT behave as on PostgreSQL.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A write transaction takes the write lock at once: a second writer then waits (busy timeout) here,
        # instead of failing with "database is locked" when it upgrades a read lock whose snapshot is stale.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")

    return engine


class Database:
    """Owns the engine; hands out sessions that commit or roll back as a whole."""

    def __init__(self, url: str, *, echo: bool = False, busy_timeout: float = BUSY_TIMEOUT) -> None:
        self.url = url
        if url.startswith("sqlite"):
            self.engine = _sqlite_engine(url, busy_timeout)
        else:
            # Optimistic disconnect handling (a dead connection is invalidated on its first error, and recycled
            # hourly) rather than pool_pre_ping: a ping per checkout was a third of the round trips of a use case.
            self.engine = create_engine(url, echo=echo, pool_recycle=3600)
        # A read sees one snapshot of the database from its first statement to its end, while desks write:
        # SQLite's read transactions do (WAL); PostgreSQL's READ COMMITTED would take a new snapshot at each
        # statement (the audit chain's head read first, its entries later, would disagree), so REPEATABLE READ,
        # which never refuses a transaction that only reads.
        # READ ONLY as well: a read ends with COMMIT (see read()), which must never keep a write.
        readers = self.engine if self.dialect == "sqlite" else self.engine.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True)
        self._sessions = sessionmaker(readers, expire_on_commit=False)
        self._writes = sessionmaker(self.engine.execution_options(**{WRITE: True}), expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One use case, one transaction: everything or nothing is written.

        The transaction begins at once (SQLite: ``BEGIN IMMEDIATE``, waiting for another writer, a bounded
        number of times). A lock or deadlock failure later on becomes a French :class:`DatabaseBusyError`,
        which :func:`feuille.storage.retry.use_case` answers by running the whole use case again."""
        session = self._begin_write()
        try:
            yield session
            session.commit()
        except DBAPIError as exc:
            session.rollback()
            if is_retryable(exc):
                raise busy_error(exc) from exc
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def _begin_write(self) -> Session:
        session = self._writes()

        def begin() -> Session:
            session.begin()
            session.connection()  # BEGIN now: the wait for the write lock happens here, where it can retry
            return session

        return retrying(begin, give_up=session.close)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session
            # End a read with COMMIT rather than the ROLLBACK of close(): the same for a transaction that wrote
            # nothing (PostgreSQL's is READ ONLY), but psycopg forgets its prepared statements after every
            # ROLLBACK (DEALLOCATE ALL), so each read made the next use case prepare its statements again.
            session.commit()

    def alembic_config(self) -> Config:
        # Alembic (with mako, pygments, asyncio) is imported only to migrate: a command run on an up-to-date
        # database never needs it (see ensure_schema).
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return config

    def upgrade(self, revision: str = "head") -> None:
        from alembic import command

        with self.engine.begin() as connection:
            config = self.alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def downgrade(self, revision: str = "base") -> None:
        from alembic import command

        with self.engine.begin() as connection:
            config = self.alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, revision)

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self.alembic_config()).get_current_head()

    def stored_revisions(self) -> list[str] | None:
        """The revisions the database says it is at (None when it has no version table yet), read in one plain
        query: no alembic import."""
        try:
            with self.engine.connect() as connection:
                return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
        except DBAPIError:
            return None

    def ensure_schema(self) -> None:
        """Bring the schema to the code's version (a no-op when it is already there).

        Every command calls this: when the database is at the head read from the migration scripts' text, it
        answers from one query, without importing alembic or loading the scripts (a sixth of a command's
        start-up); any other case (an empty database, an older one, scripts it cannot read) goes through alembic.
        """
        head = migration_head()
        if head is not None and self.stored_revisions() == [head]:
            return
        if self.current_revision() != self.head_revision():
            self.upgrade()

    def dispose(self) -> None:
        self.engine.dispose()


def migration_head(folder: Path = MIGRATIONS / "versions") -> str | None:
    """The one head of the migration scripts, read from their text (``revision`` / ``down_revision``), or None
    when a script does not state both plainly or the chain has no single head (then ask alembic)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in folder.glob("*.py"):
        found = {match.group(1): match.group(3) for match in _REVISION.finditer(script.read_text(encoding="utf-8"))}
        if not found.get("revision") or "down_revision" not in found:
            return None
        revisions.add(found["revision"])
        if found["down_revision"] is not None:
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None

"""Backups of the whole database, taken while desks keep working, and their restoration into an empty one.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot in one step (a
step-wise copy restarts whenever another process writes, and a busy practice writes all day). PostgreSQL:
``pg_dump`` in its custom format (a consistent snapshot too), restored by ``pg_restore`` in one transaction.
The copy is written beside the target and renamed into place, so a failed backup never leaves a half file.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from feuille.errors import ConflictError, ValidationError
from feuille.storage.db import Database

PG_TOOLS = Path("/usr/lib/postgresql")  # Debian/Ubuntu: one bin/ folder per major version


class BackupError(ValidationError):
    """A backup or a restoration refused or failed; nothing was changed."""

    default_code = "backup"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int      # bytes
    dialect: str


def backup(db: Database, target: Path) -> BackupResult:
    """Copy the database to ``target`` (refused when it exists: a backup never overwrites another)."""
    check_target(target)
    partial = target.with_name(f".{target.name}.partiel")
    try:
        if db.dialect == "sqlite":
            _sqlite_backup(db, partial)
        else:
            _run(_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}",
                 *_schema_args(db.url), env_url=db.url)
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, db.dialect)


def check_target(target: Path) -> None:
    """Where a backup may be written: a new file in an existing folder."""
    if target.exists():
        raise BackupError(f"FICHIER : « {target} » existe déjà ; une sauvegarde n'en écrase jamais une autre "
                          "(mettez la date dans le nom).", code="backup_exists", field="FICHIER")
    if not target.parent.is_dir():
        raise BackupError(f"FICHIER : le dossier « {target.parent} » n'existe pas.", code="backup_folder",
                          field="FICHIER")


def restore(db: Database, source: Path) -> None:
    """Load ``source`` into ``db``, which must be empty (no table of its own yet, or only empty ones)."""
    if not source.is_file():
        raise BackupError(f"FICHIER : sauvegarde introuvable : {source}", code="file_not_found", field="FICHIER")
    _check_empty(db)
    if db.dialect == "sqlite":
        _sqlite_restore(db, source)
    else:
        _run(_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
             str(source), env_url=db.url, dbname=True)
    db.dispose()  # connections opened before the restore may cache the old (empty) schema
    db.ensure_schema()  # a backup taken by an older version is brought to this version's schema


def _check_empty(db: Database) -> None:
    names = set(inspect(db.engine).get_table_names())
    with db.engine.connect() as connection:
        for table in sorted(names - {"alembic_version"}):
            if connection.exec_driver_sql(f'SELECT 1 FROM "{table}" LIMIT 1').first() is not None:
                raise ConflictError(f"La base de destination n'est pas vide (table « {table} ») : une sauvegarde "
                                    "se restaure dans une base neuve, pour ne rien écraser.",
                                    code="restore_not_empty", field="base")


# --- SQLite ---------------------------------------------------------------------------------------------------------

def _sqlite_backup(db: Database, target: Path) -> None:
    destination = sqlite3.connect(target)
    try:
        source = db.engine.raw_connection()
        try:
            source.driver_connection.backup(destination)  # type: ignore[union-attr]
        finally:
            source.close()
    finally:
        destination.close()


def _sqlite_restore(db: Database, source: Path) -> None:
    origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        try:
            found = origin.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            found = None
        if found is None:
            raise BackupError(f"FICHIER : « {source} » n'est pas une sauvegarde SQLite de feuille.",
                              code="backup_invalid", field="FICHIER")
        db.dispose()
        target = db.engine.raw_connection()
        try:
            origin.backup(target.driver_connection)  # type: ignore[arg-type]
        finally:
            target.close()
    finally:
        origin.close()


# --- PostgreSQL -----------------------------------------------------------------------------------------------------

def _pg_tool(name: str) -> str:
    """``pg_dump``/``pg_restore`` on the PATH, else the newest of the installed PostgreSQL versions (a tool
    older than the server refuses to dump it)."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted((p for p in PG_TOOLS.glob(f"*/bin/{name}") if p.parts[-3].isdigit()),
                      key=lambda p: int(p.parts[-3]), reverse=True)
    if versions:
        return str(versions[0])
    raise BackupError(f"« {name} » introuvable : installez le client PostgreSQL (paquet postgresql-client) pour "
                      "sauvegarder ou restaurer une base PostgreSQL.", code="pg_tools_missing", field="base")


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The libpq form of the URL (without the SQLAlchemy driver) and the environment carrying its password,
    so that the password never appears in the process list."""
    parsed: URL = make_url(url).set(drivername="postgresql")
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return parsed.set(password=None).render_as_string(hide_password=False), env


def _schema_args(url: str) -> list[str]:
    """A URL whose ``options`` pin a ``search_path`` (one schema per practice): only that schema."""
    options = str(make_url(url).query.get("options", ""))
    found = re.search(r"-c\s*search_path=([A-Za-z0-9_]+)", options)
    return [f"--schema={found.group(1)}"] if found else []


def _run(tool: str, *args: str, env_url: str, dbname: bool = False) -> None:
    conninfo, env = _libpq(env_url)
    command = [tool, *args, f"--dbname={conninfo}"] if dbname else [tool, *args, conninfo]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"{Path(tool).name} n'a pas pu être lancé ({exc.strerror}).", code="pg_tools_failed",
                          field="base") from None
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-1:] or ["(sans message)"]
        raise BackupError(f"{Path(tool).name} a échoué : {detail[0][:300]}", code="pg_tools_failed",
                          field="base", detail=done.stderr)

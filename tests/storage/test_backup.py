"""``feuille db backup`` while another process writes, then ``feuille db restore`` into an empty database, each
verified (audit chain and invoice signatures), on SQLite and PostgreSQL; the refusals, in French."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from feuille.auth import Context
from feuille.billing import drafts, rate_check, securing
from feuille.storage import Database
from feuille.storage import backup as backups
from feuille.storage.models import Invoice
from tests.billing.support import CPS_MEDECIN, VITALE_ESSAI, FakeReader, consultation, practice
from tests.support.cli import Cli
from tests.support.writers import Background


def count(url: str) -> int:
    db = Database(url)
    with db.read() as session:
        found = int(session.scalar(sa.select(sa.func.count()).select_from(Invoice)) or 0)
    db.dispose()
    return found


class EmptyTarget:
    """An empty database of the same kind to restore into. PostgreSQL: the session's schema is set aside under
    another name and the restore recreates it (a new database would do too, but dropping one waits for a
    checkpoint: minutes on a busy server); put back afterwards."""

    def __init__(self, db_url: str, tmp_path: Path) -> None:
        self.source = db_url
        self.url = f"sqlite:///{tmp_path / 'restauree.db'}" if db_url.startswith("sqlite") else db_url
        self.schema = backups._schema_args(db_url)[0].removeprefix("--schema=") if self.url == db_url else ""
        self.admin = sa.create_engine(make_url(db_url).set(query={}), isolation_level="AUTOCOMMIT")
        self.aside = False

    def _run(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(sa.text(sql))

    def prepare(self) -> None:
        if self.schema:
            self._run(f'ALTER SCHEMA "{self.schema}" RENAME TO "{self.schema}_src"')
            self.aside = True

    def put_back(self) -> None:
        if self.aside:
            self._run(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
            self._run(f'ALTER SCHEMA "{self.schema}_src" RENAME TO "{self.schema}"')
        self.admin.dispose()


@pytest.fixture
def empty(db_url: str, tmp_path: Path) -> Iterator[EmptyTarget]:
    target = EmptyTarget(db_url, tmp_path)
    try:
        yield target
    finally:
        target.put_back()


def test_backup_during_writes_then_restore_into_an_empty_database(ctx: Context, cli: Any, db_url: str,
                                                                  empty: EmptyTarget, tmp_path: Path) -> None:
    practice(ctx)
    reader = FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI)
    first = drafts.create_draft(ctx, consultation()).id
    rate_check.check_rates(ctx, first)
    securing.secure(ctx, first, "synchronise", reader)
    target = tmp_path / "sauvegarde.bak"
    with Background(db_url, invoices=12) as writer:
        deadline = time.monotonic() + 120
        while count(db_url) < 3 and time.monotonic() < deadline:  # the other desk is writing now
            time.sleep(0.05)
        result = cli("db", "backup", str(target))
        writer.finish()
    assert result.exit_code == 0, result.stderr
    assert "Sauvegarde écrite" in result.stdout and "journal d'audit intègre" in result.stdout
    assert "sans anomalie" in result.stdout and target.stat().st_size > 0
    saved = 1 + 12
    assert count(db_url) == saved  # the writer finished after the backup

    empty.prepare()
    empty_url = empty.url
    restored = Cli(empty_url)("db", "restore", str(target))
    assert restored.exit_code == 0, restored.stderr
    assert "restaurée" in restored.stdout and "journal d'audit intègre" in restored.stdout
    assert 3 <= count(empty_url) <= saved  # a consistent snapshot taken while the desk wrote
    again = Cli(empty_url)("db", "restore", str(target))
    assert again.exit_code == 4 and "n'est pas vide" in again.stderr
    assert cli("db", "backup", str(target)).exit_code == 2  # never overwrites another backup


def test_refusals_are_french(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = cli("db", "restore", str(tmp_path / "absente.bak"))
    assert missing.exit_code == 2 and "introuvable" in missing.stderr
    nowhere = cli("db", "backup", str(tmp_path / "pas-de-dossier" / "s.bak"))
    assert nowhere.exit_code == 2 and "n'existe pas" in nowhere.stderr
    assert "Sauvegarde en cours" not in nowhere.stderr and not list(tmp_path.glob(".*partiel"))


def test_without_the_postgresql_client_the_refusal_says_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                                                        tmp_path: Path) -> None:
    monkeypatch.setattr(backups.shutil, "which", lambda name: None)
    monkeypatch.setattr(backups, "PG_TOOLS", tmp_path)
    with pytest.raises(backups.BackupError) as caught:
        backups._pg_tool("pg_dump")
    assert caught.value.code == "pg_tools_missing" and "postgresql-client" in caught.value.message
    (tmp_path / "13" / "bin").mkdir(parents=True)
    (tmp_path / "16" / "bin").mkdir(parents=True)
    for version in ("13", "16"):
        (tmp_path / version / "bin" / "pg_dump").touch()
    assert backups._pg_tool("pg_dump") == str(tmp_path / "16" / "bin" / "pg_dump")  # the newest


def test_a_file_that_is_not_a_backup_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"pas une base")
    target = Database(f"sqlite:///{tmp_path / 'vide.db'}")
    with pytest.raises(backups.BackupError) as caught:
        backups.restore(target, junk)
    target.dispose()
    assert caught.value.code == "backup_invalid"

"""Migrations build exactly the models' schema, from empty, and downgrade cleanly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from feuille.storage import Database
from feuille.storage.db import migration_head
from feuille.storage.models import Base


def _diff(db: Database) -> list[object]:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def _tables(db: Database) -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_migrations_match_models(db: Database) -> None:
    assert _diff(db) == []
    assert _tables(db) == set(Base.metadata.tables)


def test_downgrade_to_base_and_upgrade_again(db: Database) -> None:
    db.downgrade("base")
    assert _tables(db) == set()
    db.upgrade()
    assert _tables(db) == set(Base.metadata.tables)
    assert db.current_revision() == db.head_revision()


def test_the_head_read_from_the_scripts_is_alembics(db: Database) -> None:
    assert migration_head() == db.head_revision() is not None


@pytest.mark.parametrize("scripts", [
    {"a.py": 'revision = "a"\ndown_revision = None\n', "b.py": 'revision = "b"\n'},                # no parent said
    {"a.py": 'revision = "a"\ndown_revision = None\n', "b.py": 'revision = "b"\ndown_revision = "a"\n',
     "c.py": 'revision = "c"\ndown_revision = "a"\n'},                                          # two heads
    {"a.py": 'revision = "a"\ndown_revision = None\n', "m.py": 'revision = "m"\ndown_revision = ("a", "b")\n'},
    {"a.py": "# not a migration\n"},
    {},
])
def test_no_head_when_the_scripts_do_not_say_it_plainly(tmp_path: Path, scripts: dict[str, str]) -> None:
    for name, text in scripts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert migration_head(tmp_path) is None


def test_a_plain_chain_has_its_last_revision_as_head(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text('revision = "a"\ndown_revision = None\n', encoding="utf-8")
    (tmp_path / "b.py").write_text('revision: str = "b"\ndown_revision: str | None = "a"\n', encoding="utf-8")
    assert migration_head(tmp_path) == "b"


def test_an_up_to_date_database_is_checked_without_alembic(db: Database) -> None:
    """Every command calls ensure_schema: on a database at the head, no alembic import, one query."""
    code = ("import sys\nfrom feuille.storage import Database\n"
            "db = Database(sys.argv[1])\ndb.ensure_schema()\n"
            "print('ALEMBIC', sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n")
    done = subprocess.run([sys.executable, "-c", code, db.url], capture_output=True, text=True, timeout=120)
    assert "ALEMBIC []" in done.stdout, done.stdout + done.stderr[-2000:]


def test_ensure_schema_migrates_an_empty_database(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/vide.db")
    try:
        assert db.stored_revisions() is None
        db.ensure_schema()
        assert db.stored_revisions() == [db.head_revision()]
        assert _tables(db) == set(Base.metadata.tables)
    finally:
        db.dispose()

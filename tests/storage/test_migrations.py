"""Migrations build exactly the models' schema, from empty, and downgrade cleanly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from feuille.storage import Database
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

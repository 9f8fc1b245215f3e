"""A read sees one snapshot from its first statement to its end, even while another desk commits: a
verification reading the audit chain's head first and its entries later must not see them disagree."""

from __future__ import annotations

import sqlalchemy as sa

from feuille.auth import Context, Role, create_user
from feuille.storage import Database
from feuille.storage.models import AuditEntry, User


def test_a_read_keeps_its_snapshot_while_another_desk_commits(ctx: Context, db_url: str) -> None:
    other = Database(db_url)
    with ctx.db.read() as session:
        users = session.scalar(sa.select(sa.func.count()).select_from(User))
        entries = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        create_user(Context(db=other, actor=ctx.actor, clock=ctx.clock), "secretaire", "S", Role.SECRETAIRE)
        assert session.scalar(sa.select(sa.func.count()).select_from(User)) == users
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries
    with ctx.db.read() as session:  # a new read sees the commit
        assert session.scalar(sa.select(sa.func.count()).select_from(User)) == (users or 0) + 1
    other.dispose()

from __future__ import annotations

import sqlalchemy as sa

from feuille import audit
from feuille.auth import Role, create_user
from feuille.storage.models import AuditEntry


def test_chain_verifies_and_detects_edit_and_removal(ctx):  # type: ignore[no-untyped-def]
    for i in range(3):
        create_user(ctx, f"user{i}", f"Utilisateur {i}", Role.SECRETAIRE)
    report = audit.verify(ctx.db)
    assert report.ok and report.checked == 4
    with ctx.db.engine.begin() as conn:
        conn.execute(sa.update(AuditEntry).where(AuditEntry.id == 2).values(data='{"login":"pirate"}'))
    report = audit.verify(ctx.db)
    assert not report.ok and report.problems[0].entry_id == 2


def test_removing_the_newest_entry_is_detected(ctx):  # type: ignore[no-untyped-def]
    create_user(ctx, "marie", "Marie", Role.SECRETAIRE)
    with ctx.db.engine.begin() as conn:
        last = conn.scalar(sa.select(sa.func.max(AuditEntry.id)))
        conn.execute(sa.delete(AuditEntry).where(AuditEntry.id == last))
    assert not audit.verify(ctx.db).ok


def test_audit_verify_command(cli):  # type: ignore[no-untyped-def]
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.stderr
    assert "Journal intègre" in result.stdout

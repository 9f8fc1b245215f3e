"""Disabling and enabling users, the audit log's pages and its verification as services."""

from __future__ import annotations

import threading

import pytest

from feuille import audit, signin
from feuille.auth import (
    AUDIT_PAGE,
    Context,
    Permission,
    Role,
    actor_for,
    audit_page,
    create_user,
    list_users,
    may,
    set_user_active,
    verify_audit,
)
from feuille.errors import NotFoundError, PermissionDeniedError, ValidationError
from tests.conftest import context_as


def _active(ctx: Context, login: str) -> bool:
    return {u.login: u.active for u in list_users(ctx)}[login]


def test_a_disabled_user_cannot_sign_in_and_loses_his_sessions(ctx: Context) -> None:
    create_user(ctx, "marie", "Marie", Role.SECRETAIRE)
    signin.set_password(ctx, "marie", "un-mot-de-passe-long")
    opened = signin.sign_in(ctx.db, "marie", "un-mot-de-passe-long", "10.0.0.1")
    assert set_user_active(ctx, "marie", False) is True
    assert signin.resolve(ctx.db, opened.token) is None
    with pytest.raises(ValidationError):
        signin.sign_in(ctx.db, "marie", "un-mot-de-passe-long", "10.0.0.1")
    assert set_user_active(ctx, "marie", False) is False   # twice changes nothing
    assert set_user_active(ctx, "marie", True) is True and _active(ctx, "marie")
    actions = [e.action for e in audit.newest(ctx.db, 5)[0]]
    assert actions[:2] == ["user.enable", "user.disable"]
    assert audit.verify(ctx.db).ok


def test_nobody_disables_himself_nor_the_last_administrator(ctx: Context) -> None:
    with pytest.raises(ValidationError) as itself:
        set_user_active(ctx, "admin", False)
    assert itself.value.code == "user_self"
    create_user(ctx, "chef", "Chef", Role.ADMINISTRATEUR)
    chef = Context(db=ctx.db, actor=actor_for(ctx.db, "chef"), clock=ctx.clock)
    assert set_user_active(chef, "admin", False) is True
    with pytest.raises(ValidationError):   # chef is now the only one: nobody may disable him (not even himself)
        set_user_active(chef, "chef", False)
    with pytest.raises(NotFoundError):
        set_user_active(chef, "personne", False)


def test_only_an_administrator_disables(ctx: Context) -> None:
    create_user(ctx, "marie", "Marie", Role.SECRETAIRE)
    with pytest.raises(PermissionDeniedError):
        set_user_active(context_as(ctx.db, Role.TITULAIRE), "marie", False)
    assert _active(ctx, "marie")
    assert may(ctx, Permission.USER_ADMIN) and not may(context_as(ctx.db, Role.TITULAIRE), Permission.USER_ADMIN)


def test_the_audit_log_pages_newest_first(ctx: Context) -> None:
    for i in range(AUDIT_PAGE + 3):
        create_user(ctx, f"u{i}", f"U {i}", Role.SECRETAIRE)
    first, pages = audit_page(ctx, 1)
    assert pages == 2 and len(first) == AUDIT_PAGE
    assert first[0].action == "user.create" and '"u52"' in first[0].data
    second, _ = audit_page(ctx, 2)
    assert len(second) == 4 and second[-1].id == 1   # the bootstrap administrator's creation
    with pytest.raises(ValidationError):
        audit_page(ctx, 0)
    with pytest.raises(PermissionDeniedError):
        audit_page(context_as(ctx.db, Role.SECRETAIRE), 1)
    assert verify_audit(ctx).ok
    with pytest.raises(PermissionDeniedError):
        verify_audit(context_as(ctx.db, Role.REMPLACANT))


def test_a_user_changes_his_own_password_knowing_the_current_one(ctx: Context) -> None:
    create_user(ctx, "paul", "Paul", Role.TITULAIRE)
    signin.set_password(ctx, "paul", "un-mot-de-passe-long")
    paul = Context(db=ctx.db, actor=actor_for(ctx.db, "paul"), clock=ctx.clock)
    with pytest.raises(ValidationError) as refused:
        signin.change_own_password(paul, "faux", "court", "autre")
    assert {p.field: p.code for p in refused.value.problems} == {
        "mot_de_passe_actuel": "mot_de_passe_faux", "mot_de_passe": "mot_de_passe_court",
        "confirmation": "confirmation_differente"}
    signin.change_own_password(paul, "un-mot-de-passe-long", "un-nouveau-mot-de-passe", "un-nouveau-mot-de-passe")
    assert signin.sign_in(ctx.db, "paul", "un-nouveau-mot-de-passe", "10.0.0.1").actor.login == "paul"


def test_two_administrators_disabling_each_other_leave_one(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """« chef » disables « admin »; while that transaction is still open, « admin » disables « chef ». The second
    waits for the first (the administrators are locked) and is refused: one active administrator is left."""
    create_user(ctx, "chef", "Chef", Role.ADMINISTRATEUR)
    chef = Context(db=ctx.db, actor=actor_for(ctx.db, "chef"), clock=ctx.clock)
    record = audit.record
    outcome: list[object] = []

    def other_desk() -> None:
        try:
            outcome.append(set_user_active(ctx, "chef", False))
        except ValidationError as refused:
            outcome.append(refused.code)

    def record_then_race(*args: object, **kwargs: object) -> None:
        record(*args, **kwargs)  # type: ignore[arg-type]
        if not outcome and kwargs.get("action") == "user.disable":
            racer = threading.Thread(target=other_desk)
            racer.start()
            racer.join(2)   # without the lock the other desk would finish here, seeing two administrators
            outcome.append("open")

    monkeypatch.setattr(audit, "record", record_then_race)
    set_user_active(chef, "admin", False)
    monkeypatch.setattr(audit, "record", record)
    for _ in range(100):
        if len(outcome) == 2:
            break
        threading.Event().wait(0.1)
    assert outcome == ["open", "last_admin"]
    assert {u.login for u in list_users(ctx) if u.active and u.role == Role.ADMINISTRATEUR} == {"chef"}

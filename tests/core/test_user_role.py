"""An administrator changes a user's role or displayed name: sessions end at once, the last administrator and a
user linked to a professional keep their role, each change audited."""

from __future__ import annotations

import json

import pytest

from feuille import audit, signin
from feuille.auth import Actor, Context, Role, actor_for, create_user, list_users, set_user_role, update_user
from feuille.errors import NotFoundError, PermissionDeniedError, ValidationError
from feuille.practice import professionals
from tests.conftest import context_as
from tests.web.settings.helpers import TITULAIRE


def _user(ctx: Context, login: str) -> tuple[str, str]:
    found = next(u for u in list_users(ctx) if u.login == login)
    return found.role.value, found.display_name


def test_a_new_role_applies_at_once_and_is_audited(ctx: Context) -> None:
    create_user(ctx, "marie", "Marie", Role.SECRETAIRE)
    signin.set_password(ctx, "marie", "un-mot-de-passe-long")
    opened = signin.sign_in(ctx.db, "marie", "un-mot-de-passe-long", "10.0.0.1")
    assert set_user_role(ctx, "marie", Role.TITULAIRE) is True
    assert _user(ctx, "marie") == ("titulaire", "Marie")
    assert signin.resolve(ctx.db, opened.token) is None          # her session ended
    entry = audit.newest(ctx.db, 1)[0][0]
    assert entry.action == "user.update" and json.loads(entry.data) == {"login": "marie", "role": "titulaire"}
    assert set_user_role(ctx, "marie", Role.TITULAIRE) is False   # twice changes nothing
    again = signin.sign_in(ctx.db, "marie", "un-mot-de-passe-long", "10.0.0.1")
    assert signin.resolve(ctx.db, again.token).actor.role is Role.TITULAIRE  # type: ignore[union-attr]


def test_a_new_name_keeps_the_sessions(ctx: Context) -> None:
    create_user(ctx, "marie", "Marie", Role.SECRETAIRE)
    signin.set_password(ctx, "marie", "un-mot-de-passe-long")
    opened = signin.sign_in(ctx.db, "marie", "un-mot-de-passe-long", "10.0.0.1")
    assert update_user(ctx, "marie", display_name="  Marie Curie ") is True
    assert _user(ctx, "marie") == ("secretaire", "Marie Curie")
    assert signin.resolve(ctx.db, opened.token) is not None
    assert update_user(ctx, "marie", display_name="") is True and _user(ctx, "marie")[1] == "marie"
    with pytest.raises(ValidationError) as long:
        update_user(ctx, "marie", display_name="x" * 129)
    assert long.value.field == "display_name"
    assert audit.verify(ctx.db).ok


def test_the_last_administrator_and_oneself_keep_the_role(ctx: Context) -> None:
    with pytest.raises(ValidationError) as itself:
        set_user_role(ctx, "admin", Role.SECRETAIRE)
    assert (itself.value.code, itself.value.field) == ("user_self", "role")
    create_user(ctx, "chef", "Chef", Role.ADMINISTRATEUR)
    chef = Context(db=ctx.db, actor=actor_for(ctx.db, "chef"), clock=ctx.clock)
    assert set_user_role(chef, "admin", Role.TITULAIRE) is True
    # "admin" is no administrator any more; a stale context of his cannot demote the last one
    with pytest.raises(ValidationError) as last:
        set_user_role(Context(db=ctx.db, actor=Actor("admin", Role.ADMINISTRATEUR)), "chef", Role.SECRETAIRE)
    assert last.value.code == "last_admin" and "dernier administrateur" in last.value.message
    assert _user(ctx, "chef")[0] == "administrateur"
    with pytest.raises(NotFoundError):
        set_user_role(chef, "personne", Role.SECRETAIRE)


def test_a_user_linked_to_a_professional_keeps_the_professional_s_kind(ctx: Context) -> None:
    create_user(ctx, "alain", "Alain", Role.TITULAIRE)
    pro = professionals.register_professional(ctx, TITULAIRE).id
    professionals.link_user(ctx, "alain", pro)
    with pytest.raises(ValidationError) as linked:
        set_user_role(ctx, "alain", Role.SECRETAIRE)
    assert linked.value.code == "user_role" and "déliez-le" in linked.value.message
    with pytest.raises(ValidationError):
        set_user_role(ctx, "alain", Role.ADMINISTRATEUR)
    assert _user(ctx, "alain")[0] == "titulaire"
    professionals.unlink_professional(ctx, pro)
    assert set_user_role(ctx, "alain", Role.SECRETAIRE) is True


def test_only_an_administrator_changes_a_role(ctx: Context) -> None:
    create_user(ctx, "marie", "Marie", Role.SECRETAIRE)
    for role in (Role.TITULAIRE, Role.REMPLACANT, Role.SECRETAIRE):
        with pytest.raises(PermissionDeniedError):
            set_user_role(context_as(ctx.db, role), "marie", Role.ADMINISTRATEUR)
    assert _user(ctx, "marie")[0] == "secretaire"

"""Professionals: register from card data, list, look up, delete (with the deletion blockers)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from feuille.auth import Context, Role, actor_for, create_user
from feuille.errors import ConflictError, NotFoundError, PermissionDeniedError, StateError, ValidationError
from feuille.practice import professionals, replacements
from feuille.storage.models import AuditEntry, Professional, ProfessionalPreferences, User
from tests.conftest import context_as, fixed_clock

FIRMIER: dict[str, object] = {"civility": "Monsieur", "last_name": "FIRMIER", "first_name": "Alain",
                              "billing_number": "99610218 2", "specialty": "24", "caisse": "991"}
MEDECIN: dict[str, object] = {"civility": "Madame", "last_name": "MEDECIN0043390", "first_name": "Virginie",
                              "billing_number": "001033901", "specialty": "01", "caisse": "991", "sector": "2"}
REMPLACANT: dict[str, object] = {"civility": "Madame", "last_name": "REMPEXMED0055789", "first_name": "NATHALIE",
                                 "rpps": "99700557897", "billing_number": "99700557", "billing_key": "8",
                                 "specialty": "24", "caisse": "991"}


def count(ctx: Context, model: Any) -> int:
    with ctx.db.read() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def actions(ctx: Context) -> list[str]:
    with ctx.db.read() as session:
        return list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def user_ctx(ctx: Context, login: str, role: Role, professional: object | None = None) -> Context:
    """A stored user of this role, linked to ``professional`` when given."""
    create_user(ctx, login, login, role)
    if professional is not None:
        professionals.link_user(ctx, login, professional)  # type: ignore[arg-type]
    return Context(db=ctx.db, actor=actor_for(ctx.db, login), clock=fixed_clock)


def test_register_titulaire_from_card_and_list(ctx: Context) -> None:
    result = professionals.register_professional(ctx, FIRMIER, from_card=True)
    assert result.warnings == ()
    pro = professionals.get_professional(ctx, "99610218 2")
    assert pro.id == result.id and pro.kind == "titulaire" and pro.profession == "infirmier"
    assert (pro.civility, pro.caisse, pro.sector, pro.mode, pro.situation) == ("M", "991", 1, "liberal", 1)
    assert professionals.label(pro) == "FIRMIER Alain : 99610218 2"
    professionals.register_professional(ctx, MEDECIN)
    assert [p.last_name for p in professionals.list_professionals(ctx)] == ["FIRMIER", "MEDECIN0043390"]
    assert professionals.get_professional(ctx, "001033901").sector == 2
    assert count(ctx, ProfessionalPreferences) == 2
    assert actions(ctx)[-2:] == ["professional.create", "professional.create"]


def test_card_number_with_failing_key_is_kept_with_a_warning(ctx: Context) -> None:
    result = professionals.register_professional(ctx, {**REMPLACANT, "mode": "remplaçant"}, from_card=True)
    assert result.warnings and "clé" in result.warnings[0]
    pro = professionals.get_professional(ctx, result.id)
    assert pro.billing_number == "997005578" and pro.kind == "remplacant" and pro.from_card


@pytest.mark.parametrize(("change", "field"), [
    ({"billing_key": "8"}, "billing_number"),  # typed: the failing key is an error
    ({"last_name": ""}, "last_name"),
    ({"first_name": None}, "first_name"),
    ({"billing_number": ""}, "billing_number"),
    ({"caisse": "99A"}, "caisse"),
    ({"specialty": "99"}, "specialty"),
    ({"civility": "Maître"}, "civility"),
    ({"mode": "pirate"}, "mode"),
    ({"sector": "4"}, "sector"),
    ({"situation": "0"}, "situation"),
    ({"rpps": "12345"}, "rpps"),
])
def test_bad_input_writes_nothing(ctx: Context, change: dict[str, object], field: str) -> None:
    data = {**FIRMIER, **change}
    if "billing_key" in change:
        data["billing_number"] = "99700557"
    before = len(actions(ctx))
    with pytest.raises(ValidationError) as err:
        professionals.register_professional(ctx, data)
    assert err.value.field == field and " : " in err.value.message
    assert count(ctx, Professional) == 0 and len(actions(ctx)) == before


def test_duplicates_are_refused(ctx: Context) -> None:
    professionals.register_professional(ctx, REMPLACANT, from_card=True)
    with pytest.raises(ConflictError) as err:
        professionals.register_professional(ctx, {**FIRMIER, "billing_number": "99700557 8"}, from_card=True)
    assert err.value.field == "billing_number" and "REMPEXMED0055789" in err.value.message
    with pytest.raises(ConflictError) as err:
        professionals.register_professional(ctx, {**FIRMIER, "rpps": "99700557897"})
    assert err.value.field == "rpps"
    assert count(ctx, Professional) == 1


def test_permissions(ctx: Context) -> None:
    for role in (Role.SECRETAIRE, Role.REMPLACANT):
        with pytest.raises(PermissionDeniedError) as err:
            professionals.register_professional(context_as(ctx.db, role), FIRMIER)
        assert "gérer les professionnels" in err.value.message
    assert count(ctx, Professional) == 0
    titulaire = context_as(ctx.db, Role.TITULAIRE)
    pro_id = professionals.register_professional(titulaire, FIRMIER).id
    with pytest.raises(PermissionDeniedError):
        professionals.delete_professional(context_as(ctx.db, Role.SECRETAIRE), pro_id)
    assert len(professionals.list_professionals(context_as(ctx.db, Role.SECRETAIRE))) == 1


def test_lookups(ctx: Context) -> None:
    pro_id = professionals.register_professional(ctx, FIRMIER).id
    with ctx.db.read() as session:
        found = professionals.find_by_billing_number(session, "99610218 2")
        assert found is not None and found.id == pro_id
        assert professionals.find_by_billing_number(session, None) is None
        assert professionals.resolve(session, str(pro_id)).id == pro_id
    for ref in ("991000696", "999", "abc", "", -1):
        with pytest.raises(NotFoundError) as err:
            professionals.get_professional(ctx, ref)
        assert "introuvable" in err.value.message


def test_delete_titulaire(ctx: Context) -> None:
    pro_id = professionals.register_professional(ctx, FIRMIER).id
    user = user_ctx(ctx, "afirmier", Role.TITULAIRE, pro_id)
    professionals.delete_professional(ctx, pro_id)
    assert count(ctx, Professional) == 0 and count(ctx, ProfessionalPreferences) == 0
    with ctx.db.read() as session:
        assert session.scalar(sa.select(User.professional_id).where(User.login == user.actor.login)) is None
    assert actions(ctx)[-1] == "professional.delete"


def test_titulaire_with_a_remplacant_is_not_deleted(ctx: Context) -> None:
    tit = professionals.register_professional(ctx, FIRMIER).id
    replacements.add_remplacant(ctx, REMPLACANT, [tit], ["15/01/2025"], from_card=True)
    with pytest.raises(ConflictError) as err:
        professionals.delete_professional(ctx, tit)
    assert "remplaçant" in err.value.message and "REMPEXMED0055789" in err.value.message
    assert count(ctx, Professional) == 2


def test_deletion_blockers_registry(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """How the billing module will refuse to delete a professional with pending invoices."""
    pro_id = professionals.register_professional(ctx, FIRMIER).id
    blockers = dict(professionals._DELETION_BLOCKERS)
    monkeypatch.setattr(professionals, "_DELETION_BLOCKERS", blockers)
    professionals.register_deletion_blocker("factures", lambda session, pro: "2 factures en attente")
    with pytest.raises(ConflictError) as err:
        professionals.delete_professional(ctx, pro_id)
    assert err.value.message.endswith("2 factures en attente")
    professionals.register_deletion_blocker("factures", lambda session, pro: None)
    professionals.delete_professional(ctx, pro_id)
    assert count(ctx, Professional) == 0


def test_link_user(ctx: Context) -> None:
    tit = professionals.register_professional(ctx, FIRMIER).id
    create_user(ctx, "secr", "Secrétaire", Role.SECRETAIRE)
    with pytest.raises(ValidationError) as err:
        professionals.link_user(ctx, "secr", tit)
    assert err.value.field == "login"
    with pytest.raises(NotFoundError):
        professionals.link_user(ctx, "personne", tit)
    user_ctx(ctx, "afirmier", Role.TITULAIRE, tit)
    create_user(ctx, "autre", "Autre", Role.TITULAIRE)
    with pytest.raises(ConflictError):
        professionals.link_user(ctx, "autre", tit)
    with pytest.raises(PermissionDeniedError):
        professionals.link_user(context_as(ctx.db, Role.TITULAIRE), "autre", tit)
    professionals.link_user(ctx, "afirmier", None)
    professionals.link_user(ctx, "autre", tit)
    assert actions(ctx)[-1] == "user.link_professional"


def linked_login(ctx: Context, professional_id: int) -> str | None:
    with ctx.db.read() as session:
        return session.scalar(sa.select(User.login).where(User.professional_id == professional_id))


def test_unlink_professional(ctx: Context) -> None:
    tit = professionals.register_professional(ctx, FIRMIER).id
    user_ctx(ctx, "afirmier", Role.TITULAIRE, tit)
    before = len(actions(ctx))
    for role in (Role.TITULAIRE, Role.SECRETAIRE, Role.REMPLACANT):  # only an administrator, even with nothing linked
        with pytest.raises(PermissionDeniedError):
            professionals.unlink_professional(context_as(ctx.db, role), tit)
    assert linked_login(ctx, tit) == "afirmier" and len(actions(ctx)) == before
    assert professionals.unlink_professional(ctx, tit) == "afirmier"
    assert linked_login(ctx, tit) is None and actions(ctx)[-1] == "user.link_professional"
    assert professionals.unlink_professional(ctx, tit) is None and len(actions(ctx)) == before + 1
    with pytest.raises(PermissionDeniedError):
        professionals.unlink_professional(context_as(ctx.db, Role.SECRETAIRE), tit)
    with pytest.raises(NotFoundError):
        professionals.unlink_professional(ctx, 9999)


def test_update_professional(ctx: Context) -> None:
    tit = professionals.register_professional(ctx, FIRMIER).id
    rempl = replacements.add_remplacant(ctx, REMPLACANT, [tit], [], from_card=True).id
    professionals.update_professional(ctx, tit, {"caisse": "349", "sector": "2", "rpps": "00991000696"})
    pro = professionals.get_professional(ctx, tit)
    assert (pro.caisse, pro.sector, pro.rpps) == ("349", 2, "00991000696")
    assert actions(ctx)[-1] == "professional.update"
    # the remplaçant's card number keeps its warning when other fields change
    result = professionals.update_professional(ctx, rempl, {"first_name": "Nathalie"})
    assert result.warnings and professionals.get_professional(ctx, rempl).first_name == "Nathalie"
    with pytest.raises(ValidationError) as err:
        professionals.update_professional(ctx, tit, {"caisse": "3"})
    assert err.value.field == "caisse"
    with pytest.raises(ConflictError):
        professionals.update_professional(ctx, tit, {"rpps": "99700557897"})
    with pytest.raises(StateError):
        professionals.update_professional(ctx, tit, {"specialty": "01"})  # his remplaçante is a nurse
    assert professionals.get_professional(ctx, tit).specialty == "24"
    assert [(r.id, active) for r, active in professionals.remplacants_of(ctx, tit)] == [(rempl, True)]
    before = len(actions(ctx))
    professionals.update_professional(ctx, tit, {"caisse": "349"})  # no change, no entry
    assert len(actions(ctx)) == before

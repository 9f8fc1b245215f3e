"""Services hand interfaces views (frozen dataclasses), never ORM rows bound to a session."""

from __future__ import annotations

import dataclasses

import pytest

from feuille.auth import Context, Role, UserView, create_user, list_users
from feuille.practice import prescribers, professionals, replacements
from tests.practice.test_professionals import FIRMIER, REMPLACANT


def _is_view(value: object) -> bool:
    return dataclasses.is_dataclass(value) and not hasattr(value, "_sa_instance_state")


def test_professional_reads_are_frozen_views(ctx: Context) -> None:
    tit = professionals.register_professional(ctx, FIRMIER).id
    rempl = professionals.register_professional(ctx, {**REMPLACANT, "mode": "remplaçant"}, from_card=True).id
    replacements.link(ctx, rempl, tit, [])
    pro = professionals.get_professional(ctx, tit)
    assert isinstance(pro, professionals.ProfessionalView) and _is_view(pro)
    assert all(_is_view(p) for p in professionals.list_professionals(ctx))
    [(substitute, active)] = professionals.remplacants_of(ctx, tit)
    assert _is_view(substitute) and substitute.id == rempl and active is True
    with pytest.raises(dataclasses.FrozenInstanceError):
        pro.last_name = "AUTRE"  # type: ignore[misc]
    assert professionals.label(pro) == "FIRMIER Alain : 99610218 2"


def test_prescriber_and_user_reads_are_views(ctx: Context) -> None:
    pid = prescribers.create_prescriber(ctx, {"last_name": "ROY", "first_name": "Patrick", "number": "991000696"})
    found = prescribers.get_prescriber(ctx, pid)
    assert found == prescribers.PrescriberView(pid, "ROY", "Patrick", "991000696", None, None)
    assert all(_is_view(p) for p in prescribers.search_prescribers(ctx, "R"))
    create_user(ctx, "sec", "Secrétaire", Role.SECRETAIRE)
    users = list_users(ctx)
    assert all(isinstance(u, UserView) for u in users)
    assert [(u.login, u.role) for u in users if u.login == "sec"] == [("sec", Role.SECRETAIRE)]

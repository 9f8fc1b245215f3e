"""Favourites: per professional, label + ordered acts; create, edit, search by prefix, delete."""

from __future__ import annotations

from decimal import Decimal

import pytest

from feuille.auth import Context, Role
from feuille.domain.favourites import ExpenseQualifier, FavouriteAct
from feuille.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from feuille.practice import favourites, professionals
from feuille.storage.models import Favourite, FavouriteActRow
from tests.conftest import context_as
from tests.practice.test_professionals import FIRMIER, MEDECIN, actions, count, user_ctx

INJECTION = [{"code": "AMI", "coefficient": "1", "indemnity": "IFD"},
             {"code": "ami", "quantity": "2", "coefficient": "1,5", "price": "4.73", "qualifier": "N",
              "indemnity": "IK", "distance_km": "12"}]


def test_create_search_show(ctx: Context) -> None:
    tit = professionals.register_professional(ctx, FIRMIER).id
    fid = favourites.create_favourite(ctx, tit, "Injection à domicile", INJECTION)
    favourites.create_favourite(ctx, "996102182", "Pansement", [{"code": "AMI", "coefficient": "4"}])
    favourites.create_favourite(ctx, tit, "Éducation", [{"code": "AMI"}])
    fav = favourites.get_favourite(ctx, fid)
    assert fav.label == "Injection à domicile" and fav.professional_id == tit
    assert fav.acts == (FavouriteAct("AMI", 1, Decimal("1.00"), None, None, "IFD"),
                        FavouriteAct("AMI", 2, Decimal("1.50"), Decimal("4.73"), ExpenseQualifier.NON_REMBOURSABLE,
                                     "IK", Decimal("12.00")))
    assert [f.label for f in favourites.search_favourites(ctx, tit)] == ["Éducation", "Injection à domicile",
                                                                          "Pansement"]
    assert [f.label for f in favourites.search_favourites(ctx, tit, "in")] == ["Injection à domicile"]
    assert [f.label for f in favourites.search_favourites(ctx, tit, "e")] == ["Éducation"]
    assert favourites.search_favourites(ctx, tit, "", descending=True)[0].label == "Pansement"
    assert actions(ctx).count("favourite.create") == 3


def test_favourites_belong_to_their_professional(ctx: Context) -> None:
    tit = professionals.register_professional(ctx, FIRMIER).id
    doctor = professionals.register_professional(ctx, MEDECIN).id
    favourites.create_favourite(ctx, tit, "Consultation", [{"code": "AMI"}])
    favourites.create_favourite(ctx, doctor, "Consultation", [{"code": "GS"}])  # same label, other PS: fine
    assert [f.acts[0].code for f in favourites.search_favourites(ctx, doctor)] == ["GS"]
    with pytest.raises(ConflictError) as err:
        favourites.create_favourite(ctx, doctor, "consultation", [{"code": "G"}])
    assert err.value.field == "label"
    firmier = user_ctx(ctx, "afirmier", Role.TITULAIRE, tit)
    assert [f.label for f in favourites.search_favourites(firmier)] == ["Consultation"]  # his own by default
    favourites.create_favourite(firmier, None, "Prise de sang", [{"code": "AMI", "coefficient": "1.5"}])
    with pytest.raises(PermissionDeniedError):
        favourites.create_favourite(firmier, doctor, "Autre", [{"code": "G"}])
    with pytest.raises(PermissionDeniedError):
        favourites.create_favourite(context_as(ctx.db, Role.SECRETAIRE), tit, "Autre", [{"code": "G"}])
    with pytest.raises(ValidationError) as err:
        favourites.search_favourites(ctx)  # the administrator is no professional
    assert err.value.field == "professional"
    assert count(ctx, Favourite) == 3


def test_edit_replaces_the_acts(ctx: Context) -> None:
    tit = professionals.register_professional(ctx, FIRMIER).id
    fid = favourites.create_favourite(ctx, tit, "Injection", INJECTION)
    favourites.edit_favourite(ctx, fid, acts=[{"code": "AMI", "coefficient": "2"}, {"code": "IFD"},
                                              {"code": "MAU"}])
    assert [a.code for a in favourites.get_favourite(ctx, fid).acts] == ["AMI", "IFD", "MAU"]
    assert count(ctx, FavouriteActRow) == 3
    favourites.edit_favourite(ctx, fid, label="Injection IM")
    favourites.edit_favourite(ctx, fid, label="Injection IM")  # unchanged: not audited again
    assert favourites.get_favourite(ctx, fid).label == "Injection IM"
    assert actions(ctx).count("favourite.update") == 2
    with pytest.raises(ValidationError) as err:
        favourites.edit_favourite(ctx, fid, acts=[{"code": "AMI"}, {"code": "AFLB01"}])
    assert err.value.field == "acts[2].code"
    assert [a.code for a in favourites.get_favourite(ctx, fid).acts] == ["AMI", "IFD", "MAU"]


@pytest.mark.parametrize(("label", "acts", "field"), [
    ("", [{"code": "AMI"}], "label"),
    ("Soin", [], "acts"),
    ("Soin", [{"code": ""}], "acts[1].code"),
    ("Soin", [{"code": "AMI"}, {"code": "AMI", "quantity": "0"}], "acts[2].quantity"),
    ("Soin", [{"code": "AMI", "coefficient": "abc"}], "acts[1].coefficient"),
    ("Soin", [{"code": "AMI", "price": "1,234"}], "acts[1].price"),
    ("Soin", [{"code": "AMI", "qualifier": "X"}], "acts[1].qualifier"),
    ("Soin", [{"code": "AMI", "indemnity": "IKM"}], "acts[1].distance_km"),
    ("😴", [{"code": "AMI"}], "label"),
])
def test_bad_input_writes_nothing(ctx: Context, label: str, acts: list[dict[str, str]], field: str) -> None:
    tit = professionals.register_professional(ctx, FIRMIER).id
    with pytest.raises(ValidationError) as err:
        favourites.create_favourite(ctx, tit, label, acts)
    assert err.value.field == field and " : " in err.value.message
    assert count(ctx, Favourite) == 0 and count(ctx, FavouriteActRow) == 0


def test_delete(ctx: Context) -> None:
    tit = professionals.register_professional(ctx, FIRMIER).id
    fid = favourites.create_favourite(ctx, tit, "Injection", INJECTION)
    favourites.delete_favourite(ctx, fid)
    assert count(ctx, Favourite) == 0 and count(ctx, FavouriteActRow) == 0
    assert actions(ctx)[-1] == "favourite.delete"
    with pytest.raises(NotFoundError):
        favourites.get_favourite(ctx, fid)


def test_deleting_the_professional_deletes_his_favourites(ctx: Context) -> None:
    tit = professionals.register_professional(ctx, FIRMIER).id
    favourites.create_favourite(ctx, tit, "Injection", INJECTION)
    professionals.delete_professional(ctx, tit)
    assert count(ctx, Favourite) == 0 and count(ctx, FavouriteActRow) == 0

"""Remplaçants: links to titulaires, calendar, can_bill_for, deactivation then deletion."""

from __future__ import annotations

from datetime import date

import pytest

from feuille.auth import Context, Role
from feuille.errors import ConflictError, PermissionDeniedError, StateError, ValidationError
from feuille.practice import professionals, replacements
from feuille.storage.models import Professional, ReplacementDay, ReplacementLink
from tests.conftest import context_as
from tests.practice.test_professionals import FIRMIER, MEDECIN, REMPLACANT, actions, count, user_ctx

JAN = ["13/01/2025", "14/01/2025", "2025-01-15"]


def _setup(ctx: Context) -> tuple[int, int]:
    tit = professionals.register_professional(ctx, FIRMIER).id
    rempl = replacements.add_remplacant(ctx, REMPLACANT, ["996102182"], JAN, from_card=True)
    assert rempl.warnings
    return tit, rempl.id


def test_add_remplacant_with_calendar(ctx: Context) -> None:
    tit, rempl = _setup(ctx)
    pro = professionals.get_professional(ctx, rempl)
    assert pro.kind == "remplacant" and pro.mode == "remplacant"
    [link] = replacements.list_links(ctx, rempl)
    assert link.titulaire_id == tit and link.active and link.titulaire == "FIRMIER Alain"
    assert link.days == (date(2025, 1, 13), date(2025, 1, 14), date(2025, 1, 15))
    assert actions(ctx)[-3:] == ["professional.create", "replacement.link", "replacement.days_add"]


def test_can_bill_for_only_on_calendar_days_of_an_active_link(ctx: Context) -> None:
    tit, rempl = _setup(ctx)
    assert replacements.can_bill_for(ctx, rempl, tit, date(2025, 1, 14))
    assert not replacements.can_bill_for(ctx, rempl, tit, date(2025, 1, 16))
    assert not replacements.can_bill_for(ctx, tit, rempl, date(2025, 1, 14))
    with ctx.db.read() as session:
        assert replacements.can_bill_for(session, rempl, tit, date(2025, 1, 13))
        assert replacements.titulaires_on(session, rempl, date(2025, 1, 13)) == [tit]
    assert replacements.add_days(ctx, rempl, tit, ["16/01/2025", "15/01/2025"]) == 1
    assert replacements.can_bill_for(ctx, rempl, tit, date(2025, 1, 16))
    assert replacements.remove_days(ctx, rempl, tit, ["13/01/2025", "20/01/2025"]) == 1
    assert not replacements.can_bill_for(ctx, rempl, tit, date(2025, 1, 13))
    replacements.unlink(ctx, rempl, tit)
    assert not replacements.can_bill_for(ctx, rempl, tit, date(2025, 1, 14))
    with pytest.raises(StateError):
        replacements.add_days(ctx, rempl, tit, ["17/01/2025"])
    replacements.link(ctx, rempl, tit)  # tick again: the calendar is back
    assert replacements.can_bill_for(ctx, rempl, tit, date(2025, 1, 14))


def test_remplacant_deletion_flow(ctx: Context) -> None:
    tit, rempl = _setup(ctx)
    with pytest.raises(ConflictError) as err:
        professionals.delete_professional(ctx, rempl)
    assert "décochez" in err.value.message and "FIRMIER Alain" in err.value.message
    replacements.unlink(ctx, rempl, tit)
    replacements.unlink(ctx, rempl, tit)  # twice: nothing more happens
    assert actions(ctx).count("replacement.deactivate") == 1
    professionals.delete_professional(ctx, rempl)
    assert count(ctx, ReplacementLink) == 0 and count(ctx, ReplacementDay) == 0
    professionals.delete_professional(ctx, tit)  # no remplaçant attached any more
    assert count(ctx, Professional) == 0


def test_several_titulaires(ctx: Context) -> None:
    tit = professionals.register_professional(ctx, FIRMIER).id
    other = professionals.register_professional(ctx, {**FIRMIER, "last_name": "PIQURE", "first_name": "Maya",
                                                      "billing_number": "991145608"}).id
    rempl = replacements.add_remplacant(ctx, REMPLACANT, [tit, other], ["13/01/2025"], from_card=True).id
    assert {link.titulaire_id for link in replacements.list_links(ctx, rempl)} == {tit, other}
    replacements.unlink(ctx, rempl, tit)
    with pytest.raises(ConflictError) as err:
        professionals.delete_professional(ctx, rempl)
    assert "PIQURE Maya" in err.value.message and "FIRMIER" not in err.value.message


@pytest.mark.parametrize(("days", "field"), [(["30/02/2025"], "jours"), (["demain"], "jours"), ([""], "jours")])
def test_bad_days_write_nothing(ctx: Context, days: list[str], field: str) -> None:
    tit = professionals.register_professional(ctx, FIRMIER).id
    with pytest.raises(ValidationError) as err:
        replacements.add_remplacant(ctx, REMPLACANT, [tit], days, from_card=True)
    assert err.value.field == field and "Jour de remplacement" in err.value.message
    assert count(ctx, Professional) == 1 and count(ctx, ReplacementLink) == 0


def test_bad_links_write_nothing(ctx: Context) -> None:
    tit = professionals.register_professional(ctx, FIRMIER).id
    doctor = professionals.register_professional(ctx, MEDECIN).id
    with pytest.raises(ValidationError) as err:
        replacements.add_remplacant(ctx, REMPLACANT, [], JAN, from_card=True)
    assert err.value.field == "titulaire"
    with pytest.raises(ValidationError) as err:
        replacements.add_remplacant(ctx, REMPLACANT, [doctor], JAN, from_card=True)
    assert err.value.code == "profession_mismatch" and "infirmier" in err.value.message
    with pytest.raises(ValidationError):
        replacements.add_remplacant(ctx, REMPLACANT, [tit], JAN)  # typed number, failing key
    assert count(ctx, Professional) == 2 and count(ctx, ReplacementLink) == 0
    rempl = replacements.add_remplacant(ctx, REMPLACANT, [tit], JAN, from_card=True).id
    with pytest.raises(ValidationError) as err:
        replacements.link(ctx, tit, rempl)
    assert err.value.field == "remplacant"
    with pytest.raises(ValidationError) as err:
        replacements.add_days(ctx, rempl, doctor, ["13/01/2025"])
    assert err.value.code == "replacement_unknown"


def test_permissions(ctx: Context) -> None:
    tit, rempl = _setup(ctx)
    other = professionals.register_professional(ctx, {**FIRMIER, "last_name": "PIQURE",
                                                      "billing_number": "991145608"}).id
    for role in (Role.SECRETAIRE, Role.REMPLACANT):
        with pytest.raises(PermissionDeniedError):
            replacements.add_days(context_as(ctx.db, role), rempl, tit, ["20/01/2025"])
    firmier = user_ctx(ctx, "afirmier", Role.TITULAIRE, tit)
    assert replacements.add_days(firmier, rempl, tit, ["20/01/2025"]) == 1
    with pytest.raises(PermissionDeniedError) as err:
        replacements.link(firmier, rempl, other)  # only PIQURE himself may tick PIQURE
    assert "PIQURE" in err.value.message
    assert count(ctx, ReplacementLink) == 1

"""Preferences per professional: defaults of the manual, changes, who may change them."""

from __future__ import annotations

import pytest

from feuille.auth import Context, Role
from feuille.domain.professionals import AdriMode, PaymentMeans, Preferences
from feuille.errors import PermissionDeniedError, ValidationError
from feuille.practice import preferences, professionals, replacements
from tests.conftest import context_as
from tests.practice.test_professionals import FIRMIER, REMPLACANT, actions, user_ctx


def test_defaults_then_changes(ctx: Context) -> None:
    tit = professionals.register_professional(ctx, FIRMIER).id
    prefs = preferences.get_preferences(ctx, tit)
    assert prefs == Preferences() and prefs.adri_mode == AdriMode.CIBLE and prefs.sts_enabled
    changed = preferences.set_preferences(ctx, tit, {"adri_mode": "manuel", "home_by_default": "oui",
                                                     "show_performing_ps": True, "show_amount_recap": "non",
                                                     "default_payment": "especes"})
    assert changed == preferences.get_preferences(ctx, "99610218 2")
    assert changed.adri_mode == AdriMode.MANUEL and changed.show_performing_ps and not changed.show_amount_recap
    assert changed.default_payment == PaymentMeans.ESPECES and changed.home_by_default
    with pytest.raises(ValidationError):  # no effect yet (teletransmission): refused, nothing written
        preferences.set_preferences(ctx, tit, {"home_by_default": "non", "amc_tp_mode": "coordonne"})
    assert preferences.get_preferences(ctx, tit) == changed
    assert actions(ctx)[-1] == "preferences.update"
    preferences.set_preferences(ctx, tit, {"adri_mode": "manuel"})  # nothing changes, nothing audited
    assert actions(ctx).count("preferences.update") == 1


def test_bad_value_changes_nothing(ctx: Context) -> None:
    tit = professionals.register_professional(ctx, FIRMIER).id
    with pytest.raises(ValidationError) as err:
        preferences.set_preferences(ctx, tit, {"home_by_default": "oui", "adri_mode": "toujours"})
    assert err.value.field == "adri_mode" and "ADRi" in err.value.message
    assert preferences.get_preferences(ctx, tit) == Preferences()


def test_who_may_change_preferences(ctx: Context) -> None:
    tit = professionals.register_professional(ctx, FIRMIER).id
    rempl = replacements.add_remplacant(ctx, REMPLACANT, [tit], [], from_card=True).id
    remplacant = user_ctx(ctx, "nrempex", Role.REMPLACANT, rempl)
    titulaire = user_ctx(ctx, "afirmier", Role.TITULAIRE, tit)
    preferences.set_preferences(remplacant, rempl, {"adri_mode": "systematique"})
    preferences.set_preferences(titulaire, tit, {"adri_mode": "manuel"})
    with pytest.raises(PermissionDeniedError) as err:
        preferences.set_preferences(remplacant, tit, {"adri_mode": "systematique"})
    assert "FIRMIER Alain" in err.value.message and "nrempex" in err.value.message
    with pytest.raises(PermissionDeniedError):
        preferences.set_preferences(context_as(ctx.db, Role.SECRETAIRE), tit, {"adri_mode": "cible"})
    with pytest.raises(PermissionDeniedError):
        preferences.set_preferences(context_as(ctx.db, Role.TITULAIRE), tit, {"adri_mode": "cible"})
    assert preferences.get_preferences(ctx, tit).adri_mode == AdriMode.MANUEL
    assert preferences.get_preferences(context_as(ctx.db, Role.SECRETAIRE), rempl).adri_mode == AdriMode.SYSTEMATIQUE

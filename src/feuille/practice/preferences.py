"""Preferences of one professional ("Profils / Préférences"): ADRi call mode, AMC, billing defaults.

An administrator may change anyone's preferences; a titulaire or remplaçant user only those of the
professional he is linked to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.domain.professionals import AdriMode, AmcTpMode, PaymentMeans, Preferences, change_preferences
from feuille.practice.professionals import (
    Ref,
    actor_professional_id,
    default_preferences_row,
    require_self_or_admin,
    resolve,
)
from feuille.storage.models import ProfessionalPreferences


def _read(row: ProfessionalPreferences | None) -> Preferences:
    if row is None:
        return Preferences()
    return Preferences(
        adri_mode=AdriMode(row.adri_mode), amc_tp_mode=AmcTpMode(row.amc_tp_mode), sts_enabled=row.sts_enabled,
        sts_level1_diagnostics=row.sts_level1_diagnostics, sts_detailed_formulas=row.sts_detailed_formulas,
        sts_assistance=row.sts_assistance, home_by_default=row.home_by_default,
        show_performing_ps=row.show_performing_ps, show_amount_recap=row.show_amount_recap,
        act_series=row.act_series, default_payment=PaymentMeans(row.default_payment),
    )


def preferences_of(session: Session, professional_id: int) -> Preferences:
    """For other modules (billing, rights) inside their own transaction."""
    return _read(session.get(ProfessionalPreferences, professional_id))


def acting_preferences(ctx: Context) -> tuple[int | None, Preferences]:
    """The acting user's professional (None when he has none) and his preferences (the defaults when none)."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        pro_id = actor_professional_id(session, ctx)
        return pro_id, (Preferences() if pro_id is None else preferences_of(session, pro_id))


def get_preferences(ctx: Context, ref: Ref) -> Preferences:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return preferences_of(session, resolve(session, ref).id)


def set_preferences(ctx: Context, ref: Ref, changes: Mapping[str, object]) -> Preferences:
    """Change some preferences (French errors name the field); returns them all."""
    require(ctx, Permission.PREFERENCES_WRITE)
    with ctx.db.transaction() as session:
        pro = resolve(session, ref)
        require_self_or_admin(session, ctx, pro, "modifier les préférences")
        row = session.get(ProfessionalPreferences, pro.id)
        before = _read(row)
        after = change_preferences(before, changes)
        if after == before:
            return after
        if row is None:
            row = default_preferences_row(pro.id, ctx.clock())
            session.add(row)
        for name, value in asdict(after).items():
            setattr(row, name, value.value if isinstance(value, AdriMode | AmcTpMode | PaymentMeans) else value)
        row.updated_at = ctx.clock()
        changed = {k: v for k, v in asdict(after).items() if asdict(before)[k] != v}
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="preferences.update",
                     entity="preferences", entity_id=str(pro.id), data=changed)
        return after

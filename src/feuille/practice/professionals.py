"""Professionals of the practice: register from CPS card data, list, look up, delete.

Deleting a professional is guarded by a registry of *deletion blockers*: functions that receive
the session and the professional and return a French reason or None. This module registers the
remplaçant rule of the manual ("aucun remplaçant n'est encore rattaché à ce titulaire"); the
billing module, which does not exist yet, will register "no pending invoice" the same way with
:func:`register_deletion_blocker`. There is deliberately no placeholder invoice check here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, Role, require
from feuille.cards.port import ProfessionalCardData
from feuille.domain.identifiers import MAX_RECORD_ID, compact
from feuille.domain.professionals import (
    KIND_LABELS,
    Kind,
    Preferences,
    ProfessionalRecord,
    format_billing_number,
    validate_professional,
)
from feuille.errors import ConflictError, NotFoundError, PermissionDeniedError, StateError, ValidationError
from feuille.storage.models import Professional, ProfessionalPreferences, ReplacementLink, User

DeletionBlocker = Callable[[Session, Professional], str | None]
_DELETION_BLOCKERS: dict[str, DeletionBlocker] = {}

Ref = int | str  # an id, or a billing number (9 digits)


@dataclass(frozen=True)
class Registered:
    id: int
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class ProfessionalView:
    """A professional as services hand it to interfaces (never the ORM row)."""

    id: int
    civility: str
    last_name: str
    first_name: str
    rpps: str | None
    billing_number: str
    specialty: str
    profession: str
    mode: str
    kind: str
    situation: int
    caisse: str
    sector: int
    from_card: bool

    @classmethod
    def of(cls, row: Professional) -> ProfessionalView:
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})


class Named(Protocol):
    """What :func:`display_name` and :func:`label` read: a row or a view."""

    @property
    def last_name(self) -> str: ...

    @property
    def first_name(self) -> str: ...

    @property
    def billing_number(self) -> str: ...


def register_deletion_blocker(name: str, check: DeletionBlocker) -> None:
    """Add (or replace, by name) a rule that can refuse a professional's deletion."""
    _DELETION_BLOCKERS[name] = check


def deletion_blockers(session: Session, professional: Professional) -> list[str]:
    reasons = (check(session, professional) for check in _DELETION_BLOCKERS.values())
    return [reason for reason in reasons if reason]


def display_name(pro: Named) -> str:
    return f"{pro.last_name} {pro.first_name}"


def label(pro: Named) -> str:
    """As the manual lists them: ``FIRMIER Alain : 99610218 2``."""
    return f"{display_name(pro)} : {format_billing_number(pro.billing_number)}"


# ---------------------------------------------------------------------------------------------
# Look-ups (other modules call these with their own session)


def find_by_billing_number(session: Session, number: object) -> Professional | None:
    text = compact(number)
    return session.scalar(select(Professional).where(Professional.billing_number == text)) if text else None


def resolve(session: Session, ref: object, field: str = "professional") -> Professional:
    """A professional by id or by billing number; NotFoundError in French otherwise."""
    pro: Professional | None = None
    if isinstance(ref, int) and not isinstance(ref, bool):
        # An id no row can have (negative, past the column's range) is simply not found, never sent to the driver.
        pro = session.get(Professional, ref) if 0 < ref <= MAX_RECORD_ID else None
    elif isinstance(ref, str):
        text = compact(ref)
        if len(text) == 9 and text.isdigit():
            pro = find_by_billing_number(session, text)
        elif text.isdigit() and len(text) < 9:
            pro = session.get(Professional, int(text))
    if pro is None:
        raise NotFoundError(f"Professionnel « {str(ref)[:30]} » introuvable (numéro interne ou n° de facturation).",
                            code="professional_not_found", field=field)
    return pro


def actor_professional_id(session: Session, ctx: Context) -> int | None:
    """The professional the acting user is linked to, if any."""
    query = select(User.professional_id)
    query = query.where(User.id == ctx.actor.user_id) if ctx.actor.user_id else query.where(
        User.login == ctx.actor.login)
    return session.scalar(query)


def require_self_or_admin(session: Session, ctx: Context, professional: Professional, action: str) -> None:
    """Only an administrator, or the user linked to this professional, may ``action``."""
    if ctx.actor.role == Role.ADMINISTRATEUR or actor_professional_id(session, ctx) == professional.id:
        return
    raise PermissionDeniedError(
        f"L'utilisateur « {ctx.actor.login} » ne peut pas {action} de {display_name(professional)} : seuls "
        "un administrateur ou l'utilisateur lié à ce professionnel le peuvent.",
        code="not_own_professional", field="professional",
    )


def get_professional(ctx: Context, ref: Ref) -> ProfessionalView:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return ProfessionalView.of(resolve(session, ref))


def remplacants_of(ctx: Context, ref: Ref) -> list[tuple[ProfessionalView, bool]]:
    """The remplaçants attached to a titulaire, with whether he is still ticked."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        pro = resolve(session, ref)
        rows = session.execute(select(Professional, ReplacementLink.active)
                               .join(ReplacementLink, ReplacementLink.remplacant_id == Professional.id)
                               .where(ReplacementLink.titulaire_id == pro.id).order_by(Professional.last_name)).all()
        return [(ProfessionalView.of(row[0]), bool(row[1])) for row in rows]


def list_professionals(ctx: Context, kind: Kind | None = None) -> list[ProfessionalView]:
    require(ctx, Permission.READ)
    query = select(Professional).order_by(Professional.kind.desc(), Professional.last_name, Professional.first_name)
    if kind is not None:
        query = query.where(Professional.kind == kind.value)
    with ctx.db.read() as session:
        return [ProfessionalView.of(row) for row in session.scalars(query)]


# ---------------------------------------------------------------------------------------------
# Registration


def register_professional(ctx: Context, data: Mapping[str, object], *, from_card: bool = False) -> Registered:
    """Register a titulaire (or a remplaçant when the card's mode d'exercice says so)."""
    require(ctx, Permission.PROFESSIONAL_WRITE)
    record = validate_professional(data, from_card=from_card)
    with unique_race_as_conflict(), ctx.db.transaction() as session:
        pro = insert_professional(session, ctx, record, from_card=from_card)
        return Registered(pro.id, record.warnings)


def card_fields(card: ProfessionalCardData) -> dict[str, object]:
    """What a CPS carries, as the input of :func:`register_professional`."""
    out: dict[str, object] = {"civility": card.civility, "last_name": card.last_name, "first_name": card.first_name,
                              "rpps": card.rpps, "billing_number": card.billing_number,
                              "specialty": card.specialty, "mode": card.mode, "caisse": card.caisse}
    if card.situation is not None:
        out["situation"] = card.situation
    if card.sector is not None:
        out["sector"] = card.sector
    return out


def register_from_card(ctx: Context, card: ProfessionalCardData) -> Registered:
    """First insertion of a CPS: the professional is registered from the card (a failed key is a warning)."""
    return register_professional(ctx, card_fields(card), from_card=True)


def is_registered(ctx: Context, card: ProfessionalCardData) -> bool:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return find_by_billing_number(session, card.billing_number or "") is not None


@contextmanager
def unique_race_as_conflict() -> Iterator[None]:
    """Two desks registering the same card at once: the loser gets the French duplicate message."""
    try:
        yield
    except IntegrityError as exc:
        raise ConflictError("Ce professionnel (n° de facturation ou RPPS) vient d'être enregistré par un autre "
                            "poste.", code="professional_exists", field="billing_number") from exc


def insert_professional(session: Session, ctx: Context, record: ProfessionalRecord, *,
                        from_card: bool) -> Professional:
    """Insert a validated professional, its default preferences and the audit entry."""
    _check_unique(session, record)
    now = ctx.clock()
    pro = Professional(
        civility=record.civility.value, last_name=record.last_name, first_name=record.first_name,
        rpps=record.rpps, billing_number=record.billing_number, specialty=record.specialty,
        profession=record.profession.value, mode=record.mode.value, kind=record.kind.value,
        situation=record.situation, caisse=record.caisse, sector=record.sector, from_card=from_card,
        created_at=now, updated_at=now,
    )
    session.add(pro)
    session.flush()
    session.add(default_preferences_row(pro.id, now))
    audit.record(session, actor=ctx.actor.login, at=now, action="professional.create", entity="professional",
                 entity_id=str(pro.id), data={**snapshot(pro), "warnings": list(record.warnings)})
    return pro


def default_preferences_row(professional_id: int, now: datetime) -> ProfessionalPreferences:
    defaults = Preferences()
    return ProfessionalPreferences(
        professional_id=professional_id, adri_mode=defaults.adri_mode.value,
        amc_tp_mode=defaults.amc_tp_mode.value, sts_enabled=defaults.sts_enabled,
        sts_level1_diagnostics=defaults.sts_level1_diagnostics, sts_detailed_formulas=defaults.sts_detailed_formulas,
        sts_assistance=defaults.sts_assistance, home_by_default=defaults.home_by_default,
        show_performing_ps=defaults.show_performing_ps, show_amount_recap=defaults.show_amount_recap,
        act_series=defaults.act_series, default_payment=defaults.default_payment.value, updated_at=now,
    )


def _check_unique(session: Session, record: ProfessionalRecord, own_id: int | None = None) -> None:
    same = find_by_billing_number(session, record.billing_number)
    if same is not None and same.id != own_id:
        raise ConflictError(f"Numéro de facturation : {format_billing_number(record.billing_number)} est déjà "
                            f"celui de {display_name(same)}.", code="professional_exists", field="billing_number")
    if record.rpps:
        same = session.scalar(select(Professional).where(Professional.rpps == record.rpps))
        if same is not None and same.id != own_id:
            raise ConflictError(f"Numéro RPPS : {record.rpps} est déjà celui de {display_name(same)}.",
                                code="professional_exists", field="rpps")


def snapshot(pro: Professional) -> dict[str, object]:
    return {"civility": pro.civility, "last_name": pro.last_name, "first_name": pro.first_name, "rpps": pro.rpps,
            "billing_number": pro.billing_number, "specialty": pro.specialty, "profession": pro.profession,
            "mode": pro.mode, "kind": pro.kind, "situation": pro.situation, "caisse": pro.caisse,
            "sector": pro.sector, "from_card": pro.from_card}


def update_professional(ctx: Context, ref: Ref, changes: Mapping[str, object], *,
                        from_card: bool = False) -> Registered:
    """"Information : consulter ou modifier les données": merge the changes and recheck the whole card.

    Becoming remplaçant/titulaire or changing profession is refused while replacement links exist."""
    require(ctx, Permission.PROFESSIONAL_WRITE)
    with ctx.db.transaction() as session:
        pro = resolve(session, ref)
        before = snapshot(pro)
        merged = {**before, "billing_key": None, **changes}
        record = validate_professional(merged, from_card=from_card or (pro.from_card and "billing_number" not in
                                                                      changes and "rpps" not in changes))
        _check_unique(session, record, own_id=pro.id)
        if (record.kind.value, record.profession.value) != (pro.kind, pro.profession) and _has_links(session, pro):
            raise StateError(f"{display_name(pro)} a des remplacements : son mode d'exercice et sa profession ne "
                             "peuvent pas changer.", code="professional_linked", field="mode")
        for name, value in (("civility", record.civility.value), ("last_name", record.last_name),
                            ("first_name", record.first_name), ("rpps", record.rpps),
                            ("billing_number", record.billing_number), ("specialty", record.specialty),
                            ("profession", record.profession.value), ("mode", record.mode.value),
                            ("kind", record.kind.value), ("situation", record.situation), ("caisse", record.caisse),
                            ("sector", record.sector)):
            setattr(pro, name, value)
        after = snapshot(pro)
        changed = {k: v for k, v in after.items() if before[k] != v}
        if changed:
            pro.updated_at = ctx.clock()
            audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="professional.update",
                         entity="professional", entity_id=str(pro.id), data=changed)
        return Registered(pro.id, record.warnings)


def _has_links(session: Session, pro: Professional) -> bool:
    query = select(ReplacementLink.id).where(or_(ReplacementLink.remplacant_id == pro.id,
                                                 ReplacementLink.titulaire_id == pro.id)).limit(1)
    return session.scalar(query) is not None


# ---------------------------------------------------------------------------------------------
# Deletion


def delete_professional(ctx: Context, ref: Ref) -> None:
    """Delete a titulaire or a remplaçant once no deletion blocker objects (French reasons)."""
    require(ctx, Permission.PROFESSIONAL_WRITE)
    with ctx.db.transaction() as session:
        pro = resolve(session, ref)
        reasons = deletion_blockers(session, pro)
        if reasons:
            raise ConflictError(f"Le {KIND_LABELS[Kind(pro.kind)]} {display_name(pro)} ne peut pas être supprimé : "
                                + " ; ".join(reasons), code="professional_in_use", field="professional")
        data = snapshot(pro)
        for user in session.scalars(select(User).where(User.professional_id == pro.id)):
            user.professional_id = None
        session.delete(pro)  # links (inactive), days, preferences and favourites go by ON DELETE CASCADE
        session.flush()
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="professional.delete",
                     entity="professional", entity_id=str(pro.id), data=data)


def _replacement_blocker(session: Session, pro: Professional) -> str | None:
    """The manual: a titulaire keeps no remplaçant attached; a remplaçant is deactivated first."""
    if pro.kind == Kind.TITULAIRE:
        rows = session.execute(
            select(Professional.last_name, Professional.first_name)
            .join(ReplacementLink, ReplacementLink.remplacant_id == Professional.id)
            .where(ReplacementLink.titulaire_id == pro.id).order_by(Professional.last_name)).all()
        if rows:
            names = ", ".join(f"{last} {first}" for last, first in rows)
            return (f"{len(rows)} remplaçant(s) encore rattaché(s) ({names}) ; supprimez d'abord ce(s) "
                    "remplaçant(s).")
        return None
    rows = session.execute(
        select(Professional.last_name, Professional.first_name)
        .join(ReplacementLink, ReplacementLink.titulaire_id == Professional.id)
        .where(ReplacementLink.remplacant_id == pro.id, ReplacementLink.active.is_(True))).all()
    if rows:
        names = ", ".join(f"{last} {first}" for last, first in rows)
        return f"il est encore actif pour {names} ; décochez d'abord ce(s) titulaire(s) (désactivation)."
    return None


register_deletion_blocker("remplaçants", _replacement_blocker)


# ---------------------------------------------------------------------------------------------
# Users acting as a professional


def link_user(ctx: Context, login: str, ref: Ref | None) -> None:
    """Link a titulaire/remplaçant user to his professional (None unlinks)."""
    require(ctx, Permission.USER_ADMIN)
    with ctx.db.transaction() as session:
        user = session.scalar(select(User).where(User.login == (login or "").strip()))
        if user is None:
            raise NotFoundError(f"Utilisateur « {login} » inconnu.", code="user_unknown", field="login")
        pro = None if ref is None else resolve(session, ref)
        if pro is not None and user.role != pro.kind:
            raise ValidationError(f"Utilisateur : « {user.login} » a le rôle {user.role} ; seul un utilisateur "
                                  f"{KIND_LABELS[Kind(pro.kind)]} peut être lié au {KIND_LABELS[Kind(pro.kind)]} "
                                  f"{display_name(pro)}.", code="user_role", field="login")
        if pro is not None:
            other = session.scalar(select(User.login).where(User.professional_id == pro.id, User.id != user.id))
            if other is not None:
                raise ConflictError(f"{display_name(pro)} est déjà lié à l'utilisateur « {other} ».",
                                    code="user_already_linked", field="professional")
        user.professional_id = pro.id if pro else None
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="user.link_professional", entity="user",
                     entity_id=str(user.id), data={"login": user.login, "professional_id": user.professional_id})


def unlink_professional(ctx: Context, ref: Ref) -> str | None:
    """Unlink whichever user is linked to the professional ``ref``; his login, or None when none was linked (the
    right is checked all the same)."""
    require(ctx, Permission.USER_ADMIN)
    with ctx.db.transaction() as session:
        pro = resolve(session, ref)
        user = session.scalar(select(User).where(User.professional_id == pro.id))
        if user is None:
            return None
        user.professional_id = None
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="user.link_professional", entity="user",
                     entity_id=str(user.id), data={"login": user.login, "professional_id": None})
        return user.login


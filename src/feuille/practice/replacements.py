"""Remplaçants: their links to titulaires, the calendar of replacement days, and who may bill when.

The manual ("Ajout remplaçant"): the remplaçant's CPS is read, the titulaire is ticked in the
"Liste des titulaires", the replacement days are chosen on the calendar, and the titulaire
validates. Unticking the titulaire deactivates the link ("Désactiver remplaçant"); only then can
the remplaçant be deleted. :func:`can_bill_for` is what the invoices use: a remplaçant bills for a
titulaire only on the days of his calendar, and only while the link is active.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, Role, require
from feuille.domain.professionals import (
    PROFESSION_LABELS,
    Kind,
    ModeExercice,
    Profession,
    parse_day,
    validate_professional,
)
from feuille.errors import PermissionDeniedError, StateError, ValidationError
from feuille.practice.professionals import (
    Ref,
    Registered,
    actor_professional_id,
    display_name,
    insert_professional,
    resolve,
)
from feuille.storage.models import Professional, ReplacementDay, ReplacementLink

MAX_DAYS = 366


@dataclass(frozen=True)
class LinkView:
    titulaire_id: int
    titulaire: str
    titulaire_billing_number: str
    active: bool
    days: tuple[date, ...]


def parse_days(values: Iterable[object]) -> tuple[date, ...]:
    days = sorted({parse_day(value, "jours", "Jour de remplacement") for value in values})
    if len(days) > MAX_DAYS:
        raise ValidationError(f"Jours : {MAX_DAYS} au plus à la fois.", code="too_many", field="jours")
    return tuple(days)


# ---------------------------------------------------------------------------------------------
# Who may bill


def can_bill_for(source: Context | Session, remplacant_id: int, titulaire_id: int, day: date) -> bool:
    """True when the remplaçant's active link to the titulaire has ``day`` in its calendar."""
    query = (select(ReplacementDay.id).join(ReplacementLink, ReplacementDay.link_id == ReplacementLink.id)
             .where(ReplacementLink.remplacant_id == remplacant_id, ReplacementLink.titulaire_id == titulaire_id,
                    ReplacementLink.active.is_(True), ReplacementDay.day == day).limit(1))
    if isinstance(source, Session):
        return source.scalar(query) is not None
    require(source, Permission.READ)
    with source.db.read() as session:
        return session.scalar(query) is not None


def titulaires_on(session: Session, remplacant_id: int, day: date) -> list[int]:
    """The titulaires a remplaçant stands in for on ``day`` (usually one)."""
    query = (select(ReplacementLink.titulaire_id).join(ReplacementDay, ReplacementDay.link_id == ReplacementLink.id)
             .where(ReplacementLink.remplacant_id == remplacant_id, ReplacementLink.active.is_(True),
                    ReplacementDay.day == day).order_by(ReplacementLink.titulaire_id))
    return list(session.scalars(query))


# ---------------------------------------------------------------------------------------------
# Creating remplaçants and links


def add_remplacant(ctx: Context, data: Mapping[str, object], titulaires: Sequence[Ref],
                   days: Iterable[object] = (), *, from_card: bool = False) -> Registered:
    """Register a remplaçant from his card and link him to each titulaire with these days."""
    require(ctx, Permission.PROFESSIONAL_WRITE)
    record = validate_professional({**data, "mode": ModeExercice.REMPLACANT.value}, from_card=from_card)
    chosen = parse_days(days)
    if not titulaires:
        raise ValidationError("Titulaire : cochez au moins un titulaire pour le remplaçant.", code="required",
                              field="titulaire")
    with ctx.db.transaction() as session:
        targets = [_titulaire(session, ctx, ref) for ref in titulaires]
        pro = insert_professional(session, ctx, record, from_card=from_card)
        for titulaire in targets:
            _link(session, ctx, pro, titulaire, chosen)
        return Registered(pro.id, record.warnings)


def link(ctx: Context, remplacant: Ref, titulaire: Ref, days: Iterable[object] = ()) -> None:
    """Tick a titulaire for a remplaçant (creates or reactivates the link) and add days."""
    require(ctx, Permission.PROFESSIONAL_WRITE)
    chosen = parse_days(days)
    with ctx.db.transaction() as session:
        rempl = _remplacant(session, remplacant)
        _link(session, ctx, rempl, _titulaire(session, ctx, titulaire), chosen)


def unlink(ctx: Context, remplacant: Ref, titulaire: Ref) -> None:
    """Untick the titulaire: the link and its calendar stay, inactive (no billing on those days)."""
    require(ctx, Permission.PROFESSIONAL_WRITE)
    with ctx.db.transaction() as session:
        row = _existing_link(session, ctx, remplacant, titulaire)
        if not row.active:
            return  # already done: deactivating twice changes nothing
        row.active = False
        row.updated_at = ctx.clock()
        _audit(session, ctx, "replacement.deactivate", row, {})


def add_days(ctx: Context, remplacant: Ref, titulaire: Ref, days: Iterable[object]) -> int:
    """Add days to an active link's calendar; returns how many were new."""
    require(ctx, Permission.PROFESSIONAL_WRITE)
    chosen = parse_days(days)
    if not chosen:
        raise ValidationError("Jours : au moins une date attendue.", code="required", field="jours")
    with ctx.db.transaction() as session:
        row = _existing_link(session, ctx, remplacant, titulaire)
        if not row.active:
            raise StateError("Le titulaire est décoché pour ce remplaçant : cochez-le de nouveau (link) avant "
                             "d'ajouter des jours.", code="replacement_inactive", field="titulaire")
        return _add_days(session, ctx, row, chosen)


def remove_days(ctx: Context, remplacant: Ref, titulaire: Ref, days: Iterable[object]) -> int:
    """Remove days from a link's calendar; returns how many were there."""
    require(ctx, Permission.PROFESSIONAL_WRITE)
    chosen = parse_days(days)
    with ctx.db.transaction() as session:
        row = _existing_link(session, ctx, remplacant, titulaire)
        result = session.execute(delete(ReplacementDay).where(ReplacementDay.link_id == row.id,
                                                              ReplacementDay.day.in_(chosen)))
        removed = int(getattr(result, "rowcount", 0) or 0)
        if removed:
            row.updated_at = ctx.clock()
            _audit(session, ctx, "replacement.days_remove", row, {"days": list(chosen)})
        return removed


def list_links(ctx: Context, remplacant: Ref) -> list[LinkView]:
    """The remplaçant's "Liste des titulaires", with each calendar."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        rempl = _remplacant(session, remplacant)
        rows = session.scalars(select(ReplacementLink).where(ReplacementLink.remplacant_id == rempl.id)
                               .order_by(ReplacementLink.id)).all()
        views = []
        for row in rows:
            tit = session.get(Professional, row.titulaire_id)
            assert tit is not None  # foreign key
            views.append(LinkView(tit.id, display_name(tit), tit.billing_number, row.active,
                                  tuple(d.day for d in row.days)))
        return views


# ---------------------------------------------------------------------------------------------
# Helpers


def _remplacant(session: Session, ref: Ref) -> Professional:
    pro = resolve(session, ref, "remplacant")
    if pro.kind != Kind.REMPLACANT:
        raise ValidationError(f"Remplaçant : {display_name(pro)} est titulaire, pas remplaçant.",
                              code="not_remplacant", field="remplacant")
    return pro


def _titulaire(session: Session, ctx: Context, ref: Ref) -> Professional:
    pro = resolve(session, ref, "titulaire")
    if pro.kind != Kind.TITULAIRE:
        raise ValidationError(f"Titulaire : {display_name(pro)} est remplaçant, pas titulaire.",
                              code="not_titulaire", field="titulaire")
    # The manual has the titulaire validate with his own CPS: a titulaire user acts only for himself.
    if ctx.actor.role != Role.ADMINISTRATEUR and actor_professional_id(session, ctx) != pro.id:
        raise PermissionDeniedError(f"Seul {display_name(pro)} (ou un administrateur) peut gérer ses remplaçants.",
                                    code="not_own_professional", field="titulaire")
    return pro


def _existing_link(session: Session, ctx: Context, remplacant: Ref, titulaire: Ref) -> ReplacementLink:
    rempl = _remplacant(session, remplacant)
    tit = _titulaire(session, ctx, titulaire)
    row = session.scalar(select(ReplacementLink).where(ReplacementLink.remplacant_id == rempl.id,
                                                       ReplacementLink.titulaire_id == tit.id))
    if row is None:
        raise ValidationError(f"Titulaire : {display_name(rempl)} ne remplace pas {display_name(tit)}.",
                              code="replacement_unknown", field="titulaire")
    return row


def _link(session: Session, ctx: Context, rempl: Professional, tit: Professional, days: tuple[date, ...]) -> None:
    if rempl.profession != tit.profession:
        raise ValidationError(
            f"Titulaire : un {PROFESSION_LABELS[Profession(rempl.profession)]} ne peut pas remplacer un "
            f"{PROFESSION_LABELS[Profession(tit.profession)]} ({display_name(tit)}).",
            code="profession_mismatch", field="titulaire")
    row = session.scalar(select(ReplacementLink).where(ReplacementLink.remplacant_id == rempl.id,
                                                       ReplacementLink.titulaire_id == tit.id))
    now = ctx.clock()
    if row is None:
        row = ReplacementLink(remplacant_id=rempl.id, titulaire_id=tit.id, active=True, created_at=now,
                              updated_at=now)
        session.add(row)
        session.flush()
        _audit(session, ctx, "replacement.link", row, {})
    elif not row.active:
        row.active = True
        row.updated_at = now
        _audit(session, ctx, "replacement.reactivate", row, {})
    if days:
        _add_days(session, ctx, row, days)


def _add_days(session: Session, ctx: Context, row: ReplacementLink, days: tuple[date, ...]) -> int:
    known = set(session.scalars(select(ReplacementDay.day).where(ReplacementDay.link_id == row.id,
                                                                 ReplacementDay.day.in_(days))))
    new = [day for day in days if day not in known]
    for day in new:
        session.add(ReplacementDay(link_id=row.id, day=day))
    if new:
        row.updated_at = ctx.clock()
        session.flush()
        _audit(session, ctx, "replacement.days_add", row, {"days": new})
    return len(new)


def _audit(session: Session, ctx: Context, action: str, row: ReplacementLink, data: dict[str, object]) -> None:
    audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action=action, entity="replacement",
                 entity_id=str(row.id), data={"remplacant_id": row.remplacant_id,
                                              "titulaire_id": row.titulaire_id, "active": row.active, **data})

"""Favourite care ("Mes favoris"): a label and an ordered list of acts, per professional.

The manual: favourites are "des soins enregistrés par le professionnel de santé qui les a créés",
so each belongs to one professional. An administrator manages anyone's; a titulaire or remplaçant
user only his own. Editing replaces the whole list of acts, as the manual's edit screen does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.domain.favourites import ExpenseQualifier, FavouriteAct, parse_label, validate_acts
from feuille.domain.professionals import like_prefix, page_bounds, parse_prefix, search_key
from feuille.errors import ConflictError, NotFoundError, ValidationError
from feuille.practice.professionals import Ref, actor_professional_id, require_self_or_admin, resolve
from feuille.storage.models import Favourite, FavouriteActRow, Professional


@dataclass(frozen=True)
class FavouriteView:
    id: int
    professional_id: int
    label: str
    acts: tuple[FavouriteAct, ...]


def _view(row: Favourite) -> FavouriteView:
    acts = tuple(FavouriteAct(a.code, a.quantity, Decimal(a.coefficient).quantize(Decimal("0.01")),
                              None if a.price is None else Decimal(a.price).quantize(Decimal("0.01")),
                              ExpenseQualifier(a.qualifier) if a.qualifier else None, a.indemnity,
                              None if a.distance_km is None else Decimal(a.distance_km).quantize(Decimal("0.01")))
                 for a in row.acts)
    return FavouriteView(row.id, row.professional_id, row.label, acts)


def _act_data(act: FavouriteAct) -> dict[str, object]:
    return {"code": act.code, "quantity": act.quantity, "coefficient": act.coefficient, "price": act.price,
            "qualifier": act.qualifier.value if act.qualifier else None, "indemnity": act.indemnity,
            "distance_km": act.distance_km}


def _set_acts(session: Session, row: Favourite, acts: tuple[FavouriteAct, ...]) -> None:
    row.acts.clear()
    session.flush()  # old positions go before the new ones take them
    for position, act in enumerate(acts, start=1):
        row.acts.append(FavouriteActRow(position=position, **_act_data(act)))


def _check_label(session: Session, professional_id: int, label: str, own_id: int | None) -> None:
    other = session.scalar(select(Favourite.id).where(Favourite.professional_id == professional_id,
                                                      Favourite.label_key == search_key(label)))
    if other is not None and other != own_id:
        raise ConflictError(f"Libellé : le favori « {label} » existe déjà pour ce professionnel.",
                            code="favourite_exists", field="label")


def _owner(session: Session, ctx: Context, ref: Ref | None) -> Professional:
    if ref is None:
        own = actor_professional_id(session, ctx)
        if own is None:
            raise ValidationError("Professionnel : précisez le professionnel (votre compte n'est lié à aucun).",
                                  code="required", field="professional")
        ref = own
    return resolve(session, ref)


def _find(session: Session, favourite_id: int) -> Favourite:
    row = session.scalar(select(Favourite).where(Favourite.id == favourite_id).options(selectinload(Favourite.acts)))
    if row is None:
        raise NotFoundError(f"Favori n° {favourite_id} introuvable.", code="favourite_not_found", field="favourite")
    return row


def create_favourite(ctx: Context, professional: Ref | None, label: object, acts: Sequence[object]) -> int:
    require(ctx, Permission.FAVOURITE_WRITE)
    text = parse_label(label)
    items = validate_acts(list(acts))
    now = ctx.clock()
    with ctx.db.transaction() as session:
        pro = _owner(session, ctx, professional)
        require_self_or_admin(session, ctx, pro, "modifier les favoris")
        _check_label(session, pro.id, text, None)
        row = Favourite(professional_id=pro.id, label=text, label_key=search_key(text), created_at=now,
                        updated_at=now)
        session.add(row)
        session.flush()
        _set_acts(session, row, items)
        session.flush()
        audit.record(session, actor=ctx.actor.login, at=now, action="favourite.create", entity="favourite",
                     entity_id=str(row.id), data={"professional_id": pro.id, "label": text,
                                                  "acts": [_act_data(a) for a in items]})
        return row.id


def edit_favourite(ctx: Context, favourite_id: int, *, label: object = None,
                   acts: Sequence[object] | None = None) -> None:
    """Change the label and/or replace the list of acts."""
    require(ctx, Permission.FAVOURITE_WRITE)
    text = None if label is None else parse_label(label)
    items = None if acts is None else validate_acts(list(acts))
    with ctx.db.transaction() as session:
        row = _find(session, favourite_id)
        pro = resolve(session, row.professional_id)
        require_self_or_admin(session, ctx, pro, "modifier les favoris")
        data: dict[str, object] = {}
        if text is not None and text != row.label:
            _check_label(session, pro.id, text, row.id)
            row.label, row.label_key = text, search_key(text)
            data["label"] = text
        if items is not None and items != _view(row).acts:
            _set_acts(session, row, items)
            data["acts"] = [_act_data(a) for a in items]
        if not data:
            return
        row.updated_at = ctx.clock()
        session.flush()
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="favourite.update",
                     entity="favourite", entity_id=str(row.id), data=data)


def search_favourites(ctx: Context, professional: Ref | None = None, prefix: object = "", *,
                      descending: bool = False, limit: int | None = None, offset: int = 0) -> list[FavouriteView]:
    """A professional's favourites whose label starts with ``prefix`` (case and accents ignored); ``limit`` and
    ``offset``: one page (the wizard's list)."""
    require(ctx, Permission.READ)
    key = parse_prefix(prefix)
    page = page_bounds(limit, offset)
    with ctx.db.read() as session:
        pro = _owner(session, ctx, professional)
        order = Favourite.label_key.desc() if descending else Favourite.label_key
        query = (select(Favourite).where(Favourite.professional_id == pro.id).order_by(order)
                 .options(selectinload(Favourite.acts)))
        if key:
            pattern = like_prefix(key)
            query = query.where(Favourite.label_key.like(pattern, escape="\\"))
        if page is not None:
            query = query.limit(page[0]).offset(page[1])
        return [_view(row) for row in session.scalars(query)]


def get_favourite(ctx: Context, favourite_id: int) -> FavouriteView:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return _view(_find(session, favourite_id))


def delete_favourite(ctx: Context, favourite_id: int) -> None:
    require(ctx, Permission.FAVOURITE_WRITE)
    with ctx.db.transaction() as session:
        row = _find(session, favourite_id)
        require_self_or_admin(session, ctx, resolve(session, row.professional_id), "modifier les favoris")
        data = {"professional_id": row.professional_id, "label": row.label}
        session.delete(row)
        session.flush()
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="favourite.delete",
                     entity="favourite", entity_id=str(favourite_id), data=data)

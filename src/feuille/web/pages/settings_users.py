"""Settings: the users (create with a role, set a password, disable, enable), one's own password, and the audit
log (newest entries, « Vérifier le journal »)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from feuille import signin
from feuille.api.deps import ContextDep, needs
from feuille.auth import (
    ROLE_LABELS,
    Context,
    Permission,
    Role,
    UserView,
    audit_page,
    create_user,
    list_users,
    may,
    parse_role,
    set_user_active,
    update_user,
    verify_audit,
)
from feuille.errors import FeuilleError, NotFoundError
from feuille.web.pages.settings_common import Refused, done, form_values, message
from feuille.web.templating import page

router = APIRouter()

USERS = "/parametres/utilisateurs"
ROLES = [(role.value, ROLE_LABELS[role]) for role in Role]


def _users(request: Request, ctx: Context, values: dict[str, str], error: FeuilleError | None = None) -> Response:
    return page(request, "settings/utilisateurs.html", {
        "title": "Utilisateurs", "users": list_users(ctx), "roles": ROLES, "role_labels": ROLE_LABELS,
        "admin": may(ctx, Permission.USER_ADMIN), "values": values, "message": message(request)},
        status=error.http_status if error else 200, error=error)


@router.get(USERS, include_in_schema=False, dependencies=[needs(Permission.READ)])
def users_page(request: Request, ctx: ContextDep) -> Response:
    return _users(request, ctx, {"role": Role.SECRETAIRE.value})


@router.post(USERS, include_in_schema=False, dependencies=[needs(Permission.USER_ADMIN)])
async def user_create(request: Request, ctx: ContextDep) -> Response:
    values = await form_values(request)
    try:
        create_user(ctx, values.get("login", ""), values.get("display_name", ""),
                    parse_role(values.get("role", "")))
    except Refused as error:
        return _users(request, ctx, values, error)
    created = next(u for u in list_users(ctx) if u.login == values.get("login", "").strip())
    return done(f"{USERS}/{created.id}", "utilisateur_cree")


def _user(ctx: Context, user_id: int) -> UserView:
    found = next((u for u in list_users(ctx) if u.id == user_id), None)
    if found is None:
        raise NotFoundError(f"Utilisateur n° {user_id} introuvable.", code="user_unknown", field="login")
    return found


def _account(request: Request, ctx: Context, user_id: int, error: FeuilleError | None = None,
             values: dict[str, str] | None = None) -> Response:
    account = _user(ctx, user_id)
    typed = values or {"role": account.role.value, "display_name": account.display_name}
    return page(request, "settings/utilisateur.html", {
        "title": f"Utilisateur {account.login}", "account": account, "role_label": ROLE_LABELS[account.role],
        "roles": ROLES, "values": typed, "admin": may(ctx, Permission.USER_ADMIN), "message": message(request)},
        status=error.http_status if error else 200, error=error)


@router.get(USERS + "/{user_id:int}", include_in_schema=False, dependencies=[needs(Permission.READ)])
def user_page(request: Request, ctx: ContextDep, user_id: int) -> Response:
    return _account(request, ctx, user_id)


@router.post(USERS + "/{user_id:int}", include_in_schema=False,
             dependencies=[needs(Permission.READ, Permission.USER_ADMIN)])
async def user_update(request: Request, ctx: ContextDep, user_id: int) -> Response:
    """« Rôle et nom »: a new role ends the user's open sessions (the service), so that it applies at once."""
    values = await form_values(request)
    account = _user(ctx, user_id)
    try:
        changed = update_user(ctx, account.login, role=parse_role(values.get("role", "")),
                              display_name=values.get("display_name", ""))
    except Refused as error:
        return _account(request, ctx, user_id, error, values)
    return done(f"{USERS}/{user_id}", "utilisateur_modifie" if changed else "rien_change")


@router.post(USERS + "/{user_id:int}/mot-de-passe", include_in_schema=False,
             dependencies=[needs(Permission.READ, Permission.USER_ADMIN)])
async def user_password(request: Request, ctx: ContextDep, user_id: int) -> Response:
    values = await form_values(request)
    account = _user(ctx, user_id)
    try:
        signin.set_password(ctx, account.login, values.get("mot_de_passe", ""), values.get("confirmation", ""))
    except Refused as error:
        return _account(request, ctx, user_id, error)
    return done(f"{USERS}/{user_id}", "mot_de_passe")


@router.post(USERS + "/{user_id:int}/desactiver", include_in_schema=False,
             dependencies=[needs(Permission.READ, Permission.USER_ADMIN)])
def user_disable(request: Request, ctx: ContextDep, user_id: int) -> Response:
    try:
        set_user_active(ctx, _user(ctx, user_id).login, False)
    except Refused as error:
        return _account(request, ctx, user_id, error)
    return done(f"{USERS}/{user_id}", "desactive")


@router.post(USERS + "/{user_id:int}/activer", include_in_schema=False,
             dependencies=[needs(Permission.READ, Permission.USER_ADMIN)])
def user_enable(request: Request, ctx: ContextDep, user_id: int) -> Response:
    set_user_active(ctx, _user(ctx, user_id).login, True)
    return done(f"{USERS}/{user_id}", "active")


# ---------------------------------------------------------------------------------------------
# One's own password


@router.get("/parametres/mot-de-passe", include_in_schema=False, dependencies=[needs()])
def own_password_page(request: Request, ctx: ContextDep) -> Response:
    return page(request, "settings/mot_de_passe.html", {"title": "Mon mot de passe", "message": message(request)})


@router.post("/parametres/mot-de-passe", include_in_schema=False, dependencies=[needs()])
async def own_password(request: Request, ctx: ContextDep) -> Response:
    values = await form_values(request)
    try:
        signin.change_own_password(ctx, values.get("mot_de_passe_actuel", ""), values.get("mot_de_passe", ""),
                                   values.get("confirmation", ""))
    except Refused as error:
        return page(request, "settings/mot_de_passe.html", {"title": "Mon mot de passe"},
                    status=error.http_status, error=error)
    # Every session of the user is closed: this address leads to the sign-in page, then back here with the news.
    return done("/parametres/mot-de-passe", "mon_mot_de_passe")


# ---------------------------------------------------------------------------------------------
# The audit log


@router.get("/parametres/journal", include_in_schema=False, dependencies=[needs(Permission.AUDIT_VERIFY)])
def journal(request: Request, ctx: ContextDep, page_number: Annotated[int, Query(alias="page")] = 1,
            verifier: bool = False) -> Response:
    entries, pages = audit_page(ctx, page_number)
    report = verify_audit(ctx) if verifier else None
    return page(request, "settings/journal.html", {
        "title": "Journal d'audit", "entries": entries, "page_number": page_number, "pages": pages,
        "report": report})

"""What every route shares: the database, the signed-in session, the service context, the CSRF check.

A request is signed in by the session cookie (the browser) or by ``Authorization: Bearer <jeton>`` (an API
client, token from ``POST /api/session``). A cookie-signed request that changes something must send the session's
CSRF token back (``X-CSRF-Token`` header, or the ``csrf`` form field); a bearer request needs none, since no
browser adds that header by itself. The role is checked by the services (``feuille.auth.require``), never here.
"""

from __future__ import annotations

import hmac
import re
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, params
from fastapi.routing import APIRoute, iter_route_contexts

from feuille import signin
from feuille.auth import Context, Permission
from feuille.errors import PermissionDeniedError
from feuille.storage import Database

SESSION_COOKIE = "feuille_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NotSignedIn(Exception):
    """No valid session: the API answers 401, a page sends the browser to the sign-in page."""


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def session_token(request: Request) -> tuple[str | None, bool]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip(), True
    return request.cookies.get(SESSION_COOKIE), False


async def current_session(request: Request) -> signin.SessionView:
    cached: signin.SessionView | None = getattr(request.state, "session", None)
    if cached is not None:
        return cached
    token, bearer = session_token(request)
    view = signin.resolve(database(request), token)
    if view is None:
        raise NotSignedIn()
    request.state.session = view
    if request.method not in SAFE_METHODS and not bearer:
        await _check_csrf(request, view)
    return view


async def _check_csrf(request: Request, view: signin.SessionView) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        if getattr(request, "_form", None) is None:   # not yet read as a form (by FastAPI, for Form fields)
            await request.body()   # kept by Starlette: a route that reads the body itself (JSON) still can
        form = await request.form()   # cached by Starlette: the route reads the same form
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, view.csrf):
        raise PermissionDeniedError("La page a expiré ou ne vient pas de feuille : rechargez-la puis recommencez.",
                                    code="csrf", field=CSRF_FIELD)


async def context(request: Request, view: Annotated[signin.SessionView, Depends(current_session)]) -> Context:
    return Context(db=database(request), actor=view.actor)


SessionDep = Annotated[signin.SessionView, Depends(current_session)]
ContextDep = Annotated[Context, Depends(context)]
DatabaseDep = Annotated[Database, Depends(database)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "inconnue"


# --- What a route's service requires: declared on the route, enforced by the service -------------------------

class Needs:
    """The permissions the services behind a route require (all of them), or that the route is public; and those
    they require for some requests only (``depending``: the securing mode, the signing step), which a role may
    lack and still be served for the other requests.

    Only a declaration, read by the role × route matrix test (``tests/web/test_role_matrix.py``) and shown in the
    OpenAPI schema as ``x-permissions`` (and ``x-permissions-depending``): the service still checks the role
    (``feuille.auth.require``)."""

    def __init__(self, permissions: tuple[Permission, ...], public: bool,
                 depending: tuple[Permission, ...] = ()) -> None:
        self.permissions = frozenset(permissions)
        self.public = public
        self.depending = frozenset(depending) - self.permissions

    async def __call__(self) -> None:   # async: run inline, no thread for a dependency that does nothing
        return None


def needs(*permissions: Permission, public: bool = False,
          depending: tuple[Permission, ...] = ()) -> params.Depends:
    """Declare what the service behind a route requires, as a dependency that does nothing::

        @router.get("/patients", dependencies=[needs(Permission.READ)])
        @router.post("/factures", dependencies=[needs(Permission.INVOICE_DRAFT)])
        @router.get("/moi", dependencies=[needs()])              # signed in, any role
        @router.get("/sante", dependencies=[needs(public=True)]) # no session at all
        router = APIRouter(dependencies=[needs(Permission.READ)])   # every route of a router (they add up)

    A route calling several services lists every permission they require (a role lacking any one is refused).
    A permission the service requires only for some requests goes in ``depending``::

        # the first signature of a desynchronised invoice: INVOICE_DRAFT; any other securing: INVOICE_SIGN_FINAL
        @router.post("/factures/{id}/preparation",
                     dependencies=[needs(Permission.INVOICE_DRAFT, depending=(Permission.INVOICE_SIGN_FINAL,))])
    """
    if public and (permissions or depending):
        raise ValueError("a public route requires no permission")
    declared: params.Depends = Depends(Needs(permissions, public, depending))
    return declared


def declared_needs(route: Any) -> Needs | None:
    """What ``route`` declares through :func:`needs` (several declarations add up), or None if it declares
    nothing."""
    found = [dep.dependency for dep in getattr(route, "dependencies", ()) if isinstance(dep.dependency, Needs)]
    if not found:
        return None
    permissions = frozenset().union(*(n.permissions for n in found))
    depending = frozenset().union(*(n.depending for n in found))
    return Needs(tuple(sorted(permissions)), public=all(n.public for n in found) and not permissions,
                 depending=tuple(sorted(depending)))


#: ``{invoice_id:int}`` in a route's path is ``{invoice_id}`` in the schema
CONVERTER = re.compile(r":[a-z]+}")


def document_needs(app: FastAPI) -> None:
    """Show the declarations in the OpenAPI schema: ``x-permissions`` (and ``x-public``) on each operation."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        paths = schema.get("paths", {})
        for route in iter_route_contexts(app.routes):
            declared = declared_needs(route) if isinstance(route.original_route, APIRoute) else None
            if declared is None:
                continue
            for method in route.methods or ():
                operation = paths.get(CONVERTER.sub("}", route.path or ""), {}).get(method.lower())
                if operation is not None:
                    operation["x-permissions"] = sorted(declared.permissions)
                    operation["x-public"] = declared.public
                    if declared.depending:
                        operation["x-permissions-depending"] = sorted(declared.depending)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

"""What every route shares: the database, the signed-in session, the service context, the CSRF check.

A request is signed in by the session cookie (the browser) or by ``Authorization: Bearer <jeton>`` (an API
client, token from ``POST /api/session``). A cookie-signed request that changes something must send the session's
CSRF token back (``X-CSRF-Token`` header, or the ``csrf`` form field); a bearer request needs none, since no
browser adds that header by itself. The role is checked by the services (``feuille.auth.require``), never here.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from feuille import signin
from feuille.auth import Context
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

"""Sign-in and sign-out pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from feuille import signin
from feuille.api.deps import SESSION_COOKIE, DatabaseDep, SessionDep, client_address, needs, session_token
from feuille.errors import FeuilleError
from feuille.web.templating import page

router = APIRouter()


def _safe(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/connexion", include_in_schema=False, dependencies=[needs(public=True)])
def signin_page(request: Request, suite: str | None = None) -> Response:
    return page(request, "connexion.html", {"suite": _safe(suite), "identifiant": ""})


@router.post("/connexion", include_in_schema=False, dependencies=[needs(public=True)])
def signin_submit(request: Request, db: DatabaseDep, identifiant: Annotated[str, Form()] = "",
                  mot_de_passe: Annotated[str, Form()] = "", suite: Annotated[str, Form()] = "/") -> Response:
    try:
        opened = signin.sign_in(db, identifiant, mot_de_passe, client_address(request))
    except FeuilleError as error:
        return page(request, "connexion.html", {"suite": _safe(suite), "identifiant": identifiant},
                    status=error.http_status if error.http_status != 422 else 400, error=error)
    response = RedirectResponse(_safe(suite), status_code=303)
    response.set_cookie(SESSION_COOKIE, opened.token, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https", max_age=int(signin.LIFETIME.total_seconds()))
    return response


@router.post("/deconnexion", include_in_schema=False, dependencies=[needs()])
def signout(request: Request, view: SessionDep, db: DatabaseDep) -> Response:
    signin.sign_out(db, session_token(request)[0])
    response = RedirectResponse("/connexion", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response

"""How the application answers an error: JSON under /api (``feuille.api.errors``), a French page elsewhere.

A page whose session is over sends the browser to the sign-in page, which brings it back to where it was (what
was typed is kept by the browser: ``static/feuille.js``). A refusal for want of a right is a 403 page, audited.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from feuille.api import errors as api_errors
from feuille.api.deps import NotSignedIn
from feuille.errors import FeuilleError, NotFoundError, PermissionDeniedError
from feuille.web.templating import page


def _api(request: Request) -> bool:
    return request.url.path == "/api" or request.url.path.startswith("/api/")


def _back(request: Request) -> str:
    """Where to return after signing in: this page for a GET, the page the form was on otherwise."""
    if request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    else:
        referer = request.headers.get("referer", "")
        origin = f"{request.url.scheme}://{request.url.netloc}"
        target = referer[len(origin):] if referer.startswith(origin) else "/"
    return target if target.startswith("/") and not target.startswith("//") else "/"


async def not_signed_in(request: Request, error: Exception) -> Response:
    if _api(request):
        return await api_errors.not_signed_in(request, error)
    target = _back(request)
    address = "/connexion" if target == "/" else f"/connexion?suite={quote(target, safe='')}"
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": address})
    return RedirectResponse(address, status_code=303)


async def feuille_error(request: Request, error: Exception) -> Response:
    if _api(request):
        return await api_errors.feuille_error(request, error)
    assert isinstance(error, FeuilleError)
    if isinstance(error, PermissionDeniedError):
        api_errors.audit_refusal(request, error)
        return page(request, "erreur.html", {"title": "Accès refusé"}, status=403, error=error)
    title = "Introuvable" if isinstance(error, NotFoundError) else "Opération refusée"
    return page(request, "erreur.html", {"title": title}, status=error.http_status, error=error)


async def request_invalid(request: Request, error: Exception) -> Response:
    if _api(request):
        return await api_errors.request_invalid(request, error)
    assert isinstance(error, RequestValidationError)
    problems = api_errors.field_problems(error.errors())
    refusal = FeuilleError("La demande est incomplète ou mal formée.", code="requete_invalide", problems=problems)
    return page(request, "erreur.html", {"title": "Demande refusée"}, status=422, error=refusal)


async def http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    messages = {404: "Cette page n'existe pas.", 405: "Cette action n'est pas possible à cette adresse."}
    message = messages.get(error.status_code, "La demande n'a pas abouti.")
    if _api(request) and error.status_code == 400:   # a body FastAPI could not even decode: a bad body, 422
        return JSONResponse(api_errors.validation_body([{"type": "json_invalid", "loc": ("body",)}]),
                            status_code=422)
    if _api(request):
        return JSONResponse({"code": f"http_{error.status_code}", "message": message, "field": None,
                             "problems": []}, status_code=error.status_code)
    refusal = FeuilleError(message, code=f"http_{error.status_code}")
    return page(request, "erreur.html", {"title": "Page introuvable" if error.status_code == 404 else "Refusé"},
                status=error.status_code, error=refusal)


HANDLERS = {NotSignedIn: not_signed_in, FeuilleError: feuille_error, RequestValidationError: request_invalid,
            StarletteHTTPException: http_error}

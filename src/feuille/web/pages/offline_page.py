"""The offline page (manual 000, « Mode hors connexion »): a page that keeps working with the server down.

``/hors-ligne`` is a shell that holds no data: the records live in the browser (IndexedDB), the service worker
(``/sw.js``, Workbox) keeps the shell and its scripts, and the page sends the records through
``POST /api/hors-ligne/envoi`` when the server answers again. So the shell is public and rendered without the
session (it is cached once and served to whoever opens the page, signed in or not); who is signed in, and the CSRF
token the page sends, come from ``/hors-ligne/session``, a small JSON answer never cached.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from feuille.api.deps import ContextDep, NotSignedIn, current_session, needs
from feuille.auth import Permission
from feuille.domain.favourites import FavouriteAct
from feuille.errors import ValidationError
from feuille.practice import favourites
from feuille.web.templating import TEMPLATES, templates

router = APIRouter()
STATIC = Path(__file__).resolve().parents[1] / "static"
ADDRESS = "/hors-ligne"
SHELL = "offline/hors_ligne.html"
#: What the service worker keeps for the page to open with the server down (besides the Workbox modules, which
#: the browser keeps with the worker's script since the worker imports them).
ASSETS = ("feuille.css", "offline/connexion.js", "offline/stockage.js", "offline/synchro.js",
          "offline/hors_ligne.js", "offline/fichier.js", "vendor/idb/umd.js")
NO_STORE = {"Cache-Control": "no-store"}


@router.get(ADDRESS, include_in_schema=False, dependencies=[needs(public=True)])
def offline_page(request: Request) -> Response:
    # Public and without the session on purpose: the service worker caches this answer and serves it to whoever
    # opens the page while the server is down; it holds no data and no token (both come from the JSON below).
    return templates.TemplateResponse(request, SHELL, {"title": "Mode hors connexion", "session": None,
                                                       "csrf": "", "section": "hors-ligne",
                                                       "field_errors": {}})


@router.get(ADDRESS + "/session", include_in_schema=False, dependencies=[needs(public=True)])
async def who(request: Request) -> Response:
    """Who is signed in in this browser, and the session's CSRF token (``connecte: false`` otherwise): the page
    asks when the server answers, keeps the login for offline use and sends the token with the records."""
    try:
        view = await current_session(request)
    except NotSignedIn:
        return JSONResponse({"connecte": False}, headers=NO_STORE)
    return JSONResponse({"connecte": True, "identifiant": view.actor.login, "nom": view.display_name,
                         "csrf": view.csrf}, headers=NO_STORE)


@router.get("/sw.js", include_in_schema=False, dependencies=[needs(public=True)])
def service_worker() -> Response:
    """The service worker, from the root so that its scope covers ``/hors-ligne``; the list of what it keeps is
    written in with each file's digest, so that a changed file is fetched again (and only then)."""
    return Response(_worker_script(), media_type="text/javascript",
                    headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"})


@cache
def _worker_script() -> str:
    entries = [{"url": ADDRESS, "revision": _digest(TEMPLATES / SHELL)}]
    entries += [{"url": f"/static/{name}", "revision": _digest(STATIC / name)} for name in ASSETS]
    source = (STATIC / "offline" / "sw.js").read_text(encoding="utf-8")
    return f"self.FEUILLE_PRECACHE = {json.dumps(entries)};\n{source}"


def _digest(*paths: Path) -> str:
    found = hashlib.sha256()
    for path in paths:
        try:
            found.update(path.read_bytes())
        except FileNotFoundError:   # vendor files missing: `make install`; the worker then fails to install
            found.update(b"absent")
    return found.hexdigest()[:16]


@router.get(ADDRESS + "/favoris", include_in_schema=False, dependencies=[needs(Permission.READ)])
def favourites_list(ctx: ContextDep) -> Response:
    """The signed-in user's favourites (label and acts), fetched while the server answers and kept by the page in
    IndexedDB, so that acts can be chosen offline (« Actes (favoris) »). A favourite's indemnity (MD, IFD…) is an
    act of its own here: a record keeps codes and coefficients only, as the wizard's acts screen asks them."""
    try:
        found = favourites.search_favourites(ctx)
    except ValidationError:   # a user linked to no professional has no favourites
        found = []
    return JSONResponse({"favoris": [{"id": fav.id, "libelle": fav.label, "actes": _acts(fav.acts)}
                                     for fav in found]}, headers=NO_STORE)


def _acts(acts: tuple[FavouriteAct, ...]) -> list[dict[str, str]]:
    listed: list[dict[str, str]] = []
    for act in acts:
        coefficient = act.coefficient.normalize()
        shown = {"code": act.code} if coefficient == 1 else {"code": act.code, "coefficient": f"{coefficient:f}"}
        listed.extend([shown] * act.quantity)
        if act.indemnity:
            listed.append({"code": act.indemnity})
    return listed

"""The home page: the manual's tiles with their counts, reading the Vitale card, the patient search."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from feuille import desk
from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.web.templating import page

router = APIRouter()


@router.get("/", include_in_schema=False, dependencies=[needs(Permission.READ)])
def home(request: Request, ctx: ContextDep) -> Response:
    return page(request, "accueil.html", {"tiles": desk.tiles(ctx), "recent": desk.my_invoices(ctx)})

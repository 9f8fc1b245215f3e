"""The card reader at the desk: pairing this browser with the card agent's loopback interface.

Nothing is stored on the server: the agent's address and pairing token belong to the desk, so the page keeps them
in the browser (``static/agent.js``), and the check « Lire les cartes » runs from the browser to the agent.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from feuille.api.deps import SessionDep, needs
from feuille.web.templating import page

router = APIRouter()


@router.get("/lecteur", include_in_schema=False, dependencies=[needs()])
def reader_page(request: Request, view: SessionDep) -> Response:
    origin = f"{request.url.scheme}://{request.url.netloc}"
    return page(request, "cards/lecteur.html", {"title": "Lecteur de cartes", "origin": origin})

"""Creating (or refreshing) a patient from the Vitale card or the Vitale app, read at the desk.

The page reads the card through the desk's card agent (``static/agent.js``), lists the beneficiaries, and posts
the chosen one's data as JSON to ``POST /api/patients/carte``, where the service validates it as card data (it
never takes it blindly: every field is checked, a NIR whose key fails is kept with a warning, as the card is the
authority). The same page serves the Vitale app (ApCV), which the agent reads as it reads a card.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from feuille.api.deps import SessionDep, needs
from feuille.web.templating import page

router = APIRouter()


@router.get("/patients/carte", include_in_schema=False, dependencies=[needs()])
def card_page(request: Request, view: SessionDep) -> Response:
    return page(request, "patients/carte.html", {"title": "Lire la carte Vitale"})

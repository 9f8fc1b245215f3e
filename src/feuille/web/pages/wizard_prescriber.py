"""« Créer » a prescriber from the wizard's prescription screen (manual 001 « Choix Prescripteur » : « Si le
prescripteur n'est pas répertorié, cliquez sur Créer »): a short form in the step area, carrying every answer typed
so far; the prescriber service creates him, then the wizard goes on with him chosen.

Two ways lead here: the button « Créer un prescripteur » while the screen asks for the prescriber (he is then put
in the search as if typed and chosen from the list), or « Créer ce prescripteur ? » answered « oui » after a search
found nobody (the step machine's own creation: his id is the answer it asked for).
"""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

from fastapi import APIRouter, Request
from fastapi.responses import Response

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.domain.professionals import SPECIALTIES
from feuille.errors import FeuilleError
from feuille.practice import patients, prescribers
from feuille.practice.patients import PatientView
from feuille.web.pages import wizard_render as render
from feuille.web.pages import wizard_screens as screens
from feuille.web.pages.wizard_driver import SEPARATOR, sent_answers
from feuille.web.templating import page

router = APIRouter()
FIELDS = ("last_name", "first_name", "number", "specialty")
KEY = "prescripteur_cle"   # the answer the machine asked for (its creation), or empty (the button)
_ROUND = re.compile(r"^prescription\|prescriber\.[a-z]+\.(\d+)$")
_CREATED = re.compile(r"^prescription\|prescriber\.created\.\d{1,3}$")


def form(request: Request, patient: PatientView, sent: dict[str, str], typed: dict[str, str] | None = None,
         key: str = "", error: FeuilleError | None = None) -> Response:
    """The prescriber's form in the step area, the wizard's answers carried as hidden inputs."""
    values: dict[str, Any] = {
        "title": "Créer un prescripteur", "patient": patient, "hidden": sent, "typed": typed or {},
        "key": key, "specialties": [("", "—"), *((code, f"{code} - {s.label}") for code, s in SPECIALTIES.items())],
        "fragment": render.htmx(request), "rendu": uuid4().hex[:12], "step_template": "wizard/_prescripteur.html",
    }
    name = "wizard/_prescripteur.html" if render.htmx(request) else "wizard/assistant.html"
    status = 200 if error is None else render.status(error)
    return page(request, name, values, status=status, error=error)


def asked(request: Request, ctx: ContextDep, patient_id: int, sent: dict[str, str],
          spot: screens.CreateOnSpot) -> Response:
    """The machine's « Créer ce prescripteur ? » answered « oui »: the form, the name searched already typed."""
    return form(request, patients.get_patient(ctx, patient_id), sent, {"last_name": spot.text}, spot.key)


def round_asked(progress: screens.Progress) -> int:
    """The search round the prescription screen is at (``prescriber.text.2``: the second)."""
    shown = progress.screen("prescription")
    pending = next((p.walk.pending for p in (shown.parts if shown else []) if p.walk.pending is not None), None)
    found = _ROUND.match(pending.name) if pending is not None else None
    return int(found.group(1)) if found else 1


def chosen(sent: dict[str, str], number: int, prescriber_id: int, last_name: str) -> dict[str, str]:
    """The answers with the new prescriber searched and chosen in round ``number`` (later rounds forgotten): the
    search by his name finds him now, and the machine goes on as if he had been picked from the list."""
    kept = {name: text for name, text in sent.items()
            if not ((match := _ROUND.match(name)) and int(match.group(1)) >= number)}
    prefix = f"prescription{SEPARATOR}prescriber."
    return {**kept, f"{prefix}text.{number}": last_name, f"{prefix}choice.{number}": str(prescriber_id)}


def without_creation(sent: dict[str, str]) -> dict[str, str]:
    """The answers without a « Créer ce prescripteur ? » whose prescriber was not created."""
    prefix = f"prescription{SEPARATOR}prescriber."
    return {name: text for name, text in sent.items()
            if not (name.startswith(f"{prefix}create.") and f"{prefix}created.{name.rsplit('.', 1)[-1]}" not in sent)}


@router.post("/factures/nouvelle/prescripteur", include_in_schema=False,
             dependencies=[needs(Permission.PRESCRIBER_WRITE, Permission.INVOICE_DRAFT, Permission.READ)])
async def create(request: Request, ctx: ContextDep) -> Response:
    submitted = await request.form()
    sent = sent_answers(submitted)
    patient_id = render.patient_id(submitted.get("patient"))
    typed = {name: str(submitted.get(name) or "").strip() for name in FIELDS}
    key = str(submitted.get(KEY) or "")
    if not _CREATED.match(key):
        key = ""
    try:
        new_id = prescribers.create_prescriber(ctx, {k: v or None for k, v in typed.items()})
    except FeuilleError as error:
        return form(request, patients.get_patient(ctx, patient_id), sent, typed, key, error)
    number = int(key.rsplit(".", 1)[-1]) if key else round_asked(screens.replay(ctx, patient_id, sent))
    answers = chosen(sent, number, new_id, typed["last_name"])
    progress = screens.replay(ctx, patient_id, answers)
    said = f"Prescripteur {typed['last_name']} {typed['first_name']} créé et choisi pour cette facture."
    return render.render(request, ctx, progress, progress.current, answers, message=" ".join(said.split()))

"""The rights lookup (ADRi) from the patient's record, and the « Choix informations AMO » screen.

The request is signed by the CPS at the desk: the page reads the card through the card agent, asks the server for
the bytes to sign (``POST /api/patients/{id}/droits/preparation``), has the agent sign them, and sends them back
(``POST /api/patients/{id}/droits``), which calls the service and keeps its answer; the page then shows the
comparison, where the user takes the ADRi's information, keeps the record's, or picks field by field.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.errors import FeuilleError, NotFoundError
from feuille.practice import patients
from feuille.rights import lookup
from feuille.rights.compare import FIELDS
from feuille.web.templating import page

router = APIRouter()


@router.get("/patients/{patient_id:int}/droits", include_in_schema=False, dependencies=[needs(Permission.READ)])
def rights_page(request: Request, ctx: ContextDep, patient_id: int) -> Response:
    view = patients.get_patient(ctx, patient_id)
    return page(request, "patients/droits.html", {"title": "Interroger l'ADRi", "p": view,
                                                   "today": ctx.clock().date()})


def _lookup(ctx: ContextDep, patient_id: int, lookup_id: int) -> lookup.LookupView:
    view = lookup.get_lookup(ctx, lookup_id)
    if view.patient_id != patient_id:
        raise NotFoundError(f"Interrogation ADRi n° {lookup_id} inconnue pour ce patient.", code="not_found",
                            field="lookup")
    return view


def _choice_page(request: Request, ctx: ContextDep, patient_id: int, view: lookup.LookupView, *,
                 error: FeuilleError | None = None, status: int = 200) -> Response:
    return page(request, "patients/choix_amo.html", {
        "title": "Choix informations AMO", "p": patients.get_patient(ctx, patient_id), "l": view,
        "fields": FIELDS}, error=error, status=status)


@router.get("/patients/{patient_id:int}/droits/{lookup_id:int}", include_in_schema=False,
            dependencies=[needs(Permission.READ)])
def choice_page(request: Request, ctx: ContextDep, patient_id: int, lookup_id: int) -> Response:
    return _choice_page(request, ctx, patient_id, _lookup(ctx, patient_id, lookup_id))


@router.post("/patients/{patient_id:int}/droits/{lookup_id:int}", include_in_schema=False,
             dependencies=[needs(Permission.PATIENT_WRITE, Permission.READ)])
async def choice_submit(request: Request, ctx: ContextDep, patient_id: int, lookup_id: int) -> Response:
    view = _lookup(ctx, patient_id, lookup_id)
    form = await request.form()
    choice = str(form.get("choix") or "")
    picked = [str(value) for value in form.getlist("champs")]
    fields = {"adri": [lookup.ALL], "patient": [lookup.NONE]}.get(choice, picked or [lookup.NONE])
    try:
        chosen = lookup.choose(ctx, lookup_id, fields, other_person_confirmed=bool(form.get("confirme")))
    except FeuilleError as error:
        if error.http_status in (403, 404):
            raise
        return _choice_page(request, ctx, patient_id, view, error=error, status=error.http_status)
    done = "droits_repris" if chosen.applied else "droits_gardes"
    return RedirectResponse(f"/patients/{patient_id}?ok={done}", status_code=303)

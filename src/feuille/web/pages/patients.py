"""Patients: search, record, creation (typed, from the Vitale card or app), rights lookup, AMC contracts.

This module: the search (as you type, htmx), creating by hand, the record, editing and deleting. The card page,
the AMC contracts, the rights lookup and the CSV import are their own modules, included here.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from feuille.api.deps import ContextDep, needs
from feuille.auth import Context, Permission
from feuille.domain import patients as dom
from feuille.errors import FeuilleError
from feuille.practice import organisms, patients
from feuille.practice.patient_search import find_patients, search_kind
from feuille.rights import lookup
from feuille.web.pages import patients_amc, patients_card, patients_import, patients_rights
from feuille.web.pages import patients_form as pf
from feuille.web.templating import page

router = APIRouter()

KIND_HINTS = {"nom": "nom ou prénom", "nir": "NIR de l'assuré", "naissance": "date de naissance"}


def redirect(address: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"{address}?ok={done}", status_code=303)


# --- search -----------------------------------------------------------------------------------------------------

@router.get("/patients", include_in_schema=False, dependencies=[needs(Permission.READ)])
def search_page(request: Request, ctx: ContextDep, q: str = "", ordre: str = "asc") -> Response:
    order = "desc" if ordre == "desc" else "asc"
    error: FeuilleError | None = None
    try:
        found = find_patients(ctx, q, order=order, limit=50)
    except FeuilleError as refusal:
        found, error = [], refusal
    values = {"q": q, "ordre": order, "patients": found, "kind": KIND_HINTS[search_kind(q)],
              "title": "Patients", "message": pf.done_message(request), "sources": dom.SOURCE_LABELS}
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "resultats":
        return page(request, "patients/_resultats.html", values, error=error)
    return page(request, "patients/recherche.html", values, error=error)


# --- creating by hand ---------------------------------------------------------------------------------------------

def _form_page(request: Request, ctx: Context, values: dict[str, str], *, view: patients.PatientView | None = None,
               error: FeuilleError | None = None, status: int = 200) -> Response:
    from_card = view is not None and view.source == "carte"
    context: dict[str, Any] = {
        "title": "Nouveau patient" if view is None else "Modifier le dossier",
        "v": values, "patient": view, "from_card": from_card, "editable": dom.CARD_EDITABLE,
        "amo_organisms": organisms.list_amo_organisms(ctx), "L": pf.LABELS, "pf": pf,
        "submitted": error is not None,
    }
    return page(request, "patients/formulaire.html", context, error=error, status=status)


def _status(error: FeuilleError) -> int:
    return error.http_status if error.http_status in (400, 404, 409, 422) else 400


@router.get("/patients/nouveau", include_in_schema=False, dependencies=[needs(Permission.READ)])
def new_page(request: Request, ctx: ContextDep) -> Response:
    return _form_page(request, ctx, {"rank": "1", "quality": "0"})


@router.post("/patients/nouveau", include_in_schema=False, dependencies=[needs(Permission.PATIENT_WRITE)])
async def new_submit(request: Request, ctx: ContextDep) -> Response:
    form = await request.form()
    data, origin = pf.patient_data(form)
    try:
        saved = patients.create_patient(ctx, data)
    except FeuilleError as error:
        if error.http_status == 403:
            raise
        error = pf.renamed(error, origin)
        return _form_page(request, ctx, pf.form_values(form), error=error, status=_status(error))
    return redirect(f"/patients/{saved.id}", "cree")


# --- the record -------------------------------------------------------------------------------------------------

@router.get("/patients/{patient_id:int}", include_in_schema=False, dependencies=[needs(Permission.READ)])
def record_page(request: Request, ctx: ContextDep, patient_id: int) -> Response:
    view = patients.get_patient(ctx, patient_id)
    organism = None
    if view.amo_organism_id is not None:
        organism = organisms.get_amo_organism(ctx, view.amo_organism_id)
    last = lookup.last_lookup(ctx, patient_id)
    return page(request, "patients/fiche.html", {
        "title": f"{view.last_name} {view.first_name or ''}".strip(), "p": view, "organism": organism,
        "dom": dom, "message": pf.done_message(request), "last_lookup": last, "pf": pf})


@router.get("/patients/{patient_id:int}/modifier", include_in_schema=False, dependencies=[needs(Permission.READ)])
def edit_page(request: Request, ctx: ContextDep, patient_id: int) -> Response:
    view = patients.get_patient(ctx, patient_id)
    return _form_page(request, ctx, pf.values_of(view), view=view)


@router.post("/patients/{patient_id:int}/modifier", include_in_schema=False,
             dependencies=[needs(Permission.PATIENT_WRITE, Permission.READ)])
async def edit_submit(request: Request, ctx: ContextDep, patient_id: int) -> Response:
    view = patients.get_patient(ctx, patient_id)
    form = await request.form()
    only = dom.CARD_EDITABLE if view.source == "carte" else None
    data, origin = pf.patient_data(form, only=only)
    try:
        patients.update_patient(ctx, patient_id, data)
    except FeuilleError as error:
        if error.http_status in (403, 404):
            raise
        error = pf.renamed(error, origin)
        shown = {**pf.values_of(view), **pf.form_values(form)} if only else pf.form_values(form)
        return _form_page(request, ctx, shown, view=view, error=error, status=_status(error))
    return redirect(f"/patients/{patient_id}", "modifie")


# --- deleting ---------------------------------------------------------------------------------------------------

@router.get("/patients/{patient_id:int}/supprimer", include_in_schema=False, dependencies=[needs(Permission.READ)])
def delete_page(request: Request, ctx: ContextDep, patient_id: int) -> Response:
    view = patients.get_patient(ctx, patient_id)
    return page(request, "patients/supprimer.html", {"title": "Supprimer le dossier", "p": view})


@router.post("/patients/{patient_id:int}/supprimer", include_in_schema=False,
             dependencies=[needs(Permission.PATIENT_WRITE, Permission.READ)])
def delete_submit(request: Request, ctx: ContextDep, patient_id: int) -> Response:
    view = patients.get_patient(ctx, patient_id)
    try:
        patients.delete_patient(ctx, patient_id)
    except FeuilleError as error:
        if error.http_status in (403, 404):
            raise
        return page(request, "patients/supprimer.html", {"title": "Supprimer le dossier", "p": view},
                    error=error, status=_status(error))
    return redirect("/patients", "supprime")


for part in (patients_card, patients_amc, patients_rights, patients_import):
    router.include_router(part.router)

"""A patient's AMC contracts (« mutuelles »): add, see and edit, select, duplicate, delete; the formula picker."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from feuille.api.deps import ContextDep, needs
from feuille.auth import Context, Permission
from feuille.errors import FeuilleError, NotFoundError
from feuille.practice import amc_contracts, organisms, patients
from feuille.web.pages import patients_form as pf
from feuille.web.templating import page

router = APIRouter()


def _done(patient_id: int, code: str) -> RedirectResponse:
    return RedirectResponse(f"/patients/{patient_id}?ok={code}", status_code=303)


def _contract(ctx: Context, patient_id: int, contract_id: int) -> amc_contracts.ContractView:
    view = amc_contracts.get_amc_contract(ctx, contract_id)
    if view.patient_id != patient_id:
        raise NotFoundError(f"Mutuelle n° {contract_id} inconnue pour ce patient.", code="contract_unknown",
                            field="contract_id")
    return view


def _form(request: Request, ctx: Context, patient_id: int, values: dict[str, str], *,
          contract: amc_contracts.ContractView | None = None, error: FeuilleError | None = None,
          status: int = 200) -> Response:
    context: dict[str, Any] = {
        "title": "Mutuelle", "p": patients.get_patient(ctx, patient_id), "v": values, "c": contract,
        "amc_organisms": organisms.list_amc_organisms(ctx), "pf": pf, "submitted": error is not None,
        "read_only": contract is not None and contract.source == "carte", "message": pf.done_message(request),
    }
    return page(request, "patients/mutuelle.html", context, error=error, status=status)


def _status(error: FeuilleError) -> int:
    return error.http_status if error.http_status in (400, 404, 409, 422) else 400


@router.get("/patients/{patient_id:int}/mutuelles/nouvelle", include_in_schema=False,
            dependencies=[needs(Permission.READ)])
def add_page(request: Request, ctx: ContextDep, patient_id: int) -> Response:
    return _form(request, ctx, patient_id, {"management": "separee", "reference_date": "execution"})


@router.post("/patients/{patient_id:int}/mutuelles/nouvelle", include_in_schema=False,
             dependencies=[needs(Permission.PATIENT_WRITE)])
async def add_submit(request: Request, ctx: ContextDep, patient_id: int) -> Response:
    form = await request.form()
    try:
        amc_contracts.add_amc_contract(ctx, patient_id, pf.contract_data(form, adding=True))
    except FeuilleError as error:
        if error.http_status in (403, 404):
            raise
        return _form(request, ctx, patient_id, pf.form_values(form), error=error, status=_status(error))
    return _done(patient_id, "mutuelle_ajoutee")


@router.get("/patients/{patient_id:int}/mutuelles/{contract_id:int}", include_in_schema=False,
            dependencies=[needs(Permission.READ)])
def contract_page(request: Request, ctx: ContextDep, patient_id: int, contract_id: int) -> Response:
    view = _contract(ctx, patient_id, contract_id)
    return _form(request, ctx, patient_id, pf.contract_values(view), contract=view)


@router.post("/patients/{patient_id:int}/mutuelles/{contract_id:int}", include_in_schema=False,
             dependencies=[needs(Permission.PATIENT_WRITE, Permission.READ)])
async def contract_submit(request: Request, ctx: ContextDep, patient_id: int, contract_id: int) -> Response:
    view = _contract(ctx, patient_id, contract_id)
    form = await request.form()
    try:
        amc_contracts.update_amc_contract(ctx, contract_id, pf.contract_data(form, adding=False))
    except FeuilleError as error:
        if error.http_status in (403, 404):
            raise
        return _form(request, ctx, patient_id, pf.form_values(form), contract=view, error=error,
                     status=_status(error))
    return _done(patient_id, "mutuelle_modifiee")


@router.post("/patients/{patient_id:int}/mutuelles/{contract_id:int}/selectionner", include_in_schema=False,
             dependencies=[needs(Permission.PATIENT_WRITE, Permission.READ)])
def select_submit(ctx: ContextDep, patient_id: int, contract_id: int) -> Response:
    _contract(ctx, patient_id, contract_id)
    amc_contracts.select_amc_contract(ctx, contract_id)
    return _done(patient_id, "mutuelle_selectionnee")


@router.post("/patients/{patient_id:int}/mutuelles/{contract_id:int}/dupliquer", include_in_schema=False,
             dependencies=[needs(Permission.PATIENT_WRITE, Permission.READ)])
def duplicate_submit(ctx: ContextDep, patient_id: int, contract_id: int) -> Response:
    _contract(ctx, patient_id, contract_id)
    copy = amc_contracts.duplicate_amc_contract(ctx, contract_id)
    return RedirectResponse(f"/patients/{patient_id}/mutuelles/{copy}?ok=mutuelle_dupliquee", status_code=303)


@router.get("/patients/{patient_id:int}/mutuelles/{contract_id:int}/supprimer", include_in_schema=False,
            dependencies=[needs(Permission.READ)])
def delete_page(request: Request, ctx: ContextDep, patient_id: int, contract_id: int) -> Response:
    view = _contract(ctx, patient_id, contract_id)
    return page(request, "patients/mutuelle_supprimer.html", {"title": "Supprimer la mutuelle", "c": view,
                                                               "patient_id": patient_id})


@router.post("/patients/{patient_id:int}/mutuelles/{contract_id:int}/supprimer", include_in_schema=False,
             dependencies=[needs(Permission.PATIENT_WRITE, Permission.READ)])
def delete_submit(ctx: ContextDep, patient_id: int, contract_id: int) -> Response:
    _contract(ctx, patient_id, contract_id)
    amc_contracts.delete_amc_contract(ctx, contract_id)
    return _done(patient_id, "mutuelle_supprimee")

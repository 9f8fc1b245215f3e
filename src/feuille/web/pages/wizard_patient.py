"""The wizard's first step, « Patient » (manual 001 « Réaliser une facture » : avec carte Vitale, base patient, nouveau
patient): the Vitale card read at the desk (``static/wizard_card.js`` through the card agent, the beneficiary
recorded by ``POST /api/patients/carte``), the patient base searched as the name is typed, or a new patient's
short form (the patient service, its messages beside their fields). Each ends on the wizard for that patient.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from feuille.api.deps import ContextDep, SessionDep, needs
from feuille.auth import Context, Permission
from feuille.billing import offline_records
from feuille.domain import patients as dom
from feuille.errors import FeuilleError
from feuille.practice import patients
from feuille.web.pages import patients_form
from feuille.web.pages.wizard_render import OFFLINE
from feuille.web.templating import page

router = APIRouter()
LIMIT = 20
SHORT = frozenset({"last_name", "first_name", "birth_date", "rank", "quality", "beneficiary_nir", "insured_nir",
                   "phone"})
#: What the wizard's first screen says when it comes from here (a code in the address, never a text from it).
DONE = {"patient": "Patient enregistré : la facture est pour lui.",
        "carte": "Patient lu sur la carte Vitale : la facture est pour lui."}


def _found(ctx: Context, name: str) -> list[Any]:
    return patients.search_patients(ctx, name, limit=LIMIT) if name else []


def choose(request: Request, ctx: Context) -> Response:
    """The patient step (``/factures/nouvelle`` without a patient; ``?nom=`` the search without JavaScript)."""
    name = request.query_params.get("nom", "").strip()[:60]
    return page(request, "wizard/patient.html", {"title": "Réaliser une facture : patient", "nom": name,
                                                 "found": _found(ctx, name)})


@router.get("/factures/nouvelle/patients", include_in_schema=False, dependencies=[needs(Permission.READ)])
def found(request: Request, ctx: ContextDep, nom: str = "") -> Response:
    """The patients found as the name is typed (htmx)."""
    name = nom.strip()[:60]
    return page(request, "wizard/_patients_trouves.html", {"nom": name, "found": _found(ctx, name)})


def _form(request: Request, typed: dict[str, str], error: FeuilleError | None = None,
          record: offline_records.OfflineRecordView | None = None) -> Response:
    values = {"title": "Réaliser une facture : nouveau patient", "typed": typed, "labels": dom.FIELD_LABELS,
              "qualities": patients_form.QUALITY_OPTIONS, "offline_record": record}
    status = 200 if error is None else (error.http_status if error.http_status != 422 else 400)
    return page(request, "wizard/nouveau_patient.html", values, status=status, error=error)


@router.get("/factures/nouvelle/patient", include_in_schema=False,
            dependencies=[needs(Permission.PATIENT_WRITE, Permission.INVOICE_DRAFT)])
def new_patient(request: Request, ctx: ContextDep, view: SessionDep, nom: str = "",
                enregistrement: str = "") -> Response:
    """The short form (the session read, so that the page carries its CSRF token); from a visit recorded offline
    (« Lancer la facturation » for a patient not in the practice yet), filled with what was typed then."""
    record = _record(ctx, enregistrement)
    return _form(request, _from_record(record) if record else {"last_name": nom.strip()[:60]}, record=record)


def _record(ctx: Context, text: object) -> offline_records.OfflineRecordView | None:
    value = str(text or "")
    return offline_records.detail(ctx, int(value)) if value.isdigit() and len(value) < 10 else None


def _from_record(record: offline_records.OfflineRecordView) -> dict[str, str]:
    nir = f"{record.nir[:13]} {record.nir[13:]}" if record.nir else ""
    return {"last_name": record.last_name, "first_name": record.first_name, "birth_date": record.birth_date or "",
            "rank": str(record.rank or 1), "quality": "0" if record.patient_is_insured else "6", "insured_nir": nir}


@router.post("/factures/nouvelle/patient", include_in_schema=False,
             dependencies=[needs(Permission.PATIENT_WRITE, Permission.INVOICE_DRAFT)])
async def create_patient(request: Request, ctx: ContextDep) -> Response:
    form = await request.form()
    data, _ = patients_form.patient_data(form, only=SHORT)
    record = _record(ctx, form.get("enregistrement"))
    try:
        saved = patients.create_patient(ctx, data)
    except FeuilleError as error:
        return _form(request, patients_form.form_values(form), error, record)
    answers = {"patient": str(saved.id), "ok": "patient"}
    if record is not None:   # on to the wizard for the visit recorded offline, its date of care typed
        answers |= {OFFLINE: str(record.id), "soins|date": f"{record.care_at:%d/%m/%Y}"}
    return RedirectResponse(f"/factures/nouvelle?{urlencode(answers)}", status_code=303)

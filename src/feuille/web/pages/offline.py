"""« Factures à saisir » (manual 000): the visits typed offline and sent since, their details, deleting one.

The records come from the offline page of the browser through ``POST /api/hors-ligne/...``
(:mod:`feuille.api.routes.offline`); these pages show what the server stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.billing import offline_records
from feuille.errors import FeuilleError
from feuille.web.pages.wizard_render import OFFLINE
from feuille.web.templating import page

router = APIRouter()
ADDRESS = "/factures/a-saisir"
DONE = {"supprime": "Enregistrement supprimé de la liste des factures à saisir."}


@router.get(ADDRESS, include_in_schema=False, dependencies=[needs(Permission.READ)])
def to_bill(request: Request, ctx: ContextDep, ok: str = "") -> Response:
    return page(request, "offline/liste.html", {"title": "Factures à saisir",
                                                "records": offline_records.to_bill(ctx),
                                                "message": DONE.get(ok)})


@router.get(ADDRESS + "/{record_id:int}", include_in_schema=False, dependencies=[needs(Permission.READ)])
def detail(request: Request, ctx: ContextDep, record_id: int) -> Response:
    record = offline_records.detail(ctx, record_id)
    return page(request, "offline/detail.html", {"title": f"Soins de {record.patient}", "r": record})


@router.get(ADDRESS + "/{record_id:int}/supprimer", include_in_schema=False, dependencies=[needs(Permission.READ)])
def delete_page(request: Request, ctx: ContextDep, record_id: int) -> Response:
    record = offline_records.detail(ctx, record_id)
    return page(request, "offline/supprimer.html", {"title": "Supprimer l'enregistrement", "r": record})


@router.post(ADDRESS + "/{record_id:int}/supprimer", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ)])
def delete_submit(request: Request, ctx: ContextDep, record_id: int) -> Response:
    record = offline_records.detail(ctx, record_id)
    try:
        offline_records.remove(ctx, record_id)
    except FeuilleError as error:
        if error.http_status in (403, 404):
            raise
        return page(request, "offline/supprimer.html", {"title": "Supprimer l'enregistrement", "r": record},
                    error=error, status=409)
    return RedirectResponse(f"{ADDRESS}?ok=supprime", status_code=303)


@router.post(ADDRESS + "/{record_id:int}/facturer", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ)])
def start_billing(request: Request, ctx: ContextDep, record_id: int) -> Response:
    """« Lancer la facturation »: the wizard for the patient the record names (found in the practice), the date
    of care typed, the note at every step; a patient not found yet is created first, from what was typed."""
    record = offline_records.detail(ctx, record_id)
    patient = offline_records.find_patient(ctx, record_id)
    if patient is None:
        return RedirectResponse(f"/factures/nouvelle/patient?enregistrement={record.id}", status_code=303)
    answers = {"patient": str(patient), OFFLINE: str(record.id), "soins|date": f"{record.care_at:%d/%m/%Y}",
               **acts_answers(record.acts)}
    return RedirectResponse(f"/factures/nouvelle?{urlencode(answers)}", status_code=303)


def acts_answers(acts: Sequence[Mapping[str, str | None]]) -> dict[str, str]:
    """The wizard's acts screen answered with the acts chosen offline (from the favourites): each act's code and
    coefficient, « Autre acte ? » yes but after the last; the questions left (quantity, price…) keep their
    defaults and are shown, so the draft arrives priced by the tables once « Suivant » is pressed."""
    answers: dict[str, str] = {}
    for number, act in enumerate(acts, start=1):
        prefix = f"actes|{number}|"
        answers[prefix + "acts.text.1"] = str(act["code"])
        if act.get("coefficient"):
            answers[prefix + "acts.coefficient"] = str(act["coefficient"]).replace(".", ",")
        answers[prefix + "acts.more"] = "oui" if number < len(acts) else "non"
    return answers

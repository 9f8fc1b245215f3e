"""Settings: the AMC conventions directory (manual 003 V): the list, filtered by AMC number, and one typed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.errors import FeuilleError
from feuille.practice import amc_conventions
from feuille.web.pages.settings_common import Refused, chosen, done, form_values, message
from feuille.web.templating import page

router = APIRouter()

CONVENTIONS = "/parametres/organismes/conventions"
SHOWN = 200   # rows of the directory on the page (an imported directory may hold thousands: filter by number)
TEXTS = (("signatory_id", "Id. signataire", True), ("signatory_label", "Lib. signataire", False),
         ("amc_number", "N° AMC", True), ("amc_label", "Lib. AMC", False),
         ("convention_type", "Type de convention", True), ("secondary_criterion", "Critère secondaire", False),
         ("group_convention", "Convention groupe", False), ("agreement_type", "Type d'accord", False))
FLAGS = (("dre", "DRE"), ("pec_required", "PEC obligatoire"), ("disabled", "Désactivée"))


def _conventions(request: Request, ctx: ContextDep, number: str, values: dict[str, str],
                 error: FeuilleError | None = None) -> Response:
    problem: FeuilleError | None = error
    try:
        rows = amc_conventions.list_conventions(ctx, number or None)
    except Refused as refused:   # a malformed number in the filter: said at the top, the list stays empty
        rows, problem = [], error or refused
    return page(request, "settings/conventions.html", {
        "title": "Conventions AMC", "numero": number, "rows": rows[:SHOWN], "total": len(rows), "shown": SHOWN,
        "texts": TEXTS, "flags": FLAGS, "values": values, "message": message(request)},
        status=problem.http_status if problem else 200, error=problem)


@router.get(CONVENTIONS, include_in_schema=False, dependencies=[needs(Permission.READ)])
def conventions_page(request: Request, ctx: ContextDep, numero: str = "") -> Response:
    return _conventions(request, ctx, numero[:20], {})


@router.post(CONVENTIONS, include_in_schema=False, dependencies=[needs(Permission.ORGANISM_WRITE)])
async def convention_create(request: Request, ctx: ContextDep) -> Response:
    values = await form_values(request)
    data: dict[str, object] = chosen(values, *(name for name, _, _ in TEXTS))
    data.update({name: "oui" if values.get(name) else "non" for name, _ in FLAGS})
    try:
        amc_conventions.add_convention(ctx, data)
    except Refused as error:
        return _conventions(request, ctx, "", values, error)
    return done(CONVENTIONS, "convention_creee", numero=values.get("amc_number", "").strip()[:20])

"""Settings: the AMC conventions directory (manual 003 V): the list, paged and filtered by AMC number; one typed;
a CSV file imported (all or nothing); one convention edited, disabled, enabled or deleted."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from feuille.api.deps import ContextDep, needs
from feuille.auth import Context, Permission
from feuille.errors import FeuilleError, Problem, ValidationError
from feuille.practice import amc_conventions
from feuille.web.pages.settings_common import Refused, chosen, confirm, done, form_values, message
from feuille.web.templating import page
from feuille.web.uploads import save_upload

router = APIRouter()

CONVENTIONS = "/parametres/organismes/conventions"
PAGE_SIZE = 100   # rows of the directory a page shows (an imported directory may hold thousands)
TEXTS = (("signatory_id", "Id. signataire", True), ("signatory_label", "Lib. signataire", False),
         ("amc_number", "N° AMC", True), ("amc_label", "Lib. AMC", False),
         ("convention_type", "Type de convention", True), ("secondary_criterion", "Critère secondaire", False),
         ("group_convention", "Convention groupe", False), ("agreement_type", "Type d'accord", False))
FLAGS = (("dre", "DRE"), ("pec_required", "PEC obligatoire"), ("disabled", "Désactivée"))
#: The flags the edit form offers (disabling has its own button, as on the list of organisms).
EDIT_FLAGS = FLAGS[:2]
DONE = {"convention_modifiee": "Convention AMC modifiée.", "convention_desactivee":
        "Convention AMC désactivée : le choix de la convention ne la propose plus.",
        "convention_activee": "Convention AMC réactivée.", "convention_supprimee": "Convention AMC supprimée.",
        "convention_inchangee": "Rien n'a changé."}


def _message(request: Request) -> str | None:
    """The confirmation of a change, or the import's report (its counts travel in the address, PRG)."""
    query = request.query_params
    if query.get("fait") == "import":
        counts = [query.get(name, "0") for name in ("ajoutees", "modifiees", "inchangees")]
        if all(count.isdigit() and len(count) < 10 for count in counts):
            return (f"Fichier importé : {counts[0]} convention(s) ajoutée(s), {counts[1]} mise(s) à jour, "
                    f"{counts[2]} inchangée(s) ; aucune ligne refusée.")
    return DONE.get(query.get("fait", "")) or message(request)


def _conventions(request: Request, ctx: Context, number: str, page_number: int, values: dict[str, str],
                 error: FeuilleError | None = None) -> Response:
    problem: FeuilleError | None = error
    try:
        found = amc_conventions.page_conventions(ctx, number or None, page_number, PAGE_SIZE)
    except Refused as refused:   # a malformed number in the filter: said at the top, the list stays empty
        found, problem = amc_conventions.ConventionPage((), 0, 1, 1), error or refused
    return page(request, "settings/conventions.html", {
        "title": "Conventions AMC", "numero": number, "found": found, "texts": TEXTS, "flags": FLAGS,
        "values": values, "message": _message(request)},
        status=problem.http_status if problem else 200, error=problem)


@router.get(CONVENTIONS, include_in_schema=False, dependencies=[needs(Permission.READ)])
def conventions_page(request: Request, ctx: ContextDep, numero: str = "",
                     page_number: Annotated[int, Query(alias="page")] = 1) -> Response:
    return _conventions(request, ctx, numero[:20], page_number, {})


@router.post(CONVENTIONS, include_in_schema=False, dependencies=[needs(Permission.ORGANISM_WRITE)])
async def convention_create(request: Request, ctx: ContextDep) -> Response:
    values = await form_values(request)
    data: dict[str, object] = chosen(values, *(name for name, _, _ in TEXTS))
    data.update({name: "oui" if values.get(name) else "non" for name, _ in FLAGS})
    try:
        amc_conventions.add_convention(ctx, data)
    except Refused as error:
        return _conventions(request, ctx, "", 1, values, error)
    return done(CONVENTIONS, "convention_creee", numero=values.get("amc_number", "").strip()[:20])


# ---------------------------------------------------------------------------------------------
# Importing the concentrator's CSV file


def _file_name(name: str) -> str:
    """The uploaded file's own name (the audit entry names it), reduced to harmless characters."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name.replace("\\", "/")).name).strip("._")[:80]
    return base or "conventions.csv"


def _file_refused(error: ValidationError) -> ValidationError:
    """The service's refusal of a file, every refused line shown beside the file field and at the top (the lines
    name the directory's fields, which the page's add form also has: they must not land there)."""
    lines = error.problems or [Problem("fichier", error.code, error.message)]
    if len(lines) == 1:
        summary = f"Fichier refusé, rien n'a été importé : {lines[0].message}"
    else:
        summary = f"Fichier refusé, rien n'a été importé : {len(lines)} problème(s)."
    return ValidationError(summary, code=error.code, field="fichier",
                           problems=[Problem("fichier", line.code, line.message) for line in lines])


@router.post(CONVENTIONS + "/importer", include_in_schema=False, dependencies=[needs(Permission.ORGANISM_WRITE)])
async def convention_import(request: Request, ctx: ContextDep) -> Response:
    form = await request.form()
    upload = form.get("fichier")
    with tempfile.TemporaryDirectory(prefix="feuille-conventions-") as folder:
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise ValidationError("Fichier : choisissez le fichier CSV de votre concentrateur.",
                                      code="import_missing", field="fichier")
            path = Path(folder) / _file_name(upload.filename)
            await save_upload(request, upload, path, "csv")
            result = amc_conventions.import_conventions(ctx, path)
        except ValidationError as error:
            return _conventions(request, ctx, "", 1, {}, _file_refused(error))
        except Refused as error:
            return _conventions(request, ctx, "", 1, {}, error)
    return done(CONVENTIONS, "import", ajoutees=result.created, modifiees=result.updated,
                inchangees=result.unchanged)


# ---------------------------------------------------------------------------------------------
# One convention


def _values(view: amc_conventions.ConventionView) -> dict[str, str]:
    values = {name: str(getattr(view, name) or "") for name, _, _ in TEXTS}
    values.update({name: "oui" for name, _ in EDIT_FLAGS if getattr(view, name)})
    return values


def _convention(request: Request, ctx: Context, convention_id: int, values: dict[str, str] | None = None,
                error: FeuilleError | None = None) -> Response:
    view = amc_conventions.get_convention(ctx, convention_id)
    return page(request, "settings/convention.html", {
        "title": f"Convention AMC {view.label()} — {view.amc_number}", "convention": view,
        "values": values if values is not None else _values(view), "texts": TEXTS, "flags": EDIT_FLAGS,
        "message": _message(request)}, status=error.http_status if error else 200, error=error)


@router.get(CONVENTIONS + "/{convention_id:int}", include_in_schema=False, dependencies=[needs(Permission.READ)])
def convention_page(request: Request, ctx: ContextDep, convention_id: int) -> Response:
    return _convention(request, ctx, convention_id)


@router.post(CONVENTIONS + "/{convention_id:int}", include_in_schema=False,
             dependencies=[needs(Permission.READ, Permission.ORGANISM_WRITE)])
async def convention_update(request: Request, ctx: ContextDep, convention_id: int) -> Response:
    values = await form_values(request)
    changes: dict[str, object] = {name: values.get(name, "") for name, _, _ in TEXTS}
    changes.update({name: "oui" if values.get(name) else "non" for name, _ in EDIT_FLAGS})
    try:
        changed = amc_conventions.update_convention(ctx, convention_id, changes)
    except Refused as error:
        return _convention(request, ctx, convention_id, values, error)
    return done(f"{CONVENTIONS}/{convention_id}", "convention_modifiee" if changed else "convention_inchangee")


@router.post(CONVENTIONS + "/{convention_id:int}/desactiver", include_in_schema=False,
             dependencies=[needs(Permission.READ, Permission.ORGANISM_WRITE)])
def convention_disable(request: Request, ctx: ContextDep, convention_id: int) -> Response:
    amc_conventions.set_convention_active(ctx, convention_id, False)
    return done(f"{CONVENTIONS}/{convention_id}", "convention_desactivee")


@router.post(CONVENTIONS + "/{convention_id:int}/activer", include_in_schema=False,
             dependencies=[needs(Permission.READ, Permission.ORGANISM_WRITE)])
def convention_enable(request: Request, ctx: ContextDep, convention_id: int) -> Response:
    amc_conventions.set_convention_active(ctx, convention_id, True)
    return done(f"{CONVENTIONS}/{convention_id}", "convention_activee")


@router.get(CONVENTIONS + "/{convention_id:int}/supprimer", include_in_schema=False,
            dependencies=[needs(Permission.READ)])
def convention_delete_confirm(request: Request, ctx: ContextDep, convention_id: int) -> Response:
    view = amc_conventions.get_convention(ctx, convention_id)
    return confirm(request, "Supprimer une convention AMC",
                   f"Supprimer la convention {view.label()} du signataire {view.signatory_id} pour l'AMC "
                   f"{view.amc_number} ?", f"{CONVENTIONS}/{convention_id}")


@router.post(CONVENTIONS + "/{convention_id:int}/supprimer", include_in_schema=False,
             dependencies=[needs(Permission.READ, Permission.ORGANISM_WRITE)])
def convention_delete(request: Request, ctx: ContextDep, convention_id: int) -> Response:
    view = amc_conventions.get_convention(ctx, convention_id)
    amc_conventions.delete_convention(ctx, convention_id)
    return done(CONVENTIONS, "convention_supprimee", numero=view.amc_number)

"""The NOEMIE files (manual 003 VII-X, « Récupération automatique Lots/RSPs »): the files integrated, integrating
one uploaded by hand, and one file's own page: what was received (organism, date, size, records), what its returns
say (payments, rejects, informations), what was matched and what is not, the transfers it carries, with links to
the invoices and the transfers."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.errors import FeuilleError, ValidationError
from feuille.returns import file_contents, files, integration
from feuille.web.templating import page
from feuille.web.uploads import read_upload

router = APIRouter()
#: The AMO / AMC status letters of a return, as the page shows them.
STATUSES = {"P": "payé", "R": "rejeté", "D": "différé", "": "—", " ": "—"}


def _refused(error: FeuilleError) -> FeuilleError:
    if error.http_status == 403:
        raise error
    return error


@router.get("/suivi/fichiers", include_in_schema=False, dependencies=[needs(Permission.READ)])
def noemie_files(request: Request, ctx: ContextDep, message: str | None = None) -> Response:
    return page(request, "follow_up/fichiers.html", {"rows": files.list_files(ctx), "message": message})


@router.post("/suivi/fichiers", include_in_schema=False, dependencies=[needs(Permission.INVOICE_DRAFT)])
async def integrate_upload(request: Request, ctx: ContextDep) -> Response:
    form = await request.form()
    upload = form.get("fichier")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ValidationError("Choisissez le fichier NOEMIE à intégrer.", code="required", field="fichier")
        data = await read_upload(request, upload, "noemie")
        report = integration.integrate_file(ctx, data, name=upload.filename)
    except FeuilleError as refusal:
        error = _refused(refusal)
        return page(request, "follow_up/fichiers.html", {"rows": files.list_files(ctx)},
                    status=error.http_status, error=error)
    if report.outcome not in ("integre", "deja_integre"):
        return page(request, "follow_up/fichiers.html", {"rows": files.list_files(ctx)}, status=422,
                    error=ValidationError(report.message, code=report.code or "noemie_refuse", field="fichier"))
    text = (f"Fichier intégré : {report.invoices} retour(s), {report.matched} rapproché(s), {report.unmatched} "
            "non rapproché(s)." if report.outcome == "integre" else report.message)
    address = f"/suivi/fichiers/{report.file_id}" if report.file_id else "/suivi/fichiers"
    return RedirectResponse(f"{address}?message={quote(text)}", status_code=303)


@router.get("/suivi/fichiers/{file_id:int}", include_in_schema=False, dependencies=[needs(Permission.READ)])
def noemie_file(request: Request, ctx: ContextDep, file_id: int, message: str | None = None) -> Response:
    found = file_contents.file_contents(ctx, str(file_id))
    return page(request, "follow_up/fichier.html", {
        "title": f"Fichier NOEMIE n° {file_id}", "c": found, "d": found.detail, "f": found.detail.file,
        "matches": files.MATCHES, "statuses": STATUSES, "message": message})

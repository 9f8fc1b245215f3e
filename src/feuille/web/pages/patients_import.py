"""Importing patients from another software's CSV export (``feuille patient import``), through an upload."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from feuille.api.deps import ContextDep, SessionDep, needs
from feuille.auth import Permission
from feuille.domain.patients import FIELD_LABELS
from feuille.errors import FeuilleError, ValidationError
from feuille.practice.patient_import import import_patients_csv
from feuille.web.templating import page
from feuille.web.uploads import save_upload

router = APIRouter()
SHOWN_REFUSALS = 50


@router.get("/patients/importer", include_in_schema=False, dependencies=[needs()])
def import_page(request: Request, view: SessionDep) -> Response:
    return page(request, "patients/importer.html", {"title": "Importer des patients", "result": None})


@router.post("/patients/importer", include_in_schema=False, dependencies=[needs(Permission.PATIENT_IMPORT)])
async def import_submit(request: Request, ctx: ContextDep) -> Response:
    form = await request.form()
    upload = form.get("fichier")
    trial, strict = bool(form.get("essai")), bool(form.get("strict"))
    values = {"title": "Importer des patients", "result": None, "essai": trial, "strict": strict}
    with tempfile.TemporaryDirectory(prefix="feuille-import-") as folder:
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise ValidationError("Fichier : choisissez le fichier CSV à importer.", code="import_missing",
                                      field="fichier")
            path = Path(folder) / "patients.csv"
            await save_upload(request, upload, path, "csv")   # FEUILLE_UPLOAD_MAX_CSV_MO
            result = import_patients_csv(ctx, path, report_path=Path(folder) / "refus.csv", strict=strict,
                                         dry_run=trial)
        except FeuilleError as error:
            if error.http_status == 403:
                raise
            return page(request, "patients/importer.html", values, error=error, status=error.http_status)
        refusals: list[str] = []
        if result.report_path is not None and result.report_path.is_file():
            with result.report_path.open(encoding="utf-8", errors="replace") as report:
                refusals = [line.rstrip("\n") for _, line in zip(range(SHOWN_REFUSALS + 1), report, strict=False)]
    mapping = [(FIELD_LABELS.get(field, "Clé du NIR"), title) for field, title in result.mapping.items()]
    return page(request, "patients/importer.html", {**values, "result": result, "mapping": mapping,
                                                    "refusals": refusals})

"""The invoice wizard (manual 001, « Réaliser Facture »): « Soins réalisés », « Prescription », « Assurance »,
« Règlement », the acts (search by code, words or keyword as you type), « Spécificités », then the draft made; the
recap (AMO / AMC per line) and the summary with the patient's payments are in ``wizard_recap``.

Each screen is one form: « Suivant » sends every answer typed so far and the server replays the step machine
(``wizard_screens.replay``), showing the next question (on the same screen while it has some, else the next
screen); « Précédent » shows the screen before, its answers kept. Nothing is stored until « Créer la facture ».
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.billing import drafts, offline_records, wizard_lookups
from feuille.billing import wizard_document as wd
from feuille.billing.wizard_search import Page
from feuille.billing.wizard_search import Request as Search
from feuille.errors import FeuilleError
from feuille.web.pages import wizard_fields as fields
from feuille.web.pages import wizard_patient, wizard_prescriber, wizard_recap
from feuille.web.pages import wizard_render as render
from feuille.web.pages import wizard_screens as screens
from feuille.web.pages.wizard_driver import sent_answers
from feuille.web.templating import page

router = APIRouter()
router.include_router(wizard_recap.router)
router.include_router(wizard_patient.router)
router.include_router(wizard_prescriber.router)

ACT_FIELD = "acts.text."


@router.get("/factures/nouvelle", include_in_schema=False,
            dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ)])
def wizard_start(request: Request, ctx: ContextDep, patient: str = "", ecran: str = "", ok: str = "") -> Response:
    """Without a patient: the patient step; with one: the screen the address names, replayed from its answers."""
    if not patient.strip():
        return wizard_patient.choose(request, ctx)
    sent = sent_answers(request.query_params)
    patient_id = render.patient_id(patient)
    try:
        progress = screens.replay(ctx, patient_id, sent)
    except screens.CreateOnSpot as spot:
        return wizard_prescriber.asked(request, ctx, patient_id, sent, spot)
    message = wizard_patient.DONE.get(ok, "")
    return render.render(request, ctx, progress, render.target(progress, f"ecran:{ecran}"), sent, message=message)


@router.post("/factures/nouvelle", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ)])
async def wizard_step(request: Request, ctx: ContextDep) -> Response:
    form = await request.form()
    sent = sent_answers(form)
    patient_id = render.patient_id(form.get("patient"))
    try:
        progress = screens.replay(ctx, patient_id, sent)
    except screens.CreateOnSpot as spot:
        return wizard_prescriber.asked(request, ctx, patient_id, sent, spot)
    action = str(form.get("aller") or "suivant")
    if action == "creer" and progress.finished:
        return _create(request, ctx, progress, sent)
    if action == "prescripteur":
        return wizard_prescriber.form(request, progress.patient, sent)
    if action == "annuler-prescripteur":  # the creation the machine asked for given up: « Créer ce … ? » again
        sent = wizard_prescriber.without_creation(sent)
        progress = screens.replay(ctx, patient_id, sent)
    return render.render(request, ctx, progress, render.target(progress, action), sent)


def _create(request: Request, ctx: ContextDep, progress: screens.Progress, sent: dict[str, str]) -> Response:
    record = render.offline_record(ctx, sent)
    try:
        document = wd.build_document(progress.answers)
        view = (offline_records.create_draft_for(ctx, record.id, document) if record is not None
                else drafts.create_draft(ctx, document))
    except FeuilleError as error:
        key = fields.screen_for(error.field) if error.field else "fin"
        return render.render(request, ctx, progress, key, sent, error, code=render.status(error))
    said = ""
    try:
        said = screens.keep_distances(ctx, progress.patient, progress.answers) or ""
    except FeuilleError as error:
        said = f"Distances non enregistrées dans le dossier du patient : {error.message}"
    target = wizard_recap.after_draft(ctx, view) + ("&distances=1" if said else "")
    if render.htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


@router.get("/factures/nouvelle/actes", include_in_schema=False, dependencies=[needs(Permission.READ)])
def act_search(request: Request, ctx: ContextDep) -> Response:
    """The acts found as the code or words are typed (htmx): CCAM by code start or words, « clé … » a keyword."""
    text = next((str(value) for key, value in request.query_params.items() if ACT_FIELD in key), "").strip()
    results: list[tuple[str, str]] = []
    said = ""
    if len(text) >= 2:
        lowered = text.lower()
        if lowered.startswith(("clé ", "cle ")):
            found: Page = wizard_lookups.run(ctx, Search("s", "keyword", text.split(" ", 1)[1]))
            results = [(f"clé {c.value}", f"mot-clé : {c.label}") for c in found.candidates]
        else:
            found = wizard_lookups.run(ctx, Search("s", "ccam", text.lstrip("?")))
            results = [(c.value, c.label) for c in found.candidates]
        said = found.refused or ("" if results else "Aucun acte CCAM trouvé : un code NGAP ou COx se tape tel quel.")
    return page(request, "wizard/_actes_trouves.html", {"results": results, "said": said, "text": text})

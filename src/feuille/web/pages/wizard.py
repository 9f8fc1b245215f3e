"""The invoice wizard (manual 001, « Réaliser Facture »): « Soins réalisés », « Prescription », « Assurance »,
« Règlement », the acts (search by code, words or keyword as you type), « Spécificités », then the draft made; the
recap (AMO / AMC per line) and the summary with the patient's payments are in ``wizard_recap``.

Each screen is one form: « Suivant » sends every answer typed so far and the server replays the step machine
(``wizard_screens.replay``), showing the next question (on the same screen while it has some, else the next
screen); « Précédent » shows the screen before, its answers kept. Nothing is stored until « Créer la facture ».
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.billing import drafts, wizard_lookups
from feuille.billing import wizard_document as wd
from feuille.billing.wizard_search import Page
from feuille.billing.wizard_search import Request as Search
from feuille.errors import FeuilleError, Problems, ValidationError
from feuille.web.pages import wizard_recap
from feuille.web.pages import wizard_screens as screens
from feuille.web.pages.wizard_driver import SEPARATOR, sent_answers
from feuille.web.templating import page

router = APIRouter()
router.include_router(wizard_recap.router)

ACT_FIELD = "acts.text."


def _patient(value: object) -> int:
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 9:
        raise ValidationError("patient : choisissez le patient à facturer (depuis sa fiche).", code="patient",
                              field="patient")
    return int(text)


def _render(request: Request, progress: screens.Progress, key: str, sent: dict[str, str],
            error: FeuilleError | None = None, status: int = 200) -> Response:
    shown = progress.screen(key) or progress.screens[-1]
    visible = {asked.name for part in shown.parts for asked in part.walk.asked}
    prefix = f"{shown.key}{SEPARATOR}"
    hidden = {name: text for name, text in sent.items() if name not in visible and not name.startswith(prefix)}
    index = screens.KEYS.index(shown.key)
    reached = screens.KEYS.index(progress.current)
    values: dict[str, Any] = {
        "title": "Réaliser une facture", "progress": progress, "screen": shown, "hidden": hidden,
        "steps": [(k, t, i <= reached, k == shown.key) for i, (k, t) in enumerate(screens.SCREENS)],
        "previous": screens.KEYS[index - 1] if index > 0 else None, "patient": progress.patient,
    }
    if shown.key == "fin":
        try:
            values["modes"], values["imposed"] = screens.offered_modes(progress.answers)
            values["document"] = wd.build_document(progress.answers)
        except FeuilleError as refused:
            error = error or refused
    if error is None:
        error = shown.error
        if error is not None:
            status = error.http_status if error.http_status != 422 else 400
    return page(request, "wizard/assistant.html", values, status=status, error=error)


@router.get("/factures/nouvelle", include_in_schema=False,
            dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ)])
def wizard_start(request: Request, ctx: ContextDep, patient: str = "") -> Response:
    progress = screens.replay(ctx, _patient(patient), {})
    return _render(request, progress, progress.current, {})


@router.post("/factures/nouvelle", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ)])
async def wizard_step(request: Request, ctx: ContextDep) -> Response:
    form = await request.form()
    sent = sent_answers(form)
    progress = screens.replay(ctx, _patient(form.get("patient")), sent)
    action = str(form.get("aller") or "suivant")
    if action == "creer" and progress.finished:
        return _create(request, ctx, progress, sent)
    target = progress.current
    if action.startswith("ecran:") and action[6:] in screens.KEYS:
        wanted = action[6:]
        if screens.KEYS.index(wanted) < screens.KEYS.index(progress.current):
            target = wanted
    return _render(request, progress, target, sent)


#: The screen that asks what a refused field names (the first prefix that matches; else the acts), as the
#: terminal goes back to the step at fault.
FIELD_SCREENS = (("prescription", "prescription"), ("entente_prealable", "specificites"),
                 ("specifics", "specificites"), ("coverage", "assurance"), ("accident", "assurance"),
                 ("ald", "assurance"), ("exoneration_justification", "assurance"), ("mt_declaration", "assurance"),
                 ("amc", "reglement"), ("payer", "reglement"), ("tiers_payant", "reglement"), ("place", "soins"),
                 ("date", "soins"), ("performer", "soins"), ("professional", "soins"))


def screen_for(field: str | None) -> str:
    name = field or ""
    if name.startswith("acts[") and name.endswith(".exoneration"):
        return "specificites"
    return next((key for prefix, key in FIELD_SCREENS if name.startswith(prefix)), "actes")


def _at_fault(error: FeuilleError, key: str, sent: dict[str, str]) -> FeuilleError:
    """The refusal with its fields named as the screen's inputs (``soins|date``), so that each shows beside it."""
    if not isinstance(error, ValidationError):
        return error
    problems = Problems()
    for problem in error.problems:
        name = f"{key}{SEPARATOR}{problem.field}"
        problems.add(name if name in sent else problem.field or "", problem.message, problem.code or "")
    try:
        problems.raise_if_any()
    except ValidationError as renamed:
        return renamed
    return error


def _create(request: Request, ctx: ContextDep, progress: screens.Progress, sent: dict[str, str]) -> Response:
    try:
        view = drafts.create_draft(ctx, wd.build_document(progress.answers))
    except FeuilleError as error:
        key = screen_for(error.field) if isinstance(error, ValidationError) else "fin"
        status = error.http_status if error.http_status != 422 else 400
        return _render(request, progress, key, sent, _at_fault(error, key, sent), status=status)
    said = ""
    try:
        said = screens.keep_distances(ctx, progress.patient, progress.answers) or ""
    except FeuilleError as error:
        said = f"Distances non enregistrées dans le dossier du patient : {error.message}"
    target = f"/factures/{view.id}/recapitulatif?cree=1"
    response = RedirectResponse(target + ("&distances=1" if said else ""), status_code=303)
    return response


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

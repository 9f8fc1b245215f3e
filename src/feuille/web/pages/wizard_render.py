"""How the wizard shows a screen: the whole page, or for htmx the step area alone with the address to push (it
carries every answer, so that Back and reload ask the server for the same screen again); each refusal beside the
input it names (``wizard_fields``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import uuid4

from fastapi import Request
from fastapi.responses import Response

from feuille.auth import Context
from feuille.billing import offline_records
from feuille.billing import wizard_document as wd
from feuille.errors import FeuilleError, ValidationError
from feuille.web.pages import wizard_fields as fields
from feuille.web.pages import wizard_screens as screens
from feuille.web.pages.wizard_driver import SEPARATOR
from feuille.web.templating import page

#: The answer that carries, from screen to screen, the visit recorded offline being billed (« Lancer la
#: facturation »): an input like the others, so that it rides in the form and in the pushed address.
OFFLINE = "hors_ligne" + SEPARATOR + "enregistrement"


def offline_record(ctx: Context, sent: dict[str, str]) -> offline_records.OfflineRecordView | None:
    """The record the wizard bills, if it bills one (its note is shown at every step)."""
    text = sent.get(OFFLINE, "")
    return offline_records.detail(ctx, int(text)) if text.isdigit() and len(text) < 10 else None


def patient_id(value: object) -> int:
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 9:
        raise ValidationError("patient : choisissez le patient à facturer (depuis sa fiche).", code="patient",
                              field="patient")
    return int(text)


def offered(shown: screens.Screen) -> bool:
    """« Créer un prescripteur » is offered while the prescription screen asks for the prescriber."""
    return shown.key == "prescription" and any(
        part.walk.pending is not None and part.walk.pending.question.id.startswith("prescriber.")
        for part in shown.parts)


def htmx(request: Request) -> bool:
    """An htmx request that wants the step alone (a history restore wants the whole page)."""
    return bool(request.headers.get("hx-request")) and not request.headers.get("hx-history-restore-request")


def address(patient_id: int, key: str, sent: dict[str, str]) -> str:
    """The wizard's address for this screen with every answer: what Back and reload ask the server again."""
    return "/factures/nouvelle?" + urlencode([("patient", str(patient_id)), ("ecran", key), *sent.items()])


def _inputs(shown: screens.Screen) -> list[str]:
    return [asked.name for part in shown.parts for asked in part.walk.asked if not asked.hidden]


def render(request: Request, ctx: Context, progress: screens.Progress, key: str, sent: dict[str, str],
           error: FeuilleError | None = None, code: int = 200, message: str = "") -> Response:
    """The screen ``key`` (the whole page, or the step alone for htmx), every refusal beside its input."""
    shown = progress.screen(key) or progress.screens[-1]
    values: dict[str, Any] = {}
    if shown.key == "fin" and error is None:
        try:
            values["modes"], values["imposed"] = screens.offered_modes(progress.answers)
            values["document"] = wd.build_document(progress.answers)
        except FeuilleError as refused:
            error, code = refused, status(refused)
            if isinstance(refused, ValidationError):  # back to the screen that asks what it names
                shown = progress.screen(fields.screen_for(refused.field)) or shown
    if error is None and shown.error is not None:
        error, code = shown.error, status(shown.error)
    elif error is not None:
        error = fields.at_fault(error, shown.key, _inputs(shown))
    visible = {asked.name for part in shown.parts for asked in part.walk.asked}
    prefix = f"{shown.key}{SEPARATOR}"
    # The shown screen's answers not asked (any more) are dropped, but for the acts prefilled from a record typed
    # offline (« Lancer la facturation »): kept until the walk reaches them, act after act.
    ahead = shown.key == "actes" and OFFLINE in sent
    hidden = {name: text for name, text in sent.items()
              if name not in visible and (ahead or not name.startswith(prefix))}
    index = screens.KEYS.index(shown.key)
    reached = screens.KEYS.index(progress.current)
    values.update({
        "title": "Réaliser une facture", "progress": progress, "screen": shown, "hidden": hidden,
        "steps": [(k, t, i <= reached, k == shown.key) for i, (k, t) in enumerate(screens.SCREENS)],
        "previous": screens.KEYS[index - 1] if index > 0 else None, "patient": progress.patient,
        "fragment": htmx(request), "rendu": uuid4().hex[:12], "message": message,
        "creating_prescriber": offered(shown),
        "show_recap": screens.preferences_of(ctx, progress.answers).show_amount_recap,
        "offline_record": offline_record(ctx, sent),
    })
    name = "wizard/_etape.html" if htmx(request) else "wizard/assistant.html"
    response = page(request, name, values, status=code, error=error)
    if htmx(request):
        response.headers["HX-Push-Url"] = address(progress.patient.id, shown.key, sent)
    return response


def status(error: FeuilleError) -> int:
    return error.http_status if error.http_status != 422 else 400


def target(progress: screens.Progress, action: str) -> str:
    """The screen asked (« Précédent »: one already answered), else the first one with a question."""
    wanted = action.removeprefix("ecran:")
    if action.startswith("ecran:") and wanted in screens.KEYS and (
            screens.KEYS.index(wanted) < screens.KEYS.index(progress.current)):
        return wanted
    return progress.current



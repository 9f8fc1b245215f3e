"""The wizard's end, once the draft is made: « Récapitulatif » (each line's AMO / AMC part may be changed, the
prescription's photo joined), the rate check, then the summary with the patient's payments and the way to securing
(``/factures/{id}/securiser``, its own page)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.billing import attachments, offline_records, payments, queries, rate_check, recap_parts, wizard_facts
from feuille.billing import wizard_document as wd
from feuille.billing.views import InvoiceView
from feuille.domain.invoices import MEANS_LABELS, PaymentMeans
from feuille.domain.professionals import Preferences
from feuille.errors import FeuilleError, Problems, ValidationError
from feuille.money import format_amount, parse_amount
from feuille.web.templating import page
from feuille.web.uploads import read_upload

router = APIRouter()
PHOTO_KIND = attachments.PRESCRIPTION


def _status(error: FeuilleError) -> int:
    return error.http_status if error.http_status != 422 else 400


def _recap(request: Request, ctx: ContextDep, view: InvoiceView, error: FeuilleError | None = None,
           typed: dict[str, str] | None = None, message: str = "") -> Response:
    parts = {f"{side}-{number}": format_amount(getattr(line, side)).replace(".", ",")
             for number, line in enumerate(view.lines, 1) for side in ("amo", "amc")}
    values = {"title": f"Récapitulatif de la facture {view.id}", "invoice": view,
              "parts": {**parts, **(typed or {})}, "message": message,
              "offline_record": offline_records.for_invoice(ctx, view.id)}
    return page(request, "wizard/recapitulatif.html", values, error=error,
                status=_status(error) if error is not None else 200)


def _preferences(ctx: ContextDep, view: InvoiceView) -> Preferences:
    """The preferences of the professional who bills the invoice (not the user's: a secretary bills for him)."""
    return wizard_facts.billing_preferences(ctx, view.professional_id)[1]


def after_draft(ctx: ContextDep, view: InvoiceView) -> str:
    """Where the draft just made goes: its recap, or — « Afficher le récapitulatif des actes/montants » off for
    the professional who bills — its rates checked and its summary (the recap stays a link away)."""
    if _preferences(ctx, view).show_amount_recap:
        return f"/factures/{view.id}/recapitulatif?cree=1"
    try:
        rate_check.check_rates(ctx, view.id)
    except FeuilleError:
        return f"/factures/{view.id}/recapitulatif?cree=1"  # what the check refuses is shown and changed there
    return f"/factures/{view.id}/synthese?cree=1&controle=1"


@router.get("/factures/{invoice_id:int}/recapitulatif", include_in_schema=False, dependencies=[needs(Permission.READ)])
def recap(request: Request, ctx: ContextDep, invoice_id: int, cree: str = "", distances: str = "") -> Response:
    view = queries.show(ctx, invoice_id)
    message = f"Facture {view.id} créée (brouillon, TP calculé)." if cree else ""
    if distances:
        message += " Distances enregistrées dans le dossier du patient pour les prochaines factures."
    return _recap(request, ctx, view, message=message)


def _changes(view: InvoiceView, form: dict[str, str]) -> list[wd.Override]:
    """The parts typed that differ from the priced ones (every wrong amount reported at once)."""
    problems = Problems()
    changes: list[wd.Override] = []
    for number, line in enumerate(view.lines, 1):
        typed: dict[str, str | None] = {}
        for side, label in (("amo", "AMO"), ("amc", "AMC")):
            name = f"{side}-{number}"
            text = form.get(name, "").strip()
            if not text:
                continue
            try:
                amount = parse_amount(text)
            except (ValidationError, ValueError, ArithmeticError):
                problems.add(name, f"Ligne {number} ({line.code}) : part {label} invalide « {text[:20]} » (ex. 12,50).",
                             code="amount")
                continue
            if amount != getattr(line, side):
                typed[side] = f"{amount:.2f}"
        if typed:
            changes.append(wd.Override(number - 1, typed.get("amo"), typed.get("amc")))
    problems.raise_if_any()
    return changes


@router.post("/factures/{invoice_id:int}/recapitulatif", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ)])
async def recap_change(request: Request, ctx: ContextDep, invoice_id: int) -> Response:
    form = {str(k): str(v) for k, v in (await request.form()).items() if isinstance(v, str)}
    view = queries.show(ctx, invoice_id)
    try:
        view = recap_parts.change_parts(ctx, invoice_id, _changes(view, form))
        if form.get("aller") == "valider":
            rate_check.check_rates(ctx, invoice_id)
            return RedirectResponse(f"/factures/{invoice_id}/synthese?controle=1", status_code=303)
    except FeuilleError as error:
        return _recap(request, ctx, view, error, {k: v for k, v in form.items() if k.startswith(("amo-", "amc-"))})
    return RedirectResponse(f"/factures/{invoice_id}/recapitulatif?modifie=1", status_code=303)


@router.post("/factures/{invoice_id:int}/ordonnance", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT)])
async def prescription_photo(request: Request, ctx: ContextDep, invoice_id: int,
                             photo: Annotated[UploadFile | None, File()] = None) -> Response:
    try:
        content = await read_upload(request, photo, "document", field="photo") if photo is not None else b""
        if not content:
            raise ValidationError("photo : choisissez la photo de l'ordonnance (PNG, JPEG ou PDF).",
                                  code="photo", field="photo")
        attachments.attach(ctx, invoice_id, (photo.filename if photo else "") or "ordonnance", content, PHOTO_KIND)
    except FeuilleError as error:
        return _recap(request, ctx, queries.show(ctx, invoice_id), _renamed(error, {"fichier": "photo"}))
    return RedirectResponse(f"/factures/{invoice_id}/recapitulatif?photo=1", status_code=303)


def _summary(request: Request, ctx: ContextDep, view: InvoiceView, error: FeuilleError | None = None,
             typed: dict[str, Any] | None = None, message: str = "") -> Response:
    prefs = _preferences(ctx, view)
    balance = view.balance
    values = {"title": f"Résumé de la facture {view.id}", "invoice": view, "message": message,
              "offline_record": offline_records.for_invoice(ctx, view.id),
              "means": [(m.value, MEANS_LABELS[m]) for m in PaymentMeans],
              "labels": {m.value: MEANS_LABELS[m] for m in PaymentMeans},
              "typed": typed or {"moyen": prefs.default_payment.value,
                                 "montant": "" if balance.startswith("-") or balance == "0.00" else balance}}
    return page(request, "wizard/synthese.html", values, error=error,
                status=_status(error) if error is not None else 200)


@router.get("/factures/{invoice_id:int}/synthese", include_in_schema=False, dependencies=[needs(Permission.READ)])
def summary(request: Request, ctx: ContextDep, invoice_id: int, controle: str = "", paye: str = "",
            cree: str = "") -> Response:
    view = queries.show(ctx, invoice_id)
    message = "Contrôle des taux fait." if controle else ("Paiement enregistré." if paye else "")
    if cree:
        message = f"Facture {view.id} créée (brouillon, TP calculé). {message}".strip()
    return _summary(request, ctx, view, message=message)


@router.post("/factures/{invoice_id:int}/synthese/paiements", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT)])
def pay(request: Request, ctx: ContextDep, invoice_id: int, moyen: Annotated[str, Form()] = "",
        montant: Annotated[str, Form()] = "") -> Response:
    try:
        payments.pay(ctx, invoice_id, moyen, montant.strip().replace(",", "."))
    except FeuilleError as error:
        error = _renamed(error, PAYMENT_FIELDS)
        return _summary(request, ctx, queries.show(ctx, invoice_id), error, {"moyen": moyen, "montant": montant})
    return RedirectResponse(f"/factures/{invoice_id}/synthese?paye=1", status_code=303)


PAYMENT_FIELDS = {"means": "moyen", "amount": "montant"}


def _renamed(error: FeuilleError, names: dict[str, str]) -> FeuilleError:
    """The services name their fields (``means``, ``amount``, ``fichier``) as the form's inputs do not."""
    if not isinstance(error, ValidationError):
        return error
    problems = Problems()
    for problem in error.problems:
        problems.add(names.get(problem.field or "", problem.field or ""), problem.message, problem.code or "")
    try:
        problems.raise_if_any()
    except ValidationError as renamed:
        return renamed
    return error

"""Teletransmission (manual 003 VI-VIII, XI): invoices to send and why one is held, « Mettre en lot et envoyer »
(the CLI's ``teletransmission auto``), lots and their states with events and slip, the settings. The « Pièces
jointes » tab is :mod:`feuille.web.pages.pieces_tab`."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.domain.lots import LABELS as LOT_LABELS
from feuille.domain.lots import LotState
from feuille.errors import FeuilleError, ValidationError
from feuille.returns import receiving
from feuille.transmission import auto, bordereau, lot_views, manual, pending, releases, sending, slip_data
from feuille.transmission import settings as tsettings
from feuille.transmission.mail_transport import configured_transport
from feuille.web.pages import pieces, pieces_tab
from feuille.web.templating import page

router = APIRouter()
LOT_STATES = [("", "Tous les états"), *((state.value, label) for state, label in LOT_LABELS.items())]


def _refused(error: FeuilleError) -> FeuilleError:
    if error.http_status == 403:
        raise error
    return error


@router.get("/teletransmission", include_in_schema=False, dependencies=[needs(Permission.READ)])
def to_send(request: Request, ctx: ContextDep, message: str | None = None) -> Response:
    return _to_send_page(request, ctx, message=message)


def _to_send_page(request: Request, ctx: ContextDep, *, message: str | None = None,
                  error: FeuilleError | None = None, status: int = 200) -> Response:
    items = pending.listing(ctx)
    return page(request, "transmission/a_envoyer.html",
                {"items": items, "sendable": sum(1 for item in items if item.sendable), "message": message},
                status=status, error=error)


def _summary(report: auto.AutoReport) -> str:
    """One French line of what the run did (its parts are the services' own labels and messages)."""
    parts = [f"{len(report.lotting.lots)} lot(s) constitué(s), {report.lotting.invoices} facture(s) mise(s) en lot"]
    written = [f for f in report.files if not f.error]
    parts.append(f"{len(written)} fichier(s) écrit(s)")
    sent = [s for s in report.exchange.sent if s.ok]
    parts.append(f"{len(sent)} lot(s) envoyé(s)")
    for failed in report.exchange.failures:
        parts.append(f"lot {failed.lot_number} non envoyé : {failed.error}")
    for file in report.files:
        if file.error:
            parts.append(f"lot {file.lot_number} non écrit : {file.error}")
    if report.slip_problem:
        parts.append(f"bordereau : {report.slip_problem}")
    return " ; ".join(parts) + "."


@router.post("/teletransmission/envoyer", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ)])
def send(request: Request, ctx: ContextDep) -> Response:
    try:
        report = auto.run(ctx, configured_transport(ctx))
        integrated = receiving.after_exchange(ctx)
    except FeuilleError as error:
        _refused(error)
        return _to_send_page(request, ctx, error=error, status=error.http_status)
    text = _summary(report)
    if integrated:
        text += f" {len(integrated)} fichier(s) NOEMIE intégré(s)."
    return RedirectResponse(f"/teletransmission/lots?message={quote(text)}", status_code=303)


@router.post("/teletransmission/recevoir", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ)])
def receive(request: Request, ctx: ContextDep) -> Response:
    """« Recevoir uniquement » (« Récupération automatique Lots/RSPs »): ARL and returns, integrated."""
    try:
        received = receiving.receive(ctx, configured_transport(ctx))
    except FeuilleError as error:
        _refused(error)
        return _to_send_page(request, ctx, error=error, status=error.http_status)
    arls = len(received.exchange.received.arls)
    text = f"{arls} ARL reçu(s), {len(received.integrated)} fichier(s) NOEMIE intégré(s)."
    return RedirectResponse(f"/suivi/fichiers?message={quote(text)}", status_code=303)


@router.post("/teletransmission/debloquer", include_in_schema=False, dependencies=[needs(Permission.INVOICE_DRAFT)])
async def release(request: Request, ctx: ContextDep) -> Response:
    form = await request.form()
    chosen = [str(value) for value in form.getlist("facture")]
    try:
        if not chosen:
            raise ValidationError("Cochez les factures à débloquer.", code="required", field="facture")
        done = releases.release(ctx, chosen)
    except FeuilleError as error:
        _refused(error)
        return _to_send_page(request, ctx, error=error, status=error.http_status)
    text = f"{len(done)} facture(s) débloquée(s)" + (f" : {', '.join(map(str, done))}." if done else ".")
    return RedirectResponse(f"/teletransmission?message={quote(text)}", status_code=303)


@router.get("/teletransmission/lots", include_in_schema=False, dependencies=[needs(Permission.READ)])
def lots(request: Request, ctx: ContextDep, message: str | None = None) -> Response:
    wanted = request.query_params.get("etat", "").strip()
    rows: list[Any] = []
    error = None
    try:
        rows = lot_views.listing(ctx, wanted or None)
    except FeuilleError as refusal:
        error = _refused(refusal)
    return page(request, "transmission/lots.html",
                {"rows": [(row, row.to_json()) for row in rows], "wanted": wanted, "states": LOT_STATES,
                 "message": message}, status=error.http_status if error else 200, error=error)


@router.get("/teletransmission/lots/{lot_id:int}", include_in_schema=False, dependencies=[needs(Permission.READ)])
def lot(request: Request, ctx: ContextDep, lot_id: int, message: str | None = None) -> Response:
    return _lot_page(request, ctx, lot_id, message=message)


def _lot_page(request: Request, ctx: ContextDep, lot_id: int, *, message: str | None = None,
              typed_values: dict[str, str] | None = None, error: FeuilleError | None = None,
              status: int = 200) -> Response:
    found = lot_views.detail(ctx, str(lot_id))
    state = LotState(found.lot.state)
    slip, slip_problem = None, None
    try:
        slips = slip_data.slips_for_lots(ctx, [lot_id])
        slip = "\n".join(line for s in slips for line in bordereau.slip_lines(s))
    except FeuilleError as refusal:
        slip_problem = _refused(refusal).message
    return page(request, "transmission/lot.html",
                {"found": found, "data": found.lot.to_json(), "slip": slip, "slip_problem": slip_problem,
                 "message": message, "typed": typed_values or {}, "handled": state in manual.HANDLED_STATES,
                 "relaunchable": state in sending.RELAUNCHABLE}, status=status, error=error)


@router.post("/teletransmission/lots/{lot_id:int}/traiter", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT)])
async def handle_lot(request: Request, ctx: ContextDep, lot_id: int) -> Response:
    """« Traitement manuel » of a refused lot, its invoices given back to be sent again when asked."""
    form = await request.form()
    note = str(form.get("note", ""))
    give_back = form.get("rendre_factures") == "1"
    try:
        done = manual.handle(ctx, str(lot_id), note, give_back)
    except FeuilleError as error:
        _refused(error)
        return _lot_page(request, ctx, lot_id, typed_values={"note": note}, error=error, status=error.http_status)
    text = (f"Lot {done.lot_number} ({done.state}) : {done.handling}" if done.changed else
            f"Lot {done.lot_number} : déjà traité ainsi, rien ne change.")
    if done.given_back:
        text += f" {done.given_back} facture(s) de nouveau à télétransmettre."
    return RedirectResponse(f"/teletransmission/lots/{lot_id}?message={quote(text)}", status_code=303)


@router.post("/teletransmission/lots/{lot_id:int}/relancer", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ)])
def relaunch(request: Request, ctx: ContextDep, lot_id: int) -> Response:
    try:
        outcome = sending.relaunch(ctx, configured_transport(ctx), lot_id)
    except FeuilleError as error:
        _refused(error)
        return _lot_page(request, ctx, lot_id, error=error, status=error.http_status)
    text = (f"Lot {outcome.lot_number} → {outcome.organism} : réexpédié." if outcome.ok else
            f"Lot {outcome.lot_number} non réexpédié : {outcome.error}")
    return RedirectResponse(f"/teletransmission/lots/{lot_id}?message={quote(text)}", status_code=303)


def _shown(values: dict[str, Any]) -> dict[str, str]:
    """The settings as a form shows them (oui/non, lists joined as the CLI types them)."""
    shown = {}
    for name, value in values.items():
        if isinstance(value, bool):
            shown[name] = "oui" if value else "non"
        elif isinstance(value, list):
            shown[name] = ",".join(value)
        elif isinstance(value, dict):
            shown[name] = ", ".join(f"{key}={centre}" for key, centre in value.items())
        else:
            shown[name] = str(value)
    return shown


@router.get("/teletransmission/parametres", include_in_schema=False, dependencies=[needs(Permission.READ)])
def settings_page(request: Request, ctx: ContextDep, message: str | None = None) -> Response:
    values = _shown(tsettings.get(ctx).to_json())
    return page(request, "transmission/parametres.html", {"values": values, "labels": tsettings.LABELS,
                                                         "message": message})


@router.post("/teletransmission/parametres", include_in_schema=False,
             dependencies=[needs(Permission.PREFERENCES_WRITE)])
async def settings_submit(request: Request, ctx: ContextDep) -> Response:
    form = await request.form()
    given = {name: str(form.get(name, "")) for name in tsettings.LABELS if name in form}
    try:
        tsettings.update(ctx, given)
    except FeuilleError as error:
        _refused(error)
        return page(request, "transmission/parametres.html", {"values": given, "labels": tsettings.LABELS},
                    status=error.http_status, error=error)
    return RedirectResponse(f"/teletransmission/parametres?message={quote('Réglages enregistrés.')}",
                            status_code=303)


router.include_router(pieces.router)
router.include_router(pieces_tab.router)

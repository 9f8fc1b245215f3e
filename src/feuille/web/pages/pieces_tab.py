"""The « Pièces jointes » tab (manual 003 VIII): the SCOR pieces of the signed invoices with the manual's columns
(Date envoi PJ, N° Facture, Etat SV, Nom, Prénom, Etat PJ, Type, Délai, V, A), filtered by state; per row, add
the missing piece, check it, send it by hand (« envoyer des PJs qui auraient été enregistrées sur les dossiers
après l'envoi de la FSE »: ``feuille scor envoyer``), delete it while it is not sent."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.domain.scor import KIND_LABELS, PieceState
from feuille.errors import FeuilleError, ValidationError
from feuille.transmission import scor, scor_pieces
from feuille.transmission.mail_transport import configured_transport
from feuille.web.pages.pieces import JUDGEABLE, REMOVABLE, conformity_address, piece_upload
from feuille.web.templating import page

router = APIRouter()
PIECE_KINDS = [(kind.value, label) for kind, label in KIND_LABELS.items()]
PIECE_STATES = [("", "Tous les états"), *((state.value, state.value) for state in PieceState)]


def _refused(error: FeuilleError) -> FeuilleError:
    if error.http_status == 403:
        raise error
    return error


@router.get("/teletransmission/pieces", include_in_schema=False, dependencies=[needs(Permission.READ)])
def pieces(request: Request, ctx: ContextDep, message: str | None = None) -> Response:
    typed_values = {name: request.query_params.get(name, "") for name in ("facture", "type")}
    return _pieces_page(request, ctx, typed_values, message=message)


def _pieces_page(request: Request, ctx: ContextDep, typed_values: dict[str, str], *, message: str | None = None,
                 error: FeuilleError | None = None, status: int = 200) -> Response:
    # opened without a filter (the home tile « Documents à ajouter »): the pieces missing
    wanted = request.query_params.get("etat", PieceState.MANQUANT.value).strip()
    rows: list[Any] = []
    try:
        rows = scor_pieces.list_pieces(ctx, wanted or None)
    except FeuilleError as refusal:
        error, status = _refused(refusal), refusal.http_status
    today = ctx.clock().date()
    return page(request, "transmission/pieces.html", {
        "rows": [(row, row.to_json(), (row.purge_on - today).days if row.purge_on else None) for row in rows],
        "wanted": wanted, "states": PIECE_STATES, "kinds": PIECE_KINDS, "typed": typed_values, "message": message,
        "judgeable": JUDGEABLE, "removable": REMOVABLE, "sendable": {PieceState.CONFORME}},
        status=status, error=error)


@router.post("/teletransmission/pieces", include_in_schema=False, dependencies=[needs(Permission.INVOICE_DRAFT)])
async def add_piece(request: Request, ctx: ContextDep) -> Response:
    """Join a SCOR piece (PDF, PNG, JPEG) to a signed invoice, then ask whether it is conforming."""
    form = await request.form()
    typed_values = {"facture": str(form.get("facture", "")), "type": str(form.get("type", ""))}
    upload = form.get("fichier")
    try:
        name, content = await piece_upload(request, upload if isinstance(upload, UploadFile) else None)
        view = scor_pieces.add_piece(ctx, typed_values["facture"], name, content, typed_values["type"])
    except FeuilleError as error:
        _refused(error)
        return _pieces_page(request, ctx, typed_values, error=error, status=error.http_status)
    text = f"Pièce « {view.filename} » jointe à la facture {view.invoice_number or view.invoice_id} : contrôlez-la."
    return RedirectResponse(conformity_address(view.invoice_id, view.attachment_id, text), status_code=303)


def _sent_summary(sent: list[scor.ScorLotView], answered: list[scor.ScorLotView], problems: list[str]) -> str:
    """One French line of what the sending did (the services' own labels and errors)."""
    if not sent:
        parts = ["Aucune pièce SCOR à envoyer (pièces conformes d'un lot FSE mis en fichier)"]
    else:
        parts = [f"Lot SCOR {view.id} (lot FSE {view.fse_lot_number}, {view.pieces} pièce(s)) : "
                 + (f"non envoyé : {view.error}" if view.error else scor.STATE_LABELS.get(view.state, view.state))
                 for view in sent]
    parts += [f"Lot SCOR {view.id} : {scor.STATE_LABELS.get(view.state, view.state)}" for view in answered]
    return " ; ".join(parts + problems) + "."


@router.post("/teletransmission/pieces/envoyer", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ)])
async def send(request: Request, ctx: ContextDep) -> Response:
    """Send the conforming pieces by hand: those of one invoice (``facture``) or all of them, then read the
    SCOR lots' acknowledgements, as ``feuille scor envoyer`` does."""
    form = await request.form()
    invoice = str(form.get("facture", "")).strip()
    try:
        if invoice and not invoice.isdigit():
            raise ValidationError("facture : numéro interne de facture attendu.", code="validation", field="facture")
        lots = [scor.lot_of_invoice(ctx, invoice)] if invoice else None
        transport = configured_transport(ctx)
        sent = scor.send_pieces(ctx, transport, lots)
        answered, problems = scor.receive_acknowledgements(ctx, transport)
    except FeuilleError as error:
        _refused(error)
        return _pieces_page(request, ctx, {}, error=error, status=error.http_status)
    text = _sent_summary(sent, answered, problems)
    return RedirectResponse(f"/teletransmission/pieces?etat=&message={quote(text)}", status_code=303)

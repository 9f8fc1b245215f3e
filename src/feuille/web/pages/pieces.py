"""A piece of an invoice (prescription, care sheet): add it from the details page (a phone's camera), see it, and
the manual's « Etat de la conformité » (003 IV) right after: the document shown, « Le document est-il conforme ? »
with the manual's reasons; a piece not conforming is replaced; a piece not sent yet is deleted after « Supprimer ? ».

Each action calls its service (``billing.attachments``, ``transmission.scor_pieces``), which checks the role and
the state; a refusal shows the page again with what was typed and the message beside its field.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette import datastructures

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.billing import attachments
from feuille.domain.scor import KIND_LABELS, PieceState
from feuille.errors import FeuilleError, PermissionDeniedError, ValidationError
from feuille.transmission import scor_conformity, scor_pieces
from feuille.web.pages.invoices_detail import details_page
from feuille.web.templating import page
from feuille.web.uploads import read_upload

router = APIRouter()
REASONS = list(scor_conformity.DECLARED.items())
#: States in which the conformity may be answered (the table's judgeable states).
JUDGEABLE = frozenset({PieceState.A_CONTROLER, PieceState.CONFORME, PieceState.NON_CONFORME,
                       PieceState.A_RECONSTITUER})
#: States in which the piece may be deleted or replaced (not sent: the table's « remove »).
REMOVABLE = frozenset({PieceState.A_CONTROLER, PieceState.CONFORME, PieceState.NON_CONFORME})


def conformity_address(invoice_id: int, attachment_id: int | str | None, message: str = "") -> str:
    address = f"/factures/{invoice_id}/pieces/{attachment_id}/conformite"
    return f"{address}?message={quote(message)}" if message else address


async def piece_upload(request: Request, upload: datastructures.UploadFile | None) -> tuple[str, bytes]:
    """The file's name and bytes, within the documents' upload size (``web.uploads``, one rule for every page)."""
    if upload is None or not upload.filename:
        raise ValidationError("fichier : choisissez le fichier de la pièce (PDF, PNG ou JPEG).", code="required",
                              field="fichier")
    return upload.filename, await read_upload(request, upload, "document")


@router.post("/factures/{invoice_id:int}/pieces", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT)])
async def add_piece(request: Request, ctx: ContextDep, invoice_id: int,
                    fichier: Annotated[UploadFile | None, File()] = None,
                    type: Annotated[str, Form()] = attachments.PRESCRIPTION) -> Response:
    """Join a piece, then ask at once whether it is conforming (manual 003 IV)."""
    try:
        name, content = await piece_upload(request, fichier)
        view = attachments.attach(ctx, invoice_id, name, content, type)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return details_page(request, ctx, invoice_id, error=error, typed={"type": type},
                            status=error.http_status)
    added = view.attachments[-1]["id"]
    return RedirectResponse(conformity_address(invoice_id, added, f"Pièce « {view.attachments[-1]['filename']} » "
                                               "jointe : contrôlez-la."), status_code=303)


@router.get("/factures/{invoice_id:int}/pieces/{piece_id:int}", include_in_schema=False,
            dependencies=[needs(Permission.READ)])
def get_piece(ctx: ContextDep, invoice_id: int, piece_id: int) -> Response:
    stored = attachments.get_attachment(ctx, invoice_id, piece_id)
    safe_name = "".join(c if c.isalnum() or c in "._-" else "_" for c in stored.filename) or "piece"
    return Response(stored.content, media_type=stored.media_type,
                    headers={"Content-Disposition": f'inline; filename="{safe_name}"'})


def _conformity_page(request: Request, ctx: ContextDep, invoice_id: int, piece_id: int, *,
                     message: str | None = None, typed: dict[str, object] | None = None,
                     error: FeuilleError | None = None, status: int = 200) -> Response:
    view = scor_pieces.piece(ctx, invoice_id, piece_id)
    checked = None
    if view.state in JUDGEABLE:
        checked = next((item for item in scor_pieces.inspect_invoice(ctx, invoice_id)
                        if item.attachment_id == piece_id), None)
    media_type = ""
    if view.state is not PieceState.ARCHIVE:
        media_type = attachments.get_attachment(ctx, invoice_id, piece_id).media_type
    return page(request, "transmission/conformite.html", {
        "title": f"Conformité de la pièce {piece_id}", "p": view, "kind": KIND_LABELS[view.kind],
        "checked": checked, "media_type": media_type, "reasons": REASONS, "judgeable": view.state in JUDGEABLE,
        "removable": view.state in REMOVABLE, "message": message, "typed": typed or {},
        "criteria": scor_conformity.CRITERIA}, status=status, error=error)


@router.get("/factures/{invoice_id:int}/pieces/{piece_id:int}/conformite", include_in_schema=False,
            dependencies=[needs(Permission.READ)])
def conformity(request: Request, ctx: ContextDep, invoice_id: int, piece_id: int,
               message: str | None = None) -> Response:
    return _conformity_page(request, ctx, invoice_id, piece_id, message=message)


@router.post("/factures/{invoice_id:int}/pieces/{piece_id:int}/conformite", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ)])
async def record_conformity(request: Request, ctx: ContextDep, invoice_id: int, piece_id: int) -> Response:
    form = await request.form()
    answer = str(form.get("conforme", ""))
    chosen = [str(value) for value in form.getlist("motifs")]
    try:
        judgement = scor_pieces.record_answer(ctx, invoice_id, piece_id, answer or None, chosen)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return _conformity_page(request, ctx, invoice_id, piece_id, typed={"conforme": answer, "motifs": chosen},
                                error=error, status=error.http_status)
    text = ("Pièce CONFORME : elle partira en lot SCOR." if judgement.conforming else
            "Pièce NON CONFORME : " + " ; ".join(judgement.reasons) + ". Remplacez-la par un meilleur document.")
    return RedirectResponse(conformity_address(invoice_id, piece_id, text), status_code=303)


@router.post("/factures/{invoice_id:int}/pieces/{piece_id:int}/remplacer", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ)])
async def replace(request: Request, ctx: ContextDep, invoice_id: int, piece_id: int,
                  fichier: Annotated[UploadFile | None, File()] = None) -> Response:
    try:
        name, content = await piece_upload(request, fichier)
        view = scor_pieces.replace_piece(ctx, invoice_id, piece_id, name, content)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return _conformity_page(request, ctx, invoice_id, piece_id, error=error, status=error.http_status)
    return RedirectResponse(conformity_address(invoice_id, view.attachment_id, f"Pièce remplacée par « "
                                               f"{view.filename} » : contrôlez-la."), status_code=303)


@router.get("/factures/{invoice_id:int}/pieces/{piece_id:int}/supprimer", include_in_schema=False,
            dependencies=[needs(Permission.READ)])
def delete_question(request: Request, ctx: ContextDep, invoice_id: int, piece_id: int) -> Response:
    view = scor_pieces.piece(ctx, invoice_id, piece_id)
    return page(request, "transmission/supprimer_piece.html", {
        "title": "Supprimer la pièce ?", "p": view, "kind": KIND_LABELS[view.kind],
        "back": request.query_params.get("retour") == "onglet"})


@router.post("/factures/{invoice_id:int}/pieces/{piece_id:int}/supprimer", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT)])
async def delete(request: Request, ctx: ContextDep, invoice_id: int, piece_id: int) -> Response:
    try:
        view = scor_pieces.remove_piece(ctx, invoice_id, piece_id)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return _conformity_page(request, ctx, invoice_id, piece_id, error=error, status=error.http_status)
    text = (f"Pièce supprimée de la facture {view.invoice_number or view.invoice_id} "
            f"({KIND_LABELS[view.kind].lower()} : {view.state.value}).")
    return RedirectResponse(f"/teletransmission/pieces?etat=&message={quote(text)}", status_code=303)

"""What the details page of an invoice does: payments (add, remove), delete a draft, cancel by a credit note, the
final signature of an invoice « à sécuriser »,
the degraded care sheet (download, attach, sent on paper), pieces (upload from a phone's camera, download).

Each action calls its service, which checks the role and the state; a refusal shows the details page again with
what was typed and the message beside its field; a success redirects (303) to the details with a confirmation.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from feuille.api.deps import ContextDep
from feuille.billing import attachments, cancel, care_sheet, payments, queries, securing
from feuille.cards.port import CardReader, ProfessionalCardData, Signature, VitaleCardData
from feuille.errors import FeuilleError, PermissionDeniedError
from feuille.web.pages.invoices_detail import details_page
from feuille.web.templating import page

router = APIRouter()


def _done(invoice_id: int, what: str) -> Response:
    return RedirectResponse(f"/factures/{invoice_id}?fait={what}", status_code=303)


class DeskReader:
    """The desk's card reader, opened only when a service asks for a card (a role refused never opens it).

    Tests, and a deployment with another reader, set ``app.state.card_reader_factory``; otherwise the reader
    of the settings (``FEUILLE_CARDS_DIR``), as for the command line. Signing through the card agent of the
    browser's desk belongs to the card pages."""

    def __init__(self, factory: Callable[[], CardReader]) -> None:
        self._factory = factory

    @cached_property
    def _reader(self) -> CardReader:
        return self._factory()

    def professional_card(self) -> ProfessionalCardData | None:
        return self._reader.professional_card()

    def vitale_card(self) -> VitaleCardData | None:
        return self._reader.vitale_card()

    def verify_pin(self, serial: str, pin: str) -> None:
        self._reader.verify_pin(serial, pin)

    def sign(self, serial: str, data: bytes) -> Signature:
        return self._reader.sign(serial, data)


def _settings_reader() -> CardReader:
    from feuille.cards.virtual import reader_from_settings  # PKCS#11 and cryptography: only when a card is used

    return reader_from_settings()


def desk_reader(request: Request) -> DeskReader:
    factory: Callable[[], CardReader] | None = getattr(request.app.state, "card_reader_factory", None)
    return DeskReader(factory or _settings_reader)


# --- payments ------------------------------------------------------------------------------------------------------

@router.post("/factures/{invoice_id:int}/paiements", include_in_schema=False)
def add_payment(request: Request, ctx: ContextDep, invoice_id: int, means: Annotated[str, Form()] = "",
                amount: Annotated[str, Form()] = "") -> Response:
    try:
        payments.pay(ctx, invoice_id, means, amount)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return details_page(request, ctx, invoice_id, error=error, typed={"means": means, "amount": amount},
                            status=error.http_status)
    return _done(invoice_id, "paiement")


@router.post("/factures/{invoice_id:int}/paiements/{payment_id:int}/retirer", include_in_schema=False)
def remove_payment(request: Request, ctx: ContextDep, invoice_id: int, payment_id: int) -> Response:
    try:
        payments.remove_payment(ctx, invoice_id, payment_id)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return details_page(request, ctx, invoice_id, error=error, status=error.http_status)
    return _done(invoice_id, "paiement-retire")


# --- delete a draft, cancel by a credit note -----------------------------------------------------------------------

@router.get("/factures/{invoice_id:int}/supprimer", include_in_schema=False)
def delete_question(request: Request, ctx: ContextDep, invoice_id: int) -> Response:
    found = queries.details(ctx, invoice_id)
    return page(request, "invoices/confirmer.html", {"title": "Supprimer la facture", "d": found,
                                                      "v": found.view, "action": "supprimer"})


@router.post("/factures/{invoice_id:int}/supprimer", include_in_schema=False)
def delete_draft(request: Request, ctx: ContextDep, invoice_id: int) -> Response:
    try:
        cancel.delete_draft(ctx, invoice_id)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return details_page(request, ctx, invoice_id, error=error, status=error.http_status)
    return _done(invoice_id, "supprimee")


#: The card operations asked from this page: (title, confirmation sent back).
CARD_ACTIONS = {"annuler": ("Annuler la facture par un avoir", "avoir"),
                "finaliser": ("Signature finale de la facture", "finalisee")}


def _card_question(request: Request, ctx: ContextDep, invoice_id: int, action: str,
                   error: FeuilleError | None = None) -> Response:
    found = queries.details(ctx, invoice_id)
    return page(request, "invoices/confirmer.html", {"title": CARD_ACTIONS[action][0], "d": found,
                                                      "v": found.view, "action": action},
                error=error, status=error.http_status if error is not None else 200)


@router.get("/factures/{invoice_id:int}/annuler", include_in_schema=False)
def cancel_question(request: Request, ctx: ContextDep, invoice_id: int) -> Response:
    return _card_question(request, ctx, invoice_id, "annuler")


@router.post("/factures/{invoice_id:int}/annuler", include_in_schema=False)
def cancel_invoice(request: Request, ctx: ContextDep, invoice_id: int,
                   pin: Annotated[str, Form()] = "") -> Response:
    try:
        cancel.cancel_invoice(ctx, invoice_id, desk_reader(request), pin or None)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return _card_question(request, ctx, invoice_id, "annuler", error)
    return _done(invoice_id, "avoir")


@router.get("/factures/{invoice_id:int}/finaliser", include_in_schema=False)
def finalise_question(request: Request, ctx: ContextDep, invoice_id: int) -> Response:
    return _card_question(request, ctx, invoice_id, "finaliser")


@router.post("/factures/{invoice_id:int}/finaliser", include_in_schema=False)
def finalise(request: Request, ctx: ContextDep, invoice_id: int, pin: Annotated[str, Form()] = "") -> Response:
    """The final signature of a desynchronised invoice (« à sécuriser »), with the billing professional's CPS."""
    try:
        securing.finalise(ctx, invoice_id, desk_reader(request), pin or None)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return _card_question(request, ctx, invoice_id, "finaliser", error)
    return _done(invoice_id, "finalisee")


# --- the degraded care sheet, pieces -------------------------------------------------------------------------------

@router.get("/factures/{invoice_id:int}/feuille-de-soins.pdf", include_in_schema=False)
def care_sheet_pdf(ctx: ContextDep, invoice_id: int) -> Response:
    content = care_sheet.care_sheet_pdf(ctx, invoice_id)
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="feuille-de-soins-{invoice_id}.pdf"'})


@router.post("/factures/{invoice_id:int}/feuille-de-soins/joindre", include_in_schema=False)
def attach_care_sheet(request: Request, ctx: ContextDep, invoice_id: int) -> Response:
    try:
        content = care_sheet.care_sheet_pdf(ctx, invoice_id)
        attachments.attach(ctx, invoice_id, f"feuille-de-soins-{invoice_id}.pdf", content)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return details_page(request, ctx, invoice_id, error=error, status=error.http_status)
    return _done(invoice_id, "feuille-jointe")


@router.post("/factures/{invoice_id:int}/papier", include_in_schema=False)
def paper_sent(request: Request, ctx: ContextDep, invoice_id: int) -> Response:
    try:
        attachments.mark_paper(ctx, invoice_id)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return details_page(request, ctx, invoice_id, error=error, status=error.http_status)
    return _done(invoice_id, "papier")


@router.post("/factures/{invoice_id:int}/pieces", include_in_schema=False)
def add_piece(request: Request, ctx: ContextDep, invoice_id: int,
              fichier: Annotated[UploadFile | None, File()] = None,
              type: Annotated[str, Form()] = attachments.PRESCRIPTION) -> Response:
    content = fichier.file.read(attachments.MAX_BYTES + 1) if fichier is not None else b""
    name = (fichier.filename or "") if fichier is not None else ""
    try:
        attachments.attach(ctx, invoice_id, name or "piece", content, type)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return details_page(request, ctx, invoice_id, error=error, typed={"type": type},
                            status=error.http_status)
    return _done(invoice_id, "piece")


@router.get("/factures/{invoice_id:int}/pieces/{piece_id:int}", include_in_schema=False)
def get_piece(ctx: ContextDep, invoice_id: int, piece_id: int) -> Response:
    stored = attachments.get_attachment(ctx, invoice_id, piece_id)
    safe_name = "".join(c if c.isalnum() or c in "._-" else "_" for c in stored.filename) or "piece"
    return Response(stored.content, media_type=stored.media_type,
                    headers={"Content-Disposition": f'inline; filename="{safe_name}"'})

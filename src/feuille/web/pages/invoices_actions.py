"""What the details page of an invoice does: payments (add, remove), delete a draft, the degraded care sheet
(download, attach, sent on paper). Pieces (upload from a phone's camera, download, conformity) are
:mod:`feuille.web.pages.pieces`. Cancelling by a credit note
(:mod:`feuille.web.pages.invoices_credit`) and the final signature of an invoice « à sécuriser »
(:mod:`feuille.web.pages.securing`) sign through the card agent at the desk: no card is read on the server.

Each action calls its service, which checks the role and the state; a refusal shows the details page again with
what was typed and the message beside its field; a success redirects (303) to the details with a confirmation.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.billing import attachments, cancel, care_sheet, payments, queries
from feuille.errors import FeuilleError, PermissionDeniedError
from feuille.web.pages.invoices_detail import details_page
from feuille.web.templating import page

router = APIRouter()


def _done(invoice_id: int, what: str) -> Response:
    return RedirectResponse(f"/factures/{invoice_id}?fait={what}", status_code=303)


# --- payments ------------------------------------------------------------------------------------------------------

@router.post("/factures/{invoice_id:int}/paiements", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT)])
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


@router.post("/factures/{invoice_id:int}/paiements/{payment_id:int}/retirer", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT)])
def remove_payment(request: Request, ctx: ContextDep, invoice_id: int, payment_id: int) -> Response:
    try:
        payments.remove_payment(ctx, invoice_id, payment_id)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return details_page(request, ctx, invoice_id, error=error, status=error.http_status)
    return _done(invoice_id, "paiement-retire")


# --- delete a draft -----------------------------------------------------------------------------------------------

@router.get("/factures/{invoice_id:int}/supprimer", include_in_schema=False, dependencies=[needs(Permission.READ)])
def delete_question(request: Request, ctx: ContextDep, invoice_id: int) -> Response:
    found = queries.details(ctx, invoice_id)
    return page(request, "invoices/confirmer.html", {"title": "Supprimer la facture", "d": found,
                                                      "v": found.view})


@router.post("/factures/{invoice_id:int}/supprimer", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT)])
def delete_draft(request: Request, ctx: ContextDep, invoice_id: int) -> Response:
    try:
        cancel.delete_draft(ctx, invoice_id)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return details_page(request, ctx, invoice_id, error=error, status=error.http_status)
    return _done(invoice_id, "supprimee")


# --- the degraded care sheet -------------------------------------------------------------------------------------

@router.get("/factures/{invoice_id:int}/feuille-de-soins.pdf", include_in_schema=False,
            dependencies=[needs(Permission.READ)])
def care_sheet_pdf(ctx: ContextDep, invoice_id: int) -> Response:
    content = care_sheet.care_sheet_pdf(ctx, invoice_id)
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="feuille-de-soins-{invoice_id}.pdf"'})


@router.post("/factures/{invoice_id:int}/feuille-de-soins/joindre", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT, Permission.READ)])
def attach_care_sheet(request: Request, ctx: ContextDep, invoice_id: int) -> Response:
    try:
        content = care_sheet.care_sheet_pdf(ctx, invoice_id)
        attachments.attach(ctx, invoice_id, f"feuille-de-soins-{invoice_id}.pdf", content)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return details_page(request, ctx, invoice_id, error=error, status=error.http_status)
    return _done(invoice_id, "feuille-jointe")


@router.post("/factures/{invoice_id:int}/papier", include_in_schema=False,
             dependencies=[needs(Permission.INVOICE_DRAFT)])
def paper_sent(request: Request, ctx: ContextDep, invoice_id: int) -> Response:
    try:
        attachments.mark_paper(ctx, invoice_id)
    except PermissionDeniedError:
        raise
    except FeuilleError as error:
        return details_page(request, ctx, invoice_id, error=error, status=error.http_status)
    return _done(invoice_id, "papier")

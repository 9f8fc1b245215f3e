"""Invoices over HTTP: create and price a draft from ``feuille facture creer``'s document (``Idempotency-Key``:
``billing.idempotency``), list (the filters of ``feuille facture lister``) and read one, with the keys of the command
line's JSON (``feuille facture afficher --json``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from feuille.api.deps import ContextDep, needs
from feuille.auth import Permission
from feuille.billing import idempotency, queries

router = APIRouter(tags=["factures"])


class PaymentOut(BaseModel):
    id: str
    means: str
    amount: str
    at: str


class AttachmentOut(BaseModel):
    id: str
    kind: str
    filename: str
    media_type: str


class InvoiceLineOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str
    date: str
    quantity: int
    total: str
    base: str
    rate: int | str
    amo: str
    amc: str
    patient: str
    exoneration: str | None = None


class InvoiceOut(BaseModel):
    """An invoice as ``feuille facture afficher --json`` prints it (amounts as text: ``"23.00"``)."""

    model_config = ConfigDict(extra="forbid")

    id: int
    number: int | None
    state: str
    state_label: str
    professional_id: int
    performer_id: int | None
    billing_number: str
    patient_id: int | None
    date: str
    nature: str
    secure_mode: str | None
    rate_checked: bool
    sendable: bool
    credit_of: int | None
    lines: list[InvoiceLineOut]
    totals: dict[str, str]
    warnings: list[str]
    payments: list[PaymentOut]
    balance: str
    balance_warnings: list[str]
    attachments: list[AttachmentOut]
    trace: list[str]


class ListedInvoiceOut(InvoiceOut):
    """A line of ``feuille facture lister --json``: the invoice, its patient and its professional's series."""

    patient_name: str
    professional_name: str
    number_label: str


@router.get("/factures", response_model=list[ListedInvoiceOut], summary="Lister les factures (les plus récentes "
            "d'abord)", dependencies=[needs(Permission.READ)])
def list_invoices(ctx: ContextDep,
                  etat: Annotated[str | None, Query(max_length=40, description="brouillon, « TP calculé », "
                                                    "sécurisée… (ou draft, secured…)")] = None,
                  patient: Annotated[str | None, Query(max_length=20, description="Numéro interne du patient")] = None,
                  pro: Annotated[str | None, Query(max_length=20, description="Professionnel (numéro interne ou "
                                                   "n° de facturation)")] = None,
                  du: Annotated[str | None, Query(max_length=10, description="À partir de (JJ/MM/AAAA)")] = None,
                  au: Annotated[str | None, Query(max_length=10, description="Jusqu'au (JJ/MM/AAAA)")] = None,
                  limite: Annotated[int, Query(ge=1, le=queries.MAX_LIST)] = 200) -> list[ListedInvoiceOut]:
    found = queries.list_invoices(ctx, etat or None, limite, patient=patient or None, professional=pro or None,
                                  since=du or None, until=au or None)
    return [ListedInvoiceOut.model_validate(item.to_json()) for item in found]


@router.get("/factures/{invoice_id}", response_model=InvoiceOut, summary="Lire une facture",
            dependencies=[needs(Permission.READ)])
def get_invoice(ctx: ContextDep, invoice_id: int) -> InvoiceOut:
    return InvoiceOut.model_validate(queries.show(ctx, invoice_id).to_json())


# --- Creating an invoice from a JSON document: POST /api/factures ----------------------------------------------------
# The document is ``feuille facture creer``'s (docs/invoices.md): its top-level keys are checked here, the rest by
# the billing service (French refusals, each naming its field).

class InvoiceDocumentIn(BaseModel):
    """``feuille facture creer``'s document: the pricing contract extended (patient, prescription, payer…)."""

    model_config = ConfigDict(extra="forbid")

    date: str = Field(min_length=1, max_length=10)
    patient: dict[str, Any]
    acts: list[dict[str, Any]] = Field(min_length=1)
    coverage: dict[str, Any] | None = None
    amc: dict[str, Any] | None = None
    overrides: list[dict[str, Any]] | None = None
    tiers_payant: dict[str, Any] | None = None
    group_identical: bool | None = None
    professional: int | str | None = None
    performer: int | str | None = None
    place: str | None = None
    prescription: dict[str, Any] | None = None
    entente_prealable: dict[str, Any] | None = None
    payer: dict[str, Any] | None = None
    exoneration_justification: str | None = None
    ald: dict[str, Any] | bool | None = None
    mt_declaration: str | None = None
    accident_work: dict[str, Any] | None = None
    accident: dict[str, Any] | None = None
    specifics: dict[str, Any] | None = None


@router.post("/factures", response_model=InvoiceOut, status_code=201, tags=["factures"],
             summary="Créer et tarifer une facture brouillon (clé d'idempotence)",
             responses={200: {"description": "Même clé, même document : la facture déjà créée"}},
             dependencies=[needs(Permission.INVOICE_DRAFT)])
def create_invoice(body: InvoiceDocumentIn, ctx: ContextDep, response: Response,
                   idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> InvoiceOut:
    document = body.model_dump(exclude_none=True)
    view, created = idempotency.create_draft_once(ctx, document, idempotency_key)
    if not created:
        response.status_code = 200
    return InvoiceOut.model_validate(view.to_json())

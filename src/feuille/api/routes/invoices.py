"""Invoices over HTTP: list (the filters of ``feuille facture lister``) and read one, with the keys of the
command line's JSON (``feuille facture afficher --json``). Creation (``POST /api/factures``) is the wizard's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from feuille.api.deps import ContextDep
from feuille.billing import queries

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
    lines: list[dict[str, Any]]
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
            "d'abord)")
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


@router.get("/factures/{invoice_id}", response_model=InvoiceOut, summary="Lire une facture")
def get_invoice(ctx: ContextDep, invoice_id: int) -> InvoiceOut:
    return InvoiceOut.model_validate(queries.show(ctx, invoice_id).to_json())

"""Invoices over HTTP: create and price (idempotency key), read, list, secure."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()


# --- Creating an invoice from a JSON document (helper « wizard »): POST /api/factures -------------------------------
# The document is ``feuille facture creer``'s (docs/invoices.md): its top-level keys are checked here, the rest by
# the billing service (French refusals, each naming its field). ``Idempotency-Key``: ``billing.idempotency``.

from typing import Annotated, Any  # noqa: E402  (this block is kept apart from the invoices helper's routes)

from fastapi import Header, Response  # noqa: E402
from pydantic import BaseModel, ConfigDict, Field  # noqa: E402

from feuille.api.deps import ContextDep  # noqa: E402
from feuille.billing import idempotency  # noqa: E402


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
    """The priced invoice as ``feuille facture creer`` prints it; amounts are strings (``"23.00"``)."""

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
    payments: list[dict[str, str]]
    balance: str
    balance_warnings: list[str]
    attachments: list[dict[str, str]]
    trace: list[str]


@router.post("/factures", response_model=InvoiceOut, status_code=201, tags=["factures"],
             summary="Créer et tarifer une facture brouillon (clé d'idempotence)",
             responses={200: {"description": "Même clé, même document : la facture déjà créée"}})
def create_invoice(body: InvoiceDocumentIn, ctx: ContextDep, response: Response,
                   idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> InvoiceOut:
    document = body.model_dump(exclude_none=True)
    view, created = idempotency.create_draft_once(ctx, document, idempotency_key)
    if not created:
        response.status_code = 200
    return InvoiceOut.model_validate(view.to_json())

"""« Suivi Virements » (manual 003 IX): the bank transfers of the insurers, their detail, and their check.

A transfer is what one return file's 071 says (``noemie_transfers``); what it paid is read back from the rows the
integration stored under it: the invoices' shares paid (``return_invoices``, a regularisation negative), the
one-off payments (``one_off_payments``) and the financial movements (``financial_movements``), of which the
withholdings (``RPR``, « Retenue sur prestation », stored negative) come off the transfer.

**The check** (feuille's own rule, the one the return writer follows, ``formats/noemie_file.py``): the total the
insurer declared in the 990 closing the transfer must equal invoices paid + one-off payments − withholdings,
computed from the stored rows. When it does not, the difference is shown (« écart de 3,22 € ») and the transfer
is listed by ``ecarts=True``; a transfer without its 990 is listed there too (nothing to check it against).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.errors import NotFoundError
from feuille.formats.noemie_file import WITHHOLDING
from feuille.money import ZERO, format_amount, format_amount_fr
from feuille.returns import listing
from feuille.returns.codes import Table, label
from feuille.storage.models import (
    FinancialMovement,
    NoemieFileRow,
    OneOffPaymentRow,
    ReturnInvoice,
    TransferRow,
)


@dataclass(frozen=True)
class Check:
    """A transfer's sum as declared against what its stored rows add up to."""

    declared: Decimal | None
    invoices: Decimal      # the invoices' AMO + AMC shares paid (signed)
    one_off: Decimal       # the one-off payments
    withheld: Decimal      # what the RPR movements took (positive when money was withheld)

    @property
    def computed(self) -> Decimal:
        return self.invoices + self.one_off - self.withheld

    @property
    def difference(self) -> Decimal | None:
        """Declared minus computed; ``None`` without a declared total."""
        return None if self.declared is None else self.declared - self.computed

    @property
    def ok(self) -> bool:
        return self.difference == ZERO

    def message(self) -> str:
        if self.declared is None:
            return "total déclaré absent (pas d'entité 990) : non contrôlé"
        if self.ok:
            return "conforme"
        return f"écart de {format_amount_fr(abs(self.difference or ZERO))} €"

    def to_json(self) -> dict[str, Any]:
        difference = self.difference
        return {"declare": None if self.declared is None else format_amount(self.declared),
                "factures": format_amount(self.invoices), "paiements_ponctuels": format_amount(self.one_off),
                "retenues": format_amount(self.withheld), "calcule": format_amount(self.computed),
                "ecart": None if difference is None else format_amount(difference), "conforme": self.ok,
                "message": self.message()}


@dataclass(frozen=True)
class TransferSummary:
    """One line of the list: Date, Libellé du virement, Organisme payeur, Payé (and the check)."""

    id: int
    settlement_date: date
    is_transfer: bool
    label_1: str
    label_2: str
    paying_organism: str
    payee_number: str
    check: Check

    @property
    def label(self) -> str:
        return f"{self.label_1} {self.label_2}".strip()

    @property
    def computed(self) -> Decimal:
        return self.check.computed

    @property
    def difference(self) -> Decimal | None:
        return self.check.difference

    @property
    def check_message(self) -> str:
        return self.check.message()

    @property
    def paid(self) -> Decimal:
        """What the insurer says it transferred; what the rows add up to when it said nothing."""
        return self.check.declared if self.check.declared is not None else self.check.computed

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "date": self.settlement_date.isoformat(), "virement": self.is_transfer,
                "libelle_1": self.label_1, "libelle_2": self.label_2, "libelle": self.label,
                "organisme_payeur": self.paying_organism, "destinataire_reglement": self.payee_number,
                "paye": format_amount(self.paid), "controle": self.check.to_json()}


def _sums() -> tuple[ColumnElement[int], ColumnElement[int], ColumnElement[int]]:
    """Per transfer (correlated, each on its own ``transfer_id`` index): invoices, one-off, RPR, in cents."""
    invoices = (select(listing.cents_sum(ReturnInvoice.amo_paid + ReturnInvoice.amc_paid))
                .where(ReturnInvoice.transfer_id == TransferRow.id).scalar_subquery())
    one_off = (select(listing.cents_sum(OneOffPaymentRow.amount))
               .where(OneOffPaymentRow.transfer_id == TransferRow.id).scalar_subquery())
    withheld = (select(listing.cents_sum(FinancialMovement.amount))
                .where(FinancialMovement.transfer_id == TransferRow.id,
                       FinancialMovement.operation == WITHHOLDING).scalar_subquery())
    return invoices, one_off, withheld


def _check(declared: Decimal | None, invoices: object, one_off: object, rpr: object) -> Check:
    # RPR amounts are stored signed (negative when withheld): what was withheld is their opposite
    return Check(declared, listing.from_cents(invoices), listing.from_cents(one_off), -listing.from_cents(rpr))


def _summary(row: TransferRow, invoices: object, one_off: object, rpr: object) -> TransferSummary:
    return TransferSummary(row.id, row.settlement_date, row.is_transfer, row.label_1.strip(), row.label_2.strip(),
                           row.paying_organism.strip(), row.payee_number,
                           _check(row.declared_total, invoices, one_off, rpr))


def _query(span: listing.Period, organism: str | None, differences: bool,
           accounting_days: bool) -> Select[TransferRow, int, int, int]:
    invoices, one_off, rpr = _sums()
    query = (select(TransferRow, invoices, one_off, rpr)
             .where(TransferRow.settlement_date.between(span.start, span.end))
             .order_by(TransferRow.settlement_date, TransferRow.id))
    if organism is not None:
        query = query.where(TransferRow.paying_organism == organism)
    if not accounting_days:
        query = query.where(TransferRow.is_transfer.is_(True))
    if differences:
        computed = invoices + one_off + rpr
        query = query.where(or_(TransferRow.declared_total.is_(None),
                                and_(listing.cents(TransferRow.declared_total) != computed)))
    return query


def listing_transfers(ctx: Context, start: object = None, end: object = None, organism: object = None, *,
                      differences: bool = False, accounting_days: bool = False,
                      limit: int | None = None) -> tuple[listing.Period, list[TransferSummary]]:
    """The transfers of a period (default: the last 30 days) oldest first, of one paying organism when given;
    only those whose check fails with ``differences``; the accounting days without transfer (070) too with
    ``accounting_days``."""
    require(ctx, Permission.READ)
    span = listing.period(ctx.clock().date(), start, end)
    organism_code = listing.organism_filter(organism)
    rows = listing.limit(limit)
    query = _query(span, organism_code, differences, accounting_days).limit(rows)
    with ctx.db.read() as session:
        return span, [_summary(*found) for found in session.execute(query)]


@dataclass(frozen=True)
class InvoicePaid:
    """« Paiement(s)/Régularisation(s) »: Facture (Numéro, Date, Nom du client), Organisme, AMO and AMC."""

    id: int
    invoice_id: int | None
    number: str
    invoice_date: date | None
    patient_name: str
    organism: str
    amo_claimed: Decimal
    amo_paid: Decimal
    amc_claimed: Decimal
    amc_paid: Decimal
    match: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "facture_id": self.invoice_id, "numero": self.number,
                "date": self.invoice_date.isoformat() if self.invoice_date else None, "client": self.patient_name,
                "organisme": self.organism, "amo_facture": format_amount(self.amo_claimed),
                "amo_paye": format_amount(self.amo_paid), "amc_facture": format_amount(self.amc_claimed),
                "amc_paye": format_amount(self.amc_paid), "rapprochement": self.match}


@dataclass(frozen=True)
class Movement:
    """« Mouvements Financiers »: Référence dette, Date dette, Nature dette, Nature opération, Montant, Solde."""

    id: int
    debt_reference: str
    debt_date: date | None
    debt_nature: str
    operation: str
    amount: Decimal
    remaining: Decimal

    @property
    def withholding(self) -> bool:
        return self.operation == WITHHOLDING

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "reference_dette": self.debt_reference,
                "date_dette": self.debt_date.isoformat() if self.debt_date else None,
                "nature_dette": self.debt_nature, "nature_dette_libelle": label(Table.DEBT_NATURE, self.debt_nature),
                "operation": self.operation, "operation_libelle": label(Table.OPERATION, self.operation),
                "montant": format_amount(self.amount), "solde": format_amount(self.remaining)}


@dataclass(frozen=True)
class OneOff:
    """« Paiements ponctuels »: Code, Libellé (the first 262 detail's), Montant."""

    id: int
    code: str
    label: str
    amount: Decimal

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "libelle": self.label, "montant": format_amount(self.amount)}


@dataclass(frozen=True)
class TransferDetail:
    """« Détail du virement »: the payments and regularisations, the financial movements, the one-off payments
    and the withholdings (the RPR movements), with the check and the file it was read from."""

    transfer: TransferSummary
    file_source: str
    file_id: str
    invoices: list[InvoicePaid]
    movements: list[Movement]
    one_off: list[OneOff]

    @property
    def withholdings(self) -> list[Movement]:
        return [m for m in self.movements if m.withholding]

    def to_json(self) -> dict[str, Any]:
        return {**self.transfer.to_json(), "fichier": {"source": self.file_source, "identifiant": self.file_id},
                "paiements": [i.to_json() for i in self.invoices],
                "mouvements_financiers": [m.to_json() for m in self.movements],
                "paiements_ponctuels": [p.to_json() for p in self.one_off],
                "retenues_ponctuelles": [m.to_json() for m in self.withholdings]}


def first_label(details: str) -> str:
    """The label of a one-off payment: its first 262 detail's (the JSON the integration stored), else empty."""
    found = listing.stored_details(details)
    return found[0].get("label", "") if found else ""


def detail(ctx: Context, transfer: object) -> TransferDetail:
    require(ctx, Permission.READ)
    transfer_id = listing.internal_id(transfer, "virement", "Virement")
    invoices, one_off, rpr = _sums()
    with ctx.db.read() as session:
        found = session.execute(select(TransferRow, invoices, one_off, rpr, NoemieFileRow.source,
                                       NoemieFileRow.file_id)
                                .join(NoemieFileRow, NoemieFileRow.id == TransferRow.noemie_file_id)
                                .where(TransferRow.id == transfer_id)).first()
        if found is None:
            raise NotFoundError(f"Virement {transfer_id} introuvable.", code="not_found", field="virement")
        row, inv, one, held, source, file_id = found
        return TransferDetail(_summary(row, inv, one, held), source, file_id, _invoices(session, row),
                              _movements(session, row.id), _one_off(session, row.id))


def _invoices(session: Session, transfer: TransferRow) -> list[InvoicePaid]:
    rows = session.scalars(select(ReturnInvoice).where(ReturnInvoice.transfer_id == transfer.id)
                           .order_by(ReturnInvoice.entity, ReturnInvoice.id))
    return [InvoicePaid(r.id, r.invoice_id, r.invoice_number.lstrip("0") or "0", r.invoice_date, r.patient_name,
                        transfer.paying_organism.strip(), r.amo_claimed, r.amo_paid, r.amc_claimed, r.amc_paid,
                        r.match) for r in rows]


def _movements(session: Session, transfer_id: int) -> list[Movement]:
    rows = session.scalars(select(FinancialMovement).where(FinancialMovement.transfer_id == transfer_id)
                           .order_by(FinancialMovement.entity, FinancialMovement.id))
    return [Movement(r.id, r.debt_reference.strip(), r.debt_date, r.debt_nature, r.operation, r.amount, r.remaining)
            for r in rows]


def _one_off(session: Session, transfer_id: int) -> list[OneOff]:
    rows = session.scalars(select(OneOffPaymentRow).where(OneOffPaymentRow.transfer_id == transfer_id)
                           .order_by(OneOffPaymentRow.entity, OneOffPaymentRow.id))
    return [OneOff(r.id, r.code, first_label(r.details), r.amount) for r in rows]

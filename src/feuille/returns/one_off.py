"""« Op. Ponctuelles » (manual 003 X): the payments tied to no invoice (261/262, e.g. the yearly SESAM-Vitale aid)
and the withholdings (250 ``RPR``, e.g. an invoice paid twice by mistake), and the detail of one payment.

Both lists read the rows the integration stored under each transfer; the date is the transfer's accounting
date (« Date comptable »). A withholding is shown as the amount taken (positive), the opposite of the signed
amount the return carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from feuille.auth import Context, Permission, require
from feuille.errors import NotFoundError
from feuille.formats.noemie_file import WITHHOLDING
from feuille.money import format_amount
from feuille.returns import listing
from feuille.returns.codes import Table, label
from feuille.storage.models import FinancialMovement, NoemieFileRow, OneOffPaymentRow, TransferRow

ONE_OFF_KIND = "03"   # 081 « Paiements ponctuels ou forfaitaires » (sesam viewer): where 261 entities are


@dataclass(frozen=True)
class PaymentLine:
    """« Paiements »: Date comptable, Organisme, Code, Libellé, Montant paiement."""

    id: int
    transfer_id: int
    accounting_date: date
    organism: str
    code: str
    label: str
    amount: Decimal

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "virement_id": self.transfer_id, "date_comptable": self.accounting_date.isoformat(),
                "organisme": self.organism, "code": self.code, "libelle": self.label,
                "montant": format_amount(self.amount)}


@dataclass(frozen=True)
class WithholdingLine:
    """« Retenues »: Date comptable, Libellé du virement, Réf. dette, Nature des opérations, Montant."""

    id: int
    transfer_id: int
    accounting_date: date
    transfer_label: str
    organism: str
    debt_reference: str
    debt_nature: str
    operation: str
    amount: Decimal   # what was withheld (positive when money was taken)

    @property
    def operation_label(self) -> str:
        return label(Table.OPERATION, self.operation)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "virement_id": self.transfer_id, "date_comptable": self.accounting_date.isoformat(),
                "libelle_virement": self.transfer_label, "organisme": self.organism,
                "reference_dette": self.debt_reference, "nature_dette": self.debt_nature,
                "nature_dette_libelle": label(Table.DEBT_NATURE, self.debt_nature), "operation": self.operation,
                "operation_libelle": self.operation_label, "montant": format_amount(self.amount)}


def payments(ctx: Context, start: object = None, end: object = None, organism: object = None, *,
             limit: int | None = None) -> tuple[listing.Period, list[PaymentLine]]:
    """The one-off payments of a period (default: the last 30 days), of one paying organism when given."""
    require(ctx, Permission.READ)
    span = listing.period(ctx.clock().date(), start, end)
    organism_code = listing.organism_filter(organism)
    query = (select(OneOffPaymentRow, TransferRow.settlement_date, TransferRow.paying_organism)
             .join(TransferRow, TransferRow.id == OneOffPaymentRow.transfer_id)
             .where(TransferRow.settlement_date.between(span.start, span.end))
             .order_by(TransferRow.settlement_date, OneOffPaymentRow.id).limit(listing.limit(limit)))
    if organism_code is not None:
        query = query.where(TransferRow.paying_organism == organism_code)
    with ctx.db.read() as session:
        return span, [_payment(row, day, organism) for row, day, organism in session.execute(query)]


def _payment(row: OneOffPaymentRow, day: date, organism: str) -> PaymentLine:
    details = listing.stored_details(row.details)
    return PaymentLine(row.id, row.transfer_id, day, organism.strip(), row.code,
                       details[0].get("label", "").strip() if details else "", row.amount)


def withholdings(ctx: Context, start: object = None, end: object = None, organism: object = None, *,
                 limit: int | None = None) -> tuple[listing.Period, list[WithholdingLine]]:
    """The withholdings (RPR movements) of a period (default: the last 30 days), of one paying organism."""
    require(ctx, Permission.READ)
    span = listing.period(ctx.clock().date(), start, end)
    organism_code = listing.organism_filter(organism)
    query = (select(FinancialMovement, TransferRow.settlement_date, TransferRow.label_1,
                    TransferRow.paying_organism)
             .join(TransferRow, TransferRow.id == FinancialMovement.transfer_id)
             .where(FinancialMovement.operation == WITHHOLDING,
                    TransferRow.settlement_date.between(span.start, span.end))
             .order_by(TransferRow.settlement_date, FinancialMovement.id).limit(listing.limit(limit)))
    if organism_code is not None:
        query = query.where(TransferRow.paying_organism == organism_code)
    with ctx.db.read() as session:
        return span, [WithholdingLine(m.id, m.transfer_id, day, label_1.strip(), organism.strip(),
                                      m.debt_reference.strip(), m.debt_nature, m.operation, -m.amount)
                      for m, day, label_1, organism in session.execute(query)]


@dataclass(frozen=True)
class PaymentDetail:
    """« Détail opération ponctuelle »: the manual's « Information / Valeur » rows, in its order."""

    payment: PaymentLine
    rows: list[tuple[str, str]]
    details: list[dict[str, str]]

    def to_json(self) -> dict[str, Any]:
        return {**self.payment.to_json(), "informations": [{"information": k, "valeur": v} for k, v in self.rows],
                "details": self.details}


def birth_date(raw: str, today: date) -> str:
    """A 262 birth date (AAMMJJ) for display: JJ/MM/AAAA, the century being the one that does not put it in the
    future (**feuille's own**); a date that is no calendar date (lunar dates exist) is shown as read."""
    text = raw.strip()
    if len(text) != 6 or not text.isdigit():
        return text
    try:
        born = date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))
        if born > today:
            born = date(born.year - 100, born.month, born.day)
    except ValueError:   # not a calendar date, or 29 February of a century that has none
        return text
    return born.strftime("%d/%m/%Y")


def detail(ctx: Context, payment: object) -> PaymentDetail:
    """One one-off payment with its transfer and file (a ``NotFoundError`` when there is none)."""
    require(ctx, Permission.READ)
    payment_id = listing.internal_id(payment, "operation", "Opération ponctuelle")
    query = (select(OneOffPaymentRow, TransferRow, NoemieFileRow)
             .join(TransferRow, TransferRow.id == OneOffPaymentRow.transfer_id)
             .join(NoemieFileRow, NoemieFileRow.id == TransferRow.noemie_file_id)
             .where(OneOffPaymentRow.id == payment_id))
    with ctx.db.read() as session:
        found = session.execute(query).first()
    if found is None:
        raise NotFoundError(f"Opération ponctuelle {payment_id} introuvable.", code="not_found", field="operation")
    row, transfer, file = found
    line = _payment(row, transfer.settlement_date, transfer.paying_organism)
    details = listing.stored_details(row.details)
    return PaymentDetail(line, _rows(line, transfer, file, details, ctx.clock().date()), details)


def _rows(line: PaymentLine, transfer: TransferRow, file: NoemieFileRow, details: list[dict[str, str]],
          today: date) -> list[tuple[str, str]]:
    first = details[0] if details else {}
    nir = " ".join(x for x in (first.get("nir", "").strip(), first.get("nir_key", "").strip()) if x)
    rank = first.get("rank", "").strip()
    return [
        ("Date comptable", f"{line.accounting_date:%d/%m/%Y}"),
        ("NIR", nir),
        ("Date naissance", birth_date(first.get("birth_date", ""), today)),
        ("Rang", rank if rank not in ("", "0") else "Inconnu"),
        ("Type retour", label(Table.RETURN_KIND, ONE_OFF_KIND)),
        ("Période", label(Table.PERIOD, first.get("period", ""))),
        ("Code", line.code),
        ("Libellé", line.label),
        ("Libellé virement 1", transfer.label_1.strip()),
        ("Libellé virement 2", transfer.label_2.strip()),
        ("Total paiement", format_amount(line.amount).replace(".", ",")),
        ("Organisme payeur", transfer.paying_organism.strip()),
        ("Numéro émetteur", file.emitter_number),
        ("Type émetteur", label(Table.PARTNER_TYPE, file.emitter_type)),
        ("Numéro destinataire", file.recipient_number),
        ("Type destinataire", label(Table.PARTNER_TYPE, file.recipient_type)),
        ("Numéro destinataire règl.", transfer.payee_number),
        ("Fichier", f"{file.file_id} ({file.source})"),
    ]

"""The rows a NOEMIE return is stored as: one plain dict per row, made from the stream's events
(``formats.noemie_stream``), for Core ``insert`` in batches (no ORM object per row).

What is stored is what the insurer said, as read (amounts signed, statuses as letters), with the entity number
and byte offset it came from; matching it to what was billed is ``returns.matching``'s.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from feuille.formats.noemie_file import WITHHOLDING, Invoice, Share
from feuille.formats.noemie_stream import InvoiceReturn, MovementReturn, OneOffReturn, SettlementStart
from feuille.money import ZERO

Row = dict[str, Any]


def clip(text: str | None, width: int) -> str:
    return (text or "").strip()[:width]


def lot_number(event: InvoiceReturn) -> str:
    """The invoice's own lot number (102) when it gives one, else its lot's (080)."""
    if event.invoice.lot_number.strip():
        return clip(event.invoice.lot_number, 3)
    return f"{event.lot_number % 1000:03d}" if event.lot_number is not None else ""


def nir_of(invoice: Invoice) -> str:
    """The insured's NIR with its key (15), from the 103 (or the 110), blank when the return gives none."""
    who = invoice.beneficiary or invoice.insured
    if who is None:
        return ""
    return clip(who.nir + who.nir_key, 15)


def _name(invoice: Invoice) -> str:
    b = invoice.beneficiary
    if b is not None:
        name = " ".join(p for p in (b.patient_name or b.usual_name or b.birth_name,
                                    b.patient_first_name or b.first_name) if p)
        return clip(name, 80)
    if invoice.patient is not None:
        return clip(f"{invoice.patient.name} {invoice.patient.first_name}", 80)
    return ""


def _rank(invoice: Invoice) -> str:
    if invoice.beneficiary is not None and invoice.beneficiary.rank:
        return clip(invoice.beneficiary.rank, 1)
    return clip(invoice.patient.rank, 1) if invoice.patient is not None else ""


def _share(share: Share | None) -> tuple[Decimal, str, Decimal]:
    if share is None:
        return ZERO, "", ZERO
    return share.claimed, clip(share.status, 1), share.paid


def return_invoice(event: InvoiceReturn, file_id: int, transfer_id: int | None) -> Row:
    """The ``return_invoices`` row (``invoice_id`` / ``match`` are set by the matching)."""
    inv = event.invoice
    amo_claimed, amo_status, amo_paid = _share(inv.amo)
    amc_claimed, amc_status, amc_paid = _share(inv.amc)
    return {"noemie_file_id": file_id, "transfer_id": transfer_id, "invoice_id": None, "match": "a_rapprocher",
            "return_kind": clip(event.return_kind, 2), "lot_number": lot_number(event),
            "lot_date": inv.lot_date or event.lot_date, "invoice_number": clip(inv.number, 9),
            "invoice_type": clip(inv.invoice_type, 1), "invoice_date": inv.invoice_date, "nir": nir_of(inv),
            "rank": _rank(inv), "patient_name": _name(inv), "amo_claimed": amo_claimed, "amo_status": amo_status,
            "amo_paid": amo_paid, "amc_claimed": amc_claimed, "amc_status": amc_status, "amc_paid": amc_paid,
            "amc_number": clip(inv.amc.amc_number if inv.amc else "", 10), "entity": event.entity,
            "offset": event.offset, "matched_by": None, "matched_at": None}


def acts(invoice: Invoice) -> list[Row]:
    """The ``return_acts`` rows (without ``return_invoice_id``; the line match is set by the matching)."""
    return [{"invoice_line_id": None, "line": act.line, "act_code": clip(act.act_code, 3), "quantity": act.quantity,
             "coefficient": clip(act.coefficient, 5), "base": act.base, "rate": act.rate,
             "reimbursed": act.reimbursed, "care_start": act.care_start, "difference": None}
            for act in invoice.acts]


def rejects(invoice: Invoice) -> list[Row]:
    """The ``return_rejects`` rows: each 290 message, then each 294 reject line."""
    out: list[Row] = [{"entity_kind": "290", "code": clip(m.code, 10), "label": clip(m.label, 86), "line": m.line,
                       "reject_level": "", "share": "", "act": "", "care_date": None} for m in invoice.messages]
    out += [{"entity_kind": "294", "code": clip(r.code, 10), "label": clip(r.label, 86), "line": r.line,
             "reject_level": clip(r.reject_level, 1), "share": clip(r.share, 1), "act": clip(r.act, 5),
             "care_date": r.care_date} for r in invoice.rejects]
    return out


def transfer(event: SettlementStart, file_id: int, professional_id: int | None) -> Row:
    t = event.transfer
    return {"noemie_file_id": file_id, "professional_id": professional_id, "payee_number": clip(event.payee, 15),
            "settlement_date": event.date, "is_transfer": t is not None,
            "label_1": clip(t.label_1 if t else "", 32), "label_2": clip(t.label_2 if t else "", 32),
            "paying_organism": clip(t.paying_organism if t else "", 10), "declared_total": None,
            "computed_total": ZERO, "entity": event.entity, "offset": event.offset}


def movement(event: MovementReturn, transfer_id: int) -> Row:
    m = event.movement
    return {"transfer_id": transfer_id, "line": m.line, "debt_reference": clip(m.debt_reference, 10),
            "debt_date": m.debt_date, "debt_nature": clip(m.debt_nature, 3), "operation": clip(m.operation, 3),
            "amount": m.amount, "remaining": m.remaining, "entity": event.entity, "offset": event.offset}


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def one_off(event: OneOffReturn, transfer_id: int) -> Row:
    p = event.payment
    details = [{k: _plain(v) for k, v in asdict(d).items()} for d in p.details]
    return {"transfer_id": transfer_id, "code": clip(p.code, 5), "amount": p.amount,
            "details": json.dumps(details, ensure_ascii=False), "entity": event.entity, "offset": event.offset}


def settles(event: MovementReturn | OneOffReturn | InvoiceReturn) -> Decimal:
    """What this return brings to its transfer: an invoice's shares paid, a one-off payment, a withholding
    (``RPR``, signed); other movements only state a debt (``formats.noemie_file``, feuille's own)."""
    if isinstance(event, InvoiceReturn):
        return event.invoice.total
    if isinstance(event, OneOffReturn):
        return event.payment.amount
    return event.movement.amount if event.movement.operation == WITHHOLDING else ZERO

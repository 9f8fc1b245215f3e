"""« Détails des RSPs » of one invoice (manual 003 VII): every return that was matched to it (file, date, AMO/AMC
claimed, status, paid), its acts as paid against the billed lines, its rejects and warnings with a readable
reason, and what the desk did about it (« Traitement manuel », state changed by hand, correction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.billing import state as invoice_state
from feuille.domain.follow_up import PAID, REJECTED
from feuille.errors import StateError
from feuille.returns import follow_up, reject_codes
from feuille.storage.models import (
    Invoice,
    InvoiceLine,
    NoemieFileRow,
    RejectHandling,
    ReturnAct,
    ReturnInvoice,
    ReturnReject,
)

STATUS_LABELS = {PAID: "payé", REJECTED: "rejeté", "D": "différé", "": "non traité"}
MATCH_LABELS = {"auto": "rapproché automatiquement", "manuel": "rapproché à la main",
                "a_rapprocher": "à rapprocher", "non_rapproche": "non rapproché"}
HANDLING_LABELS = {"traite": "Traitement manuel", "etat_manuel": "État changé à la main",
                   "corrigee": "Corrigée"}


@dataclass(frozen=True)
class RejectView:
    entity_kind: str        # 290 message, 294 reject line
    code: str
    label: str              # as the return wrote it
    reason: str             # readable, French (feuille's own table + the label)
    nature: str             # rejet / avertissement
    level: str
    share: str
    act: str
    care_date: date | None

    def to_json(self) -> dict[str, Any]:
        return {"entite": self.entity_kind, "code": self.code, "libelle": self.label, "raison": self.reason,
                "nature": self.nature, "niveau": self.level, "part": self.share, "acte": self.act,
                "date_soins": self.care_date}


@dataclass(frozen=True)
class ActView:
    line: int
    act_code: str
    quantity: int
    base: Decimal
    rate: int
    reimbursed: Decimal
    billed_amo: Decimal | None      # the matched stored line's AMO amount
    difference: str | None

    def to_json(self) -> dict[str, Any]:
        return {"ligne": self.line, "acte": self.act_code, "quantite": self.quantity, "base": self.base,
                "taux": self.rate, "rembourse": self.reimbursed, "facture_amo": self.billed_amo,
                "difference": self.difference}


@dataclass(frozen=True)
class ReturnView:
    return_id: int
    file_id: int
    source: str
    reference: str
    received_on: date
    integrated_at: datetime
    match: str
    lot_number: str
    amo_claimed: Decimal
    amo_status: str
    amo_paid: Decimal
    amc_claimed: Decimal
    amc_status: str
    amc_paid: Decimal
    acts: list[ActView]
    rejects: list[RejectView]

    @property
    def rejected(self) -> bool:
        return REJECTED in (self.amo_status, self.amc_status) or any(r.entity_kind == "294" for r in self.rejects)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.return_id, "fichier": self.file_id, "source": self.source, "reference": self.reference,
                "recu_le": self.received_on, "integre_le": self.integrated_at, "rapprochement": self.match,
                "rapprochement_libelle": MATCH_LABELS.get(self.match, self.match), "lot": self.lot_number,
                "amo": {"reclame": self.amo_claimed, "etat": self.amo_status,
                        "etat_libelle": STATUS_LABELS.get(self.amo_status, self.amo_status), "paye": self.amo_paid},
                "amc": {"reclame": self.amc_claimed, "etat": self.amc_status,
                        "etat_libelle": STATUS_LABELS.get(self.amc_status, self.amc_status), "paye": self.amc_paid},
                "actes": [a.to_json() for a in self.acts], "rejets": [r.to_json() for r in self.rejects]}


@dataclass(frozen=True)
class HandlingView:
    handling_id: int
    invoice_id: int
    kind: str
    note: str
    state_from: str | None
    state_to: str | None
    amount: Decimal | None
    correction_id: int | None
    done_by: str
    done_at: datetime

    @property
    def label(self) -> str:
        return HANDLING_LABELS.get(self.kind, self.kind)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.handling_id, "facture": self.invoice_id, "nature": self.kind, "libelle": self.label,
                "note": self.note, "etat_avant": self.state_from, "etat_apres": self.state_to,
                "montant": self.amount, "correction": self.correction_id, "par": self.done_by, "le": self.done_at}


def handling_view(row: Any) -> HandlingView:
    return HandlingView(row.id, row.invoice_id, row.kind, row.note, row.state_from, row.state_to, row.amount,
                        row.correction_id, row.done_by, row.done_at)


@dataclass(frozen=True)
class InvoiceDetail:
    line: follow_up.FollowUpLine
    returns: list[ReturnView]
    handlings: list[HandlingView]

    def to_json(self) -> dict[str, Any]:
        return {**self.line.to_json(), "retours": [r.to_json() for r in self.returns],
                "traitements": [h.to_json() for h in self.handlings]}


def rejects_of(session: Session, return_ids: list[int], rejected: dict[int, bool]) -> dict[int, list[RejectView]]:
    """The rejects and warnings of these returns, readable; ``rejected``: per return, whether it rejects a share."""
    found: dict[int, list[RejectView]] = {i: [] for i in return_ids}
    if not return_ids:
        return found
    rr = ReturnReject.__table__
    rows = list(session.execute(select(rr).where(rr.c.return_invoice_id.in_(return_ids)).order_by(rr.c.id)))
    with_294 = {row.return_invoice_id for row in rows if row.entity_kind == "294"}
    for row in rows:
        is_rejected = rejected.get(row.return_invoice_id, False) or row.return_invoice_id in with_294
        found[row.return_invoice_id].append(RejectView(
            row.entity_kind, row.code.strip(), row.label.strip(), reject_codes.readable_reason(row.code, row.label),
            reject_codes.nature_of(row.entity_kind, is_rejected), row.reject_level, row.share, row.act.strip(),
            row.care_date))
    return found


def _acts(session: Session, return_ids: list[int]) -> dict[int, list[ActView]]:
    ra, il = ReturnAct.__table__, InvoiceLine.__table__
    found: dict[int, list[ActView]] = {i: [] for i in return_ids}
    if not return_ids:
        return found
    rows = session.execute(select(ra, il.c.amo.label("billed_amo"))
                           .select_from(ra.outerjoin(il, il.c.id == ra.c.invoice_line_id))
                           .where(ra.c.return_invoice_id.in_(return_ids)).order_by(ra.c.id))
    for row in rows:
        found[row.return_invoice_id].append(ActView(row.line, row.act_code, row.quantity, row.base, row.rate,
                                                    row.reimbursed, row.billed_amo, row.difference))
    return found


def returns_of(session: Session, invoice_id: int) -> list[ReturnView]:
    ri, nf = ReturnInvoice.__table__, NoemieFileRow.__table__
    rows = list(session.execute(
        select(ri, nf.c.source, nf.c.reference, nf.c.created, nf.c.integrated_at)
        .select_from(ri.join(nf, nf.c.id == ri.c.noemie_file_id))
        .where(ri.c.invoice_id == invoice_id).order_by(nf.c.created, ri.c.id)))
    ids = [row.id for row in rows]
    acts = _acts(session, ids)
    rejects = rejects_of(session, ids, {row.id: REJECTED in (row.amo_status, row.amc_status) for row in rows})
    return [ReturnView(row.id, row.noemie_file_id, row.source, row.reference, row.created, row.integrated_at,
                       row.match, row.lot_number, row.amo_claimed, row.amo_status, row.amo_paid, row.amc_claimed,
                       row.amc_status, row.amc_paid, acts[row.id], rejects[row.id]) for row in rows]


def handlings_of(session: Session, invoice_id: int) -> list[HandlingView]:
    rh = RejectHandling.__table__
    rows = session.execute(select(rh).where(or_(rh.c.invoice_id == invoice_id, rh.c.correction_id == invoice_id))
                           .order_by(rh.c.id))
    return [handling_view(row) for row in rows]


def followed(session: Session, ref: object) -> Invoice:
    """The invoice, refused in French when it is not followed (never teletransmitted, deleted, cancelled)."""
    row = invoice_state.load(session, ref)
    if row.state not in follow_up.FOLLOWED:
        raise StateError(f"La facture n° {row.id} n'est pas suivie : elle n'a pas été télétransmise (ou a été "
                         "annulée) ; le suivi ne montre que les factures envoyées.", code="follow_up_not_sent",
                         field="facture")
    return row


def invoice_detail(ctx: Context, ref: object) -> InvoiceDetail:
    """The follow-up line of the invoice with its returns and what was done about it."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        row = followed(session, ref)
        line = follow_up.read_lines(session, [row.id])[0]
        return InvoiceDetail(line, returns_of(session, row.id), handlings_of(session, row.id))


__all__ = ["ActView", "HandlingView", "InvoiceDetail", "RejectView", "ReturnView", "followed", "handling_view",
           "handlings_of", "invoice_detail", "rejects_of", "returns_of"]

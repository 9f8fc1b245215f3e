"""Rejected invoices (manual 003 VII): their list with code and readable reason, « Traitement manuel » (the
problem handled outside feuille, e.g. the PEC number sent again to the mutuelle), and the state changed by hand
once the organism paid outside the flow (« modifier l'état de la facture une fois que l'organisme aura payé »).

Each change is one transaction: the invoice locked first (so two desks queue), the handling row written, the
invoice's state changed through :func:`feuille.billing.state.advance` (the transition table, compare-and-set on
its version, audited), a handling that is already there given back unchanged (idempotent).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.billing import state as invoice_state
from feuille.domain import follow_up as fu
from feuille.domain.fields import clean_text
from feuille.domain.invoices import InvoiceState, transition
from feuille.errors import StateError, ValidationError, quoted
from feuille.money import ZERO, MoneyError, format_amount_fr, parse_amount
from feuille.returns import amounts, follow_up
from feuille.returns.follow_up_detail import HandlingView, RejectView, followed, handling_view, rejects_of
from feuille.returns.pages import ListPage
from feuille.storage.models import Invoice, RejectHandling, ReturnInvoice
from feuille.storage.retry import use_case

NOTE_LENGTH = 500


@dataclass(frozen=True)
class RejectedLine:
    line: follow_up.FollowUpLine
    rejects: list[RejectView]

    @property
    def codes(self) -> str:
        return ", ".join(dict.fromkeys(r.code for r in self.rejects if r.nature == "rejet")) or "—"

    @property
    def reason(self) -> str:
        reasons = [r.reason for r in self.rejects if r.nature == "rejet"]
        return reasons[0] if reasons else "Rejet sans motif dans le retour."

    def to_json(self) -> dict[str, Any]:
        return {**self.line.to_json(), "codes": self.codes, "raison": self.reason,
                "rejets": [r.to_json() for r in self.rejects]}




def _rejects_of_invoices(session: Session, ids: list[int]) -> dict[int, list[RejectView]]:
    ri = ReturnInvoice.__table__
    rows = list(session.execute(select(ri.c.id, ri.c.invoice_id, ri.c.amo_status, ri.c.amc_status)
                                .where(ri.c.invoice_id.in_(ids), ri.c.match.in_(amounts.MATCHED))
                                .order_by(ri.c.id)))
    per_return = rejects_of(session, [r.id for r in rows],
                            {r.id: fu.REJECTED in (r.amo_status, r.amc_status) for r in rows})
    found: dict[int, list[RejectView]] = defaultdict(list)
    for row in rows:
        found[row.invoice_id].extend(per_return[row.id])
    return found


def list_rejects(ctx: Context, filters: follow_up.Filters | None = None, *,
                 unhandled_only: bool = False) -> RejectsPage:
    """The rejected invoices the filters keep (newest first), with their reject codes and readable reasons;
    ``unhandled_only``: without those marked « TRAITÉ » or corrected."""
    require(ctx, Permission.READ)
    f = replace(filters or follow_up.Filters(), states=(fu.FollowUp.REJETE,))
    with ctx.db.read() as session:
        where = follow_up.conditions(session, f)
        if unhandled_only:
            rh = RejectHandling.__table__
            done = select(rh.c.invoice_id).where(rh.c.kind.in_(("traite", "corrigee")))
            where.append(Invoice.__table__.c.id.not_in(done))
        total = follow_up.count(session, where)
        ids = follow_up.page_ids(session, f, where) if total > (f.page - 1) * f.per_page else []
        lines = follow_up.read_lines(session, ids)
        rejects = _rejects_of_invoices(session, ids)
        return RejectsPage([RejectedLine(line, rejects.get(line.invoice_id, [])) for line in lines], total,
                           f.page, f.per_page)


def _note(value: object) -> str:
    note = clean_text(value, "note", "Note", max_length=NOTE_LENGTH, required=True)
    assert note is not None
    return note


def _existing(session: Session, invoice_id: int, kind: str) -> Any:
    rh = RejectHandling.__table__
    return session.execute(select(rh).where(rh.c.invoice_id == invoice_id, rh.c.kind == kind)
                           .order_by(rh.c.id.desc()).limit(1)).first()


def _insert(ctx: Context, session: Session, invoice_id: int, kind: str, note: str, **values: object) -> HandlingView:
    row = RejectHandling(invoice_id=invoice_id, kind=kind, note=note, done_by=ctx.actor.login, done_at=ctx.clock(),
                         **values)
    session.add(row)
    session.flush()
    return handling_view(row)


@use_case
def mark_handled(ctx: Context, ref: object, note: object) -> HandlingView:
    """« Traitement manuel » of a rejected invoice, with a note; a second call gives the first handling back."""
    require(ctx, Permission.INVOICE_DRAFT)
    text = _note(note)
    with ctx.db.transaction() as session:
        row = followed(session, ref)
        row = invoice_state.load(session, row.id, lock=True)
        done = _existing(session, row.id, "traite")
        if done is not None:
            return handling_view(done)
        if row.state != InvoiceState.REJECTED:
            label = fu.LABELS[fu.of_invoice(row.state) or fu.FollowUp.EN_COURS]
            raise StateError(f"La facture n° {row.id} n'est pas rejetée (« {label} ») : seul un rejet se marque "
                             "traité.", code="follow_up_not_rejected", field="facture")
        view = _insert(ctx, session, row.id, "traite", text, state_from=row.state, state_to=row.state)
        # Through the invoice's own audit (with its seal): the handling is a row of the invoice, which the
        # verification compares with the latest seal.
        invoice_state.record(ctx, session, row, "follow_up_handled", {"note": text, "handling_id": view.handling_id})
        return view


def _target(value: object) -> fu.FollowUp:
    state = fu.parse(value) if isinstance(value, str) else None
    if state not in (fu.FollowUp.PAYE, fu.FollowUp.PARTIEL):
        raise ValidationError(f"état : {quoted(value)} : « paye » ou « partiellement-paye » attendu.",
                              code="follow_up_manual_state", field="etat")
    return state


def _amount(value: object, target: fu.FollowUp, expected: Decimal) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        if target is fu.FollowUp.PAYE:
            return expected
        raise ValidationError("montant : obligatoire pour un paiement partiel (ce que l'organisme a payé).",
                              code="follow_up_amount", field="montant")
    try:
        amount = parse_amount(value)
    except MoneyError:
        raise ValidationError(f"montant : {quoted(value)} : montant en euros attendu (ex. 12,50).",
                              code="follow_up_amount", field="montant") from None
    if amount <= ZERO:
        raise ValidationError("montant : un paiement est positif.", code="follow_up_amount", field="montant")
    if target is fu.FollowUp.PARTIEL and amount >= expected:
        raise ValidationError(f"montant : {format_amount_fr(amount)} € n'est pas partiel ({format_amount_fr(expected)}"
                              " € attendus) : choisissez l'état « paye ».", code="follow_up_amount", field="montant")
    return amount


@use_case
def change_state(ctx: Context, ref: object, target: object, note: object, amount: object = None) -> HandlingView:
    """Rejeté → Payé / Partiellement payé by hand, once paid outside the flow (note and amount kept); the same
    change asked again gives the first one back."""
    require(ctx, Permission.INVOICE_DRAFT)
    wanted = _target(target)
    text = _note(note)
    with ctx.db.transaction() as session:
        row = followed(session, ref)
        row = invoice_state.load(session, row.id, lock=True)
        current = fu.of_invoice(row.state)
        done = _existing(session, row.id, "etat_manuel")
        if current is wanted and done is not None and done.state_to == row.state:
            return handling_view(done)
        if row.state != InvoiceState.REJECTED:
            raise StateError(f"La facture n° {row.id} est « {fu.LABELS[current or fu.FollowUp.EN_COURS]} » : seul "
                             "l'état d'une facture rejetée se change à la main.", code="follow_up_not_rejected",
                             field="facture")
        expected = amounts.amounts_for(session, [row.id])[row.id].expected
        paid = _amount(amount, wanted, expected)
        event = fu.EVENTS[wanted]
        assert event is not None
        # The handling row first: the state change's audit entry seals the invoice with it.
        view = _insert(ctx, session, row.id, "etat_manuel", text, state_from=row.state,
                       state_to=transition(row.state, event), amount=paid)
        invoice_state.advance(ctx, session, row, event, data={"manual": True, "note": text, "amount": paid,
                                                              "handling_id": view.handling_id})
        return view


RejectsPage = ListPage[RejectedLine]

__all__ = ["RejectedLine", "RejectsPage", "change_state", "list_rejects", "mark_handled"]

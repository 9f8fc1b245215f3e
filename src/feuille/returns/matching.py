"""Reconciliation (« lettrage », manual 003 VII): what a return says of an invoice matched to the stored invoice,
its act lines to the invoice's lines, and the invoice's follow-up state and its lot's state moved accordingly.

The rules (docs/returns.md, **feuille's own** where the manual is silent):

- a return invoice is the invoice of the payee's professional with that number (9 digits, ``invoices.number``);
- its lot (number and date, 080/102) is checked against the lot that carried the invoice; the insured's NIR
  against the invoice's. NIR different → not matched. NIR equal → matched (a lot that differs is a problem).
  No NIR in the return (a short 100 entity) → matched only when the lot agrees;
- act lines (210) are matched by line number to ``invoice_lines``; a different act code, quantity or AMO amount
  is written in ``return_acts.difference`` in French;
- the follow-up state of each touched invoice is decided by ``domain.follow_up`` from all its matched returns
  and applied in bulk (``billing.state_bulk``: guarded, sealed and audited per invoice);
- a lot moves to « RSP » on its first return and to « Lot acquitté » once all its invoices are paid or rejected.

Rows are plain dicts (``returns.rows``): the same judgement serves rows about to be inserted (automatic
matching while integrating) and rows stored ``a_rapprocher`` (:func:`feuille.returns.reconcile`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, and_, select
from sqlalchemy.orm import Session

from feuille.auth import Context
from feuille.billing import state_bulk
from feuille.domain import follow_up
from feuille.domain.invoices import Event, InvoiceState
from feuille.domain.lots import LotEvent, LotState
from feuille.money import ZERO, format_amount_fr
from feuille.returns.amounts import MATCHED, expected_amc, expected_amo
from feuille.storage.models import Invoice, InvoiceLine, Lot, LotInvoice, ReturnInvoice
from feuille.transmission import lot_state

Row = dict[str, Any]
SETTLED = (InvoiceState.PAID.value, InvoiceState.REJECTED.value)


@dataclass(frozen=True)
class Found:
    """A stored invoice a return may be about, with the lots that carried it (number, date, lot id)."""

    id: int
    number: int
    state: str
    nir: str
    lots: tuple[tuple[str, date, int], ...]


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    entity: int | None = None
    offset: int | None = None
    field: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "entity": self.entity, "offset": self.offset,
                "field": self.field}


@dataclass
class Touched:
    """What a batch of matches changed, to finish once per file: invoices whose state to decide, their lots."""

    invoices: set[int] = field(default_factory=set)
    lots: set[int] = field(default_factory=set)


def number_of(text: str) -> int | None:
    digits = text.strip()
    return int(digits) if digits.isdigit() and 0 < len(digits) <= 9 else None


def find(session: Session, professional_id: int, numbers: Iterable[int]) -> dict[int, Found]:
    """The professional's invoices with these numbers (one query per call: callers pass a batch)."""
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    inv, li, lot = (cast(Table, m.__table__) for m in (Invoice, LotInvoice, Lot))
    query = (select(inv.c.id, inv.c.number, inv.c.state, inv.c.patient_nir, lot.c.number.label("lot_number"),
                    lot.c.lot_date, lot.c.id.label("lot_id"))
             .select_from(inv.outerjoin(li, and_(li.c.invoice_id == inv.c.id, li.c.live.is_(True)))
                          .outerjoin(lot, lot.c.id == li.c.lot_id))
             .where(inv.c.professional_id == professional_id, inv.c.number.in_(wanted)))
    lots: dict[int, list[tuple[str, date, int]]] = defaultdict(list)
    heads: dict[int, Any] = {}
    for row in session.execute(query):
        heads[row.number] = row
        if row.lot_id is not None:
            lots[row.number].append((row.lot_number, row.lot_date, row.lot_id))
    return {number: Found(row.id, number, row.state, (row.patient_nir or "").replace(" ", ""),
                          tuple(lots[number])) for number, row in heads.items()}


def _lot_of(found: Found, row: Row) -> tuple[tuple[str, date, int] | None, str | None]:
    """The lot that carried the invoice under the return's lot number, and what differs (French) if any."""
    if not found.lots:
        return None, "la facture n'a été envoyée dans aucun lot"
    same = [lot for lot in found.lots if number_of(lot[0]) == number_of(row["lot_number"])]
    if not same:
        return found.lots[0], (f"lot n° {row['lot_number'] or '(vide)'} dans le retour, la facture était dans le lot "
                               f"n° {found.lots[0][0]}")
    lot = same[0]
    if row["lot_date"] is not None and row["lot_date"] != lot[1]:
        return lot, (f"lot du {row['lot_date']:%d/%m/%Y} dans le retour, le lot n° {lot[0]} est du "
                     f"{lot[1]:%d/%m/%Y}")
    return lot, None


def judge(row: Row, found: Found | None) -> tuple[int | None, int | None, list[Problem]]:
    """(invoice id or None, lot id, problems) for one return row (module docstring: the rules)."""
    where = {"entity": row["entity"], "offset": row["offset"]}
    number = row["invoice_number"]
    if found is None:
        return None, None, [Problem("facture_inconnue", f"Facture n° {number} inconnue : aucune facture de ce "
                                    "numéro pour ce professionnel, retour gardé non rapproché.", **where,
                                    field="invoice_number")]
    lot, lot_problem = _lot_of(found, row)
    nir = row["nir"]
    if nir and found.nir and nir[:13] != found.nir[:13]:
        return None, None, [Problem("nir_different", f"Facture n° {number} : le NIR du retour ({nir[:13]}) n'est pas "
                                    "celui de la facture : retour gardé non rapproché.", **where, field="nir")]
    if lot_problem is not None:
        if not nir:
            return None, None, [Problem("lot_different", f"Facture n° {number} : {lot_problem} ; sans NIR dans le "
                                        "retour, il est gardé non rapproché.", **where, field="lot_number")]
        return found.id, lot[2] if lot else None, [
            Problem("lot_different", f"Facture n° {number} : {lot_problem} (rapprochée : numéro et NIR concordent).",
                    **where, field="lot_number")]
    return found.id, lot[2] if lot else None, []


# --- act lines ----------------------------------------------------------------------------------------------------

def lines_of(session: Session, invoice_ids: Iterable[int]) -> dict[int, dict[int, Any]]:
    ids = sorted(set(invoice_ids))
    if not ids:
        return {}
    table = cast(Table, InvoiceLine.__table__)
    out: dict[int, dict[int, Any]] = defaultdict(dict)
    query = select(table.c.id, table.c.invoice_id, table.c.line_number, table.c.code, table.c.quantity,
                   table.c.amo).where(table.c.invoice_id.in_(ids))
    for row in session.execute(query):
        out[row.invoice_id][row.line_number] = row
    return out


def match_act(act: Row, lines: dict[int, Any]) -> None:
    """Set ``invoice_line_id`` and ``difference`` of one return act row from the invoice's stored lines."""
    line = lines.get(act["line"])
    if line is None:
        act["invoice_line_id"], act["difference"] = None, f"ligne {act['line']} absente de la facture"
        return
    act["invoice_line_id"] = line.id
    differences = []
    if act["act_code"].strip() != line.code[:3].strip():
        differences.append(f"acte {act['act_code'].strip()} pour {line.code} facturé")
    if act["quantity"] and act["quantity"] != line.quantity:
        differences.append(f"quantité {act['quantity']} pour {line.quantity} facturée")
    if act["reimbursed"] != line.amo:
        differences.append(f"AMO {format_amount_fr(act['reimbursed'])} € pour {format_amount_fr(line.amo)} € "
                           "facturés")
    act["difference"] = ("; ".join(differences))[:200] or None


# --- follow-up states and lots ------------------------------------------------------------------------------------

def _observed(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, follow_up.Observed]]:
    inv, ri = cast(Table, Invoice.__table__), cast(Table, ReturnInvoice.__table__)
    heads = {row.id: row for row in session.execute(
        select(inv.c.id, inv.c.state, expected_amo(inv).label("amo"), expected_amc(inv).label("amc"))
        .where(inv.c.id.in_(ids)))}
    said: dict[int, list[Any]] = defaultdict(list)
    for row in session.execute(select(ri.c.invoice_id, ri.c.amo_claimed, ri.c.amo_status, ri.c.amo_paid,
                                      ri.c.amc_claimed, ri.c.amc_status, ri.c.amc_paid)
                               .where(ri.c.invoice_id.in_(ids), ri.c.match.in_(MATCHED))):
        said[row.invoice_id].append(row)
    out = {}
    for invoice_id, head in heads.items():
        rows = said[invoice_id]
        amc = Decimal(head.amc or ZERO)
        out[invoice_id] = (head.state, follow_up.Observed(
            Decimal(head.amo), amc, sum((Decimal(r.amo_paid) for r in rows), ZERO),
            sum((Decimal(r.amc_paid) for r in rows), ZERO), frozenset(r.amo_status.strip() for r in rows),
            frozenset(r.amc_status.strip() for r in rows if amc != ZERO),
            tuple(Decimal(r.amo_claimed) for r in rows if r.amo_status.strip() or r.amo_claimed),
            tuple(Decimal(r.amc_claimed) for r in rows if amc != ZERO and (r.amc_status.strip() or r.amc_claimed)),
            len(rows)))
    return out


def apply_follow_up(ctx: Context, session: Session, invoice_ids: Iterable[int], file_id: int | None) -> list[Problem]:
    """Decide and apply the follow-up state of these invoices from all their matched returns (bulk, audited)."""
    problems: list[Problem] = []
    ids = sorted(set(invoice_ids))
    for batch in state_bulk.chunks(ids):
        by_event: dict[Event, list[int]] = defaultdict(list)
        reasons: dict[int, str] = {}
        unchanged: list[int] = []   # their returns changed, not their state: sealed all the same
        for invoice_id, (state, observed) in _observed(session, batch).items():
            decision = follow_up.decide(observed, state)
            if decision.state == follow_up.FollowUp.ANOMALIE:
                problems.append(Problem("anomalie", f"Facture (id {invoice_id}) en anomalie : {decision.reason}."))
            if decision.event is None:
                unchanged.append(invoice_id)
                continue
            if follow_up.of_invoice(state) is None:
                problems.append(Problem("etat_facture", f"Facture (id {invoice_id}) « {state} » : son suivi ne "
                                        f"change pas ({follow_up.LABELS[decision.state]} d'après les retours)."))
                unchanged.append(invoice_id)
                continue
            by_event[decision.event].append(invoice_id)
            reasons[invoice_id] = decision.reason
        said = {i: {"raison": reason, "fichier_noemie": file_id} for i, reason in reasons.items()}
        for event, members in sorted(by_event.items()):
            state_bulk.advance_many(ctx, session, members, event, said.__getitem__)
        if unchanged:
            state_bulk.seal_many(ctx, session, sorted(unchanged), "follow_up", lambda _: {"fichier_noemie": file_id})
    return problems


def lots_of(session: Session, invoice_ids: Iterable[int]) -> set[int]:
    ids = sorted(set(invoice_ids))
    found: set[int] = set()
    for batch in state_bulk.chunks(ids):
        found.update(session.scalars(select(LotInvoice.lot_id).where(LotInvoice.invoice_id.in_(batch),
                                                                     LotInvoice.live.is_(True))))
    return found


def advance_lots(ctx: Context, session: Session, lot_ids: Iterable[int], file_id: int | None) -> None:
    """« RSP » on a lot's first return, « Lot acquitté » once all its invoices are paid or rejected. A lot still
    waiting for its ARL is left as it is (its ARL comes later; the invoices' states do not wait for it)."""
    li, inv = cast(Table, LotInvoice.__table__), cast(Table, Invoice.__table__)
    for lot_id in sorted(set(lot_ids)):
        lot = lot_state.load(session, lot_id, lock=True)
        data = {"fichier_noemie": file_id}
        if lot.state == LotState.ARL_POSITIF.value:
            lot_state.advance(ctx, session, lot, LotEvent.RETURN, data=data)
        if lot.state != LotState.RSP.value:
            continue
        open_ = session.scalar(select(inv.c.id).select_from(li.join(inv, inv.c.id == li.c.invoice_id))
                               .where(li.c.lot_id == lot_id, li.c.live.is_(True), inv.c.state.not_in(SETTLED))
                               .limit(1))
        if open_ is None:
            lot_state.advance(ctx, session, lot, LotEvent.SETTLE, data=data)

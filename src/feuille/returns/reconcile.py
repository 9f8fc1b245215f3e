"""Reconciliation after the integration: the returns left ``a_rapprocher`` (automatic matching off, manual 003 XI A
« Lettrage auto. ») matched by :func:`reconcile_pending` (``feuille noemie rapprocher``), and one return matched
by hand to an invoice with :func:`match_return` (the follow-up screens wrap it).

Both use the same step as the integration (``returns.matching``): the row's ``invoice_id`` and ``match`` set with
compare-and-set on its previous ``match``, its act lines matched, the invoice's follow-up state and its lot moved,
audited in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.domain import follow_up
from feuille.errors import ConflictError, NotFoundError, StateError, ValidationError
from feuille.returns import matching
from feuille.returns.amounts import Amounts, amounts_for
from feuille.returns.matching import Problem
from feuille.returns.walk import set_match, table
from feuille.storage.models import Invoice, NoemieFileRow, ReturnAct, ReturnInvoice, TransferRow
from feuille.storage.retry import use_case

BATCH = 1000
OPEN = ("a_rapprocher", "non_rapproche")


@dataclass(frozen=True)
class ReconcileReport:
    examined: int
    matched: int
    unmatched: int
    problems: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        return {"examines": self.examined, "rapproches": self.matched, "non_rapproches": self.unmatched,
                "problemes": list(self.problems)}


@dataclass(frozen=True)
class MatchView:
    return_invoice_id: int
    invoice_id: int
    invoice_number: int | None
    state: str                  # the invoice's state after the match
    follow_up: str              # its follow-up label (En cours, Payé…)
    amounts: Amounts

    def to_json(self) -> dict[str, Any]:
        a = self.amounts
        return {"retour": self.return_invoice_id, "facture": self.invoice_id, "numero": self.invoice_number,
                "etat": self.state, "suivi": self.follow_up,
                "attendu_amo": f"{a.expected_amo:.2f}", "attendu_amc": f"{a.expected_amc:.2f}",
                "paye_amo": f"{a.paid_amo:.2f}", "paye_amc": f"{a.paid_amc:.2f}", "reste": f"{a.remaining:.2f}"}


_COLUMNS = ("id", "noemie_file_id", "invoice_number", "lot_number", "lot_date", "nir", "entity", "offset", "match")


def _pending(session: Session, after: int) -> list[dict[str, Any]]:
    ri, tr = table(ReturnInvoice), table(TransferRow)
    query = (select(*(ri.c[name] for name in _COLUMNS), tr.c.professional_id)
             .select_from(ri.outerjoin(tr, tr.c.id == ri.c.transfer_id))
             .where(ri.c.match == "a_rapprocher", ri.c.id > after).order_by(ri.c.id).limit(BATCH))
    return [dict(row._mapping) for row in session.execute(query)]


def _save(ctx: Context, session: Session, batch: list[dict[str, Any]]) -> None:
    """Write the matches of ``batch`` (compare-and-set on the previous ``match``), their acts' line match."""
    ri = table(ReturnInvoice)
    done = session.execute(update(ri).where(ri.c.id == bindparam("rid"), ri.c.match == bindparam("was"))
                           .values(invoice_id=bindparam("iid"), match=bindparam("now"),
                                   matched_by=bindparam("by"), matched_at=bindparam("at"))
                           .execution_options(synchronize_session=False),
                           [{"rid": r["id"], "was": r["was"], "iid": r["invoice_id"], "now": r["match"],
                             "by": r["matched_by"], "at": r["matched_at"]} for r in batch])
    if done.rowcount not in (-1, len(batch)):  # type: ignore[attr-defined]
        raise ConflictError("Des retours ont été rapprochés entre-temps par un autre poste : recommencez.",
                            code="retour_deja_rapproche", field="retour")
    matched = {r["id"]: r["invoice_id"] for r in batch if r["invoice_id"] is not None}
    if not matched:
        return
    acts, lines = table(ReturnAct), matching.lines_of(session, matched.values())
    rows = [dict(row._mapping) for row in session.execute(select(acts).where(acts.c.return_invoice_id.in_(matched)))]
    for act in rows:
        matching.match_act(act, lines.get(matched[act["return_invoice_id"]], {}))
    if rows:
        session.execute(update(acts).where(acts.c.id == bindparam("aid"))
                        .values(invoice_line_id=bindparam("lid"), difference=bindparam("diff"))
                        .execution_options(synchronize_session=False),
                        [{"aid": a["id"], "lid": a["invoice_line_id"], "diff": a["difference"]} for a in rows])


def _recount(session: Session, file_ids: set[int]) -> None:
    ri, files = table(ReturnInvoice), table(NoemieFileRow)
    for file_id in sorted(file_ids):
        count = session.scalar(select(func.count()).select_from(ri).where(ri.c.noemie_file_id == file_id,
                                                                          ri.c.invoice_id.is_(None)))
        session.execute(update(files).where(files.c.id == file_id).values(unmatched=count or 0))


@use_case
def _reconcile_batch(ctx: Context, after: int) -> tuple[int, int, int, list[Problem]]:
    """(last id, matched, unmatched, problems) of one batch, in one transaction; last id 0 when none is left."""
    with ctx.db.transaction() as session:
        batch = _pending(session, after)
        if not batch:
            return 0, 0, 0, []
        problems: list[Problem] = []
        lots: set[int] = set()
        by_professional: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
        for row in batch:
            row["was"] = row["match"]
            by_professional[row["professional_id"]].append(row)
        now = ctx.clock()
        for professional, members in by_professional.items():
            numbers = [n for r in members if (n := matching.number_of(r["invoice_number"])) is not None]
            found = matching.find(session, professional, numbers) if professional is not None else {}
            for row in members:
                number = matching.number_of(row["invoice_number"])
                invoice_id, lot_id, said = matching.judge(row, found.get(number) if number else None)
                problems += said
                set_match(row, invoice_id, "auto", "rapprochement", now)
                if lot_id is not None:
                    lots.add(lot_id)
        _save(ctx, session, batch)
        touched = {r["invoice_id"] for r in batch if r["invoice_id"] is not None}
        problems += matching.apply_follow_up(ctx, session, touched, None)
        matching.advance_lots(ctx, session, lots, None)
        _recount(session, {r["noemie_file_id"] for r in batch})
        audit.record(session, actor=ctx.actor.login, at=now, action="noemie.reconcile", entity="return_invoices",
                     entity_id=f"{batch[0]['id']}-{batch[-1]['id']}",
                     data={"rapproches": len(touched), "non_rapproches": len(batch) - len(touched)})
        matched = sum(1 for r in batch if r["invoice_id"] is not None)
        return batch[-1]["id"], matched, len(batch) - matched, problems


def reconcile_pending(ctx: Context) -> ReconcileReport:
    """Match every return left ``a_rapprocher``, a thousand per transaction (``feuille noemie rapprocher``)."""
    require(ctx, Permission.INVOICE_DRAFT)
    after, matched, unmatched = 0, 0, 0
    problems: list[dict[str, Any]] = []
    while True:
        last, m, u, said = _reconcile_batch(ctx, after)
        if last == 0:
            break
        after, matched, unmatched = last, matched + m, unmatched + u
        problems += [p.to_json() for p in said][: max(0, 1000 - len(problems))]
    return ReconcileReport(matched + unmatched, matched, unmatched, tuple(problems))


def _ref(value: object, what: str, field: str) -> int:
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not text.isdigit() or len(text) > 12 or int(text) == 0:
        raise ValidationError(f"{what} : un numéro interne est attendu (ex. 12).", code="retour_id", field=field)
    return int(text)


@use_case
def match_return(ctx: Context, return_invoice_id: object, invoice_id: object) -> MatchView:
    """Match one return (``a_rapprocher`` or ``non_rapproche``) to an invoice by hand; the invoice's follow-up state
    and its lot follow. Matching it again to the same invoice changes nothing."""
    require(ctx, Permission.INVOICE_DRAFT)
    rid, iid = _ref(return_invoice_id, "Retour", "retour"), _ref(invoice_id, "Facture", "facture")
    with ctx.db.transaction() as session:
        ret = session.scalar(select(ReturnInvoice).where(ReturnInvoice.id == rid).with_for_update())
        if ret is None:
            raise NotFoundError(f"Retour n° {rid} introuvable (voir feuille noemie fichier N).",
                                code="retour_introuvable", field="retour")
        invoice = session.get(Invoice, iid)
        if invoice is None:
            raise NotFoundError(f"Facture n° {iid} introuvable.", code="invoice_not_found", field="facture")
        if ret.match not in OPEN:
            if ret.invoice_id == iid:
                return _view(session, rid, invoice)
            raise ConflictError(f"Retour n° {rid} déjà rapproché de la facture n° {ret.invoice_id}.",
                                code="retour_deja_rapproche", field="retour")
        transfer = session.get(TransferRow, ret.transfer_id) if ret.transfer_id else None
        if transfer is not None and transfer.professional_id not in (None, invoice.professional_id):
            raise ValidationError(f"Facture n° {iid} : elle n'est pas du professionnel payé par ce retour.",
                                  code="retour_autre_professionnel", field="facture")
        if follow_up.of_invoice(invoice.state) is None:
            raise StateError(f"Facture n° {iid} « {invoice.state} » : seule une facture envoyée se rapproche d'un "
                             "retour.", code="retour_etat_facture", field="facture")
        row = {"id": rid, "was": ret.match, "invoice_id": iid}
        set_match(row, iid, "manuel", ctx.actor.login, ctx.clock())
        _save(ctx, session, [row])
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="noemie.match", entity="return_invoice",
                     entity_id=str(rid), data={"facture": iid, "avant": ret.match})
        matching.apply_follow_up(ctx, session, [iid], ret.noemie_file_id)
        matching.advance_lots(ctx, session, matching.lots_of(session, [iid]), ret.noemie_file_id)
        _recount(session, {ret.noemie_file_id})
        session.refresh(invoice)
        return _view(session, rid, invoice)


def _view(session: Session, rid: int, invoice: Invoice) -> MatchView:
    amounts = amounts_for(session, [invoice.id])[invoice.id]
    label = follow_up.of_invoice(invoice.state)
    return MatchView(rid, invoice.id, invoice.number, invoice.state,
                     follow_up.LABELS[label] if label else invoice.state, amounts)

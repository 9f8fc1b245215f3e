"""Manual matching (« lettrage manuel », manual 003 VII): the returns matched to no invoice, one matched to an
invoice by hand, a match made by hand undone.

Matching wraps :func:`feuille.returns.reconcile.match_return` (the integration's own matching step: acts, the
invoice's follow-up state, its lot, the audit). Undoing is here: the return row goes back to « non rapproché »
(compare-and-set on its ``match``), its acts lose their line, the invoice's state is decided again from the
returns left (``returns.matching.apply_follow_up``), or, when none is left, taken back to « En cours » by the
``unmatch`` transition; audited in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.billing import state as invoice_state
from feuille.domain import follow_up as fu
from feuille.domain.identifiers import record_id
from feuille.domain.invoices import Event
from feuille.errors import ConflictError, NotFoundError, StateError, ValidationError
from feuille.returns import amounts, matching, reconcile
from feuille.returns.follow_up import client_name
from feuille.returns.pages import ListPage
from feuille.returns.walk import table
from feuille.storage.models import Invoice, NoemieFileRow, ReturnAct, ReturnInvoice
from feuille.storage.retry import use_case

OPEN = reconcile.OPEN
MATCH_LABELS = {"a_rapprocher": "à rapprocher", "non_rapproche": "non rapproché"}


@dataclass(frozen=True)
class UnmatchedReturn:
    return_id: int
    match: str
    file_id: int
    source: str
    received_on: date
    invoice_number: str
    lot_number: str
    invoice_date: date | None
    nir: str
    patient: str
    amo_claimed: Decimal
    amo_status: str
    amo_paid: Decimal
    amc_claimed: Decimal
    amc_paid: Decimal

    @property
    def match_label(self) -> str:
        return MATCH_LABELS.get(self.match, self.match)

    @property
    def paid(self) -> Decimal:
        return self.amo_paid + self.amc_paid

    def to_json(self) -> dict[str, Any]:
        return {"retour": self.return_id, "rapprochement": self.match, "rapprochement_libelle": self.match_label,
                "fichier": self.file_id, "source": self.source, "recu_le": self.received_on,
                "numero_facture": self.invoice_number, "lot": self.lot_number, "date_facture": self.invoice_date,
                "nir": self.nir, "patient": self.patient, "amo_reclame": self.amo_claimed,
                "amo_etat": self.amo_status, "amo_paye": self.amo_paid, "amc_reclame": self.amc_claimed,
                "amc_paye": self.amc_paid, "paye": self.paid}




def list_unmatched(ctx: Context, page: int = 1, per_page: int = 50) -> UnmatchedPage:
    """The returns matched to no invoice (« non rapproché », « à rapprocher »), newest file first."""
    require(ctx, Permission.READ)
    ri, nf = ReturnInvoice.__table__, NoemieFileRow.__table__
    where = ri.c.match.in_(OPEN)
    with ctx.db.read() as session:
        total = session.scalar(select(func.count()).select_from(ri).where(where)) or 0
        rows = session.execute(select(ri, nf.c.source, nf.c.created)
                               .select_from(ri.join(nf, nf.c.id == ri.c.noemie_file_id)).where(where)
                               .order_by(nf.c.created.desc(), ri.c.id.desc())
                               .limit(per_page).offset((page - 1) * per_page))
        lines = [UnmatchedReturn(r.id, r.match, r.noemie_file_id, r.source, r.created, r.invoice_number.lstrip("0"),
                                 r.lot_number, r.invoice_date, r.nir, client_name(r.patient_name, None),
                                 r.amo_claimed, r.amo_status, r.amo_paid, r.amc_claimed, r.amc_paid)
                 for r in rows]
        return UnmatchedPage(lines, int(total), page, per_page)


def _return_id(value: object) -> int:
    try:
        return record_id(value, "retour", "Retour")
    except ValidationError as refused:
        raise ValidationError(refused.message, code="retour_id", field="retour") from None


def match(ctx: Context, return_id: object, invoice: object) -> reconcile.MatchView:
    """Match a return to an invoice by hand (refused in French when the invoice is not teletransmitted, belongs
    to another professional, or that return is matched already)."""
    rid = _return_id(return_id)
    iid = invoice_state.invoice_id(invoice)
    with ctx.db.read() as session:
        ret = session.get(ReturnInvoice, rid)
        if ret is not None and ret.match not in OPEN:
            target = "cette facture" if ret.invoice_id == iid else f"la facture n° interne {ret.invoice_id}"
            raise ConflictError(f"Retour n° {rid} déjà rapproché de {target} : rien n'a changé (« feuille suivi "
                                f"dissocier {rid} » défait un rapprochement manuel).",
                                code="retour_deja_rapproche", field="retour")
    return reconcile.match_return(ctx, rid, iid)


@dataclass(frozen=True)
class Unmatched:
    return_id: int
    invoice_id: int
    state: str
    follow_up: str

    def to_json(self) -> dict[str, Any]:
        return {"retour": self.return_id, "facture": self.invoice_id, "etat": self.state, "suivi": self.follow_up}


def _recount(session: Session, file_id: int) -> None:
    ri, nf = table(ReturnInvoice), table(NoemieFileRow)
    left = session.scalar(select(func.count()).select_from(ri).where(ri.c.noemie_file_id == file_id,
                                                                     ri.c.invoice_id.is_(None)))
    session.execute(update(nf).where(nf.c.id == file_id).values(unmatched=left or 0))


@use_case
def unmatch(ctx: Context, return_id: object) -> Unmatched:
    """Undo a match made by hand (module docstring); an automatic match is refused (the file said so)."""
    require(ctx, Permission.INVOICE_DRAFT)
    rid = _return_id(return_id)
    ri, ra = table(ReturnInvoice), table(ReturnAct)
    with ctx.db.transaction() as session:
        ret = session.scalar(select(ReturnInvoice).where(ReturnInvoice.id == rid).with_for_update())
        if ret is None:
            raise NotFoundError(f"Retour n° {rid} introuvable (voir feuille suivi non-rapproches).",
                                code="retour_introuvable", field="retour")
        if ret.match != "manuel" or ret.invoice_id is None:
            how = "automatiquement" if ret.match == "auto" else "à aucune facture"
            raise StateError(f"Retour n° {rid} rapproché {how} : seul un rapprochement manuel se défait.",
                             code="retour_pas_manuel", field="retour")
        invoice_id, file_id = ret.invoice_id, ret.noemie_file_id
        row = invoice_state.load(session, invoice_id, lock=True)
        done = session.execute(update(ri).where(ri.c.id == rid, ri.c.match == "manuel")
                               .values(invoice_id=None, match="non_rapproche", matched_by=None, matched_at=None)
                               .execution_options(synchronize_session=False))
        if done.rowcount == 0:  # type: ignore[attr-defined]
            raise ConflictError(f"Retour n° {rid} changé entre-temps par un autre poste : recommencez.",
                                code="retour_deja_rapproche", field="retour")
        session.execute(update(ra).where(ra.c.return_invoice_id == rid).values(invoice_line_id=None, difference=None)
                        .execution_options(synchronize_session=False))
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="noemie.unmatch",
                     entity="return_invoice", entity_id=str(rid), data={"facture": invoice_id})
        left = amounts.amounts_for(session, [invoice_id])[invoice_id].returns
        if left == 0 and fu.of_invoice(row.state) not in (None, fu.FollowUp.EN_COURS):
            invoice_state.advance(ctx, session, row, Event.UNMATCH, data={"retour": rid})
        else:  # seals the invoice without the return (its state changed or not)
            matching.apply_follow_up(ctx, session, [invoice_id], file_id)
        _recount(session, file_id)
        state = session.scalar(select(Invoice.state).where(Invoice.id == invoice_id)) or row.state
        label = fu.of_invoice(state)
        return Unmatched(rid, invoice_id, state, fu.LABELS[label] if label else state)


UnmatchedPage = ListPage[UnmatchedReturn]

__all__ = ["Unmatched", "UnmatchedPage", "UnmatchedReturn", "list_unmatched", "match", "unmatch"]

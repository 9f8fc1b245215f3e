"""Correcting a rejected invoice (DOMAIN.md: « a corrected invoice after a reject carries a new number »).

The correction is a NEW invoice: a draft (« brouillon », no number) copying the rejected one's typed document,
its priced lines and its prescription's photo, linked to it by a ``reject_handlings`` row of kind ``corrigee``
(``correction_id``). The desk then edits, prices and secures it with the usual commands (``feuille facture
modifier / controler / securiser``): its number is drawn at its signature like any invoice's
(:mod:`feuille.billing.numbering`), and once secured it is sendable and goes into a new lot
(:mod:`feuille.transmission.lotting`). The rejected invoice stays as it is (« Rejeté », « corrigée par n° X »).

A second correction of the same invoice is refused while the first is alive (not deleted nor cancelled); one
transaction, the rejected invoice locked first, both invoices audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.billing import lines
from feuille.billing import state as invoice_state
from feuille.domain.invoices import InvoiceState
from feuille.errors import ConflictError, StateError
from feuille.returns.follow_up import GONE
from feuille.returns.follow_up_detail import followed
from feuille.storage.models import Invoice, InvoiceAttachment, RejectHandling
from feuille.storage.retry import use_case

PRESCRIPTION = "ordonnance"


@dataclass(frozen=True)
class Correction:
    original_id: int
    original_number: int | None
    draft_id: int
    handling_id: int

    @property
    def next_steps(self) -> list[str]:
        return [f"feuille facture afficher {self.draft_id}",
                f"feuille facture modifier {self.draft_id} FICHIER   (corriger ce qui a été rejeté)",
                f"feuille facture controler {self.draft_id}",
                f"feuille facture securiser {self.draft_id}",
                "feuille teletransmission auto   (mise en lot et envoi : la correction part dans un nouveau lot)"]

    def to_json(self) -> dict[str, Any]:
        return {"facture_rejetee": self.original_id, "numero_rejete": self.original_number,
                "correction": self.draft_id, "traitement": self.handling_id, "etapes": self.next_steps}


def alive_correction(session: Session, invoice_id: int) -> int | None:
    """The correction of this invoice that is still alive (not deleted nor cancelled), if any."""
    rh, inv = RejectHandling.__table__, Invoice.__table__
    return session.scalar(select(rh.c.correction_id).select_from(rh.join(inv, inv.c.id == rh.c.correction_id))
                          .where(rh.c.invoice_id == invoice_id, rh.c.kind == "corrigee", inv.c.state.not_in(GONE))
                          .limit(1))


def _copy(ctx: Context, session: Session, row: Invoice) -> Invoice:
    now = ctx.clock()
    draft = Invoice(
        professional_id=row.professional_id, performer_id=row.performer_id, patient_id=row.patient_id,
        billing_number=row.billing_number, patient_nir=row.patient_nir, patient_rank=row.patient_rank, number=None,
        state=InvoiceState.DRAFT.value, version=1, invoice_date=row.invoice_date, nature=row.nature,
        document=row.document, priced=row.priced, total=row.total, amo=row.amo, amc=row.amc,
        patient_part=row.patient_part, due_by_patient=row.due_by_patient, rate_checked=False, rate_hash=None,
        secure_mode=None, paper_sent=False, credit_of=None, created_by=ctx.actor.login, created_at=now,
        updated_at=now)
    session.add(draft)
    session.flush()
    lines.write(session, draft.id, lines.read(session, row.id), new=True)
    # the prescription's photo goes with the document that refers to it (the care sheet of a degraded invoice
    # does not: it carries the rejected invoice's number)
    for attachment in session.scalars(select(InvoiceAttachment).where(InvoiceAttachment.invoice_id == row.id,
                                                                      InvoiceAttachment.kind == PRESCRIPTION)):
        session.add(InvoiceAttachment(invoice_id=draft.id, kind=attachment.kind, filename=attachment.filename,
                                      media_type=attachment.media_type, content=attachment.content,
                                      sha256=attachment.sha256, at=now))
    session.flush()
    return draft


@use_case
def correct(ctx: Context, ref: object) -> Correction:
    """A new draft correcting the rejected invoice ``ref``, linked to it (module docstring)."""
    require(ctx, Permission.INVOICE_DRAFT)
    with ctx.db.transaction() as session:
        row = invoice_state.load(session, followed(session, ref).id, lock=True)
        if row.state != InvoiceState.REJECTED:
            raise StateError(f"La facture n° {row.id} n'est pas rejetée : seule une facture rejetée se corrige par "
                             "une nouvelle facture (une facture signée s'annule par un avoir).",
                             code="follow_up_not_rejected", field="facture")
        existing = alive_correction(session, row.id)
        if existing is not None:
            raise ConflictError(f"La facture n° {row.id} a déjà une correction en cours (facture n° interne "
                                f"{existing}) : reprenez-la, ou supprimez-la avant d'en créer une autre.",
                                code="correction_exists", field="facture")
        draft = _copy(ctx, session, row)
        handling = RejectHandling(invoice_id=row.id, kind="corrigee", note=f"corrigée par la facture n° interne "
                                  f"{draft.id}", state_from=row.state, state_to=row.state, correction_id=draft.id,
                                  done_by=ctx.actor.login, done_at=ctx.clock())
        session.add(handling)
        session.flush()
        invoice_state.record(ctx, session, draft, "create", {"patient_id": draft.patient_id, "professional_id":
                                                             draft.professional_id, "total": draft.total,
                                                             "corrects": row.id})
        # The rejected invoice's own audit, with its seal: the handling naming the correction is one of its rows.
        invoice_state.record(ctx, session, row, "follow_up_corrected", {"correction_id": draft.id,
                                                                          "handling_id": handling.id})
        return Correction(row.id, row.number, draft.id, handling.id)


__all__ = ["Correction", "alive_correction", "correct"]

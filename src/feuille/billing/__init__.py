"""Billing use cases: draft, check rates, secure (four modes), sign, number, pay, cancel, delete before sending.

Owns the invoice state machine (its table is in ``feuille.domain.invoices``; ``docs/invoices.md`` draws it).
Importing the package registers the professional deletion blocker « factures en attente ».
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from feuille.domain.invoices import InvoiceState
from feuille.practice import professionals
from feuille.storage.models import Invoice, Professional

SETTLED = (InvoiceState.PAID.value, InvoiceState.CANCELLED.value, InvoiceState.DELETED.value)


def _pending_invoices(session: Session, pro: Professional) -> str | None:
    mine = or_(Invoice.professional_id == pro.id, Invoice.performer_id == pro.id)
    pending = session.scalar(select(func.count()).select_from(Invoice).where(mine, Invoice.state.not_in(SETTLED)))
    if pending:
        return f"{pending} facture(s) en attente (non payées ou non annulées) pour ce professionnel."
    if session.scalar(select(Invoice.id).where(mine).limit(1)) is not None:
        return "des factures de ce professionnel sont conservées : il ne peut pas être supprimé."
    return None


professionals.register_deletion_blocker("factures en attente", _pending_invoices)

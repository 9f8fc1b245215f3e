"""The guards billing puts on other areas, installed by the application at start-up (:func:`install_guards`).

A professional with pending invoices (not paid, not cancelled) cannot be deleted: « factures en attente ».
Installing is explicit (the CLI's context, the tests' fixtures) rather than a side effect of an import.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from feuille.domain.invoices import InvoiceState
from feuille.practice import professionals
from feuille.storage.models import Invoice, Professional

SETTLED = (InvoiceState.PAID.value, InvoiceState.CANCELLED.value, InvoiceState.DELETED.value)
PENDING_INVOICES = "factures en attente"


def _pending_invoices(session: Session, pro: Professional) -> str | None:
    mine = or_(Invoice.professional_id == pro.id, Invoice.performer_id == pro.id)
    pending = session.scalar(select(func.count()).select_from(Invoice).where(mine, Invoice.state.not_in(SETTLED)))
    if pending:
        return f"{pending} facture(s) en attente (non payées ou non annulées) pour ce professionnel."
    if session.scalar(select(Invoice.id).where(mine).limit(1)) is not None:
        return "des factures de ce professionnel sont conservées : il ne peut pas être supprimé."
    return None


def install_guards() -> None:
    """Register billing's deletion blocker (idempotent: the registry is keyed by name)."""
    professionals.register_deletion_blocker(PENDING_INVOICES, _pending_invoices)

"""Invoice numbers: one counter per professional, drawn at the first signature, never reused."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from feuille.errors import ConflictError
from feuille.storage.models import Invoice, InvoiceNumberCounter, InvoicePreparation

T = TypeVar("T")
NUMBER_ATTEMPTS = 5


def draw_number(session: Session, professional_id: int) -> int:
    """The next number of this professional: counter row locked FOR UPDATE, never below a number in use or drawn
    by a signing (even one released: that number stays recorded as unused)."""
    counter = session.scalar(select(InvoiceNumberCounter)
                             .where(InvoiceNumberCounter.professional_id == professional_id).with_for_update())
    highest = max(session.scalar(select(func.max(Invoice.number)).where(Invoice.professional_id == professional_id))
                  or 0,
                  session.scalar(select(func.max(InvoicePreparation.drawn_number))
                                 .where(InvoicePreparation.professional_id == professional_id)) or 0)
    if counter is None:
        counter = InvoiceNumberCounter(professional_id=professional_id, last_number=0)
        session.add(counter)
    number = max(counter.last_number, highest or 0) + 1
    counter.last_number = number
    session.flush()
    return number


def with_number_retry(work: Callable[[], T]) -> T:
    """Run ``work`` (one transaction drawing a number) again when a concurrent desk took the same number."""
    for attempt in range(NUMBER_ATTEMPTS):
        try:
            return work()
        except (IntegrityError, OperationalError) as exc:
            if isinstance(exc, OperationalError) and not _sqlite_busy(exc):
                raise
            if attempt == NUMBER_ATTEMPTS - 1:
                raise ConflictError("Impossible d'attribuer un numéro de facture unique (postes concurrents) ; "
                                    "recommencez.", code="invoice_number", field="number") from None
    raise AssertionError("unreachable")  # pragma: no cover


def _sqlite_busy(exc: OperationalError) -> bool:
    """SQLite refuses a read-then-write transaction overtaken by another writer: safe to run again."""
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text

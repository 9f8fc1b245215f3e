"""Invoice numbers: one counter per professional, drawn at the first signature, never reused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import ScalarSelect, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from feuille.errors import ConflictError
from feuille.storage.models import Invoice, InvoiceNumberCounter, InvoicePreparation

T = TypeVar("T")
NUMBER_ATTEMPTS = 5


def _highest(professional_id: int) -> tuple[ScalarSelect[Any], ScalarSelect[Any]]:
    """The highest number of this professional in use, and drawn by a signing (even one released)."""
    return (select(func.max(Invoice.number)).where(Invoice.professional_id == professional_id).scalar_subquery(),
            select(func.max(InvoicePreparation.drawn_number))
            .where(InvoicePreparation.professional_id == professional_id).scalar_subquery())


def draw_number(session: Session, professional_id: int) -> int:
    """The next number of this professional: counter row locked FOR UPDATE, never below a number in use or drawn
    by a signing (even one released: that number stays recorded as unused). One statement reads the three."""
    in_use, drawn = _highest(professional_id)
    found = session.execute(select(InvoiceNumberCounter.last_number, in_use, drawn)
                            .where(InvoiceNumberCounter.professional_id == professional_id)
                            .with_for_update(of=InvoiceNumberCounter)).first()
    if found is None:
        highest = session.execute(select(in_use, drawn)).one()
        number = int(max(highest[0] or 0, highest[1] or 0)) + 1
        session.add(InvoiceNumberCounter(professional_id=professional_id, last_number=number))
        session.flush()
        return number
    number = int(max(found[0], found[1] or 0, found[2] or 0)) + 1
    session.execute(update(InvoiceNumberCounter).where(InvoiceNumberCounter.professional_id == professional_id)
                    .values(last_number=number).execution_options(synchronize_session=False))
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

"""Invoice numbers: one counter per professional, drawn at the first signature, never reused."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import BindParameter, Select, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from feuille.errors import ConflictError
from feuille.storage.models import Invoice, InvoiceNumberCounter, InvoicePreparation

T = TypeVar("T")
NUMBER_ATTEMPTS = 5


@functools.cache
def _statements() -> tuple[Select[int, int | None, int | None], Select[int | None, int | None]]:
    """The counter row (locked) with the highest number in use and drawn by a signing (even one released), and
    the same two without a counter: built once (building costs more than running them)."""
    pro: BindParameter[int] = bindparam("professional_id")
    in_use = select(func.max(Invoice.number)).where(Invoice.professional_id == pro).scalar_subquery()
    drawn = (select(func.max(InvoicePreparation.drawn_number)).where(InvoicePreparation.professional_id == pro)
             .scalar_subquery())
    counter = (select(InvoiceNumberCounter.last_number, in_use, drawn)
               .where(InvoiceNumberCounter.professional_id == pro).with_for_update(of=InvoiceNumberCounter))
    return counter, select(in_use, drawn)


def draw_number(session: Session, professional_id: int) -> int:
    """The next number of this professional: counter row locked FOR UPDATE, never below a number in use or drawn
    by a signing (even one released: that number stays recorded as unused). One statement reads the three."""
    counter, highest = _statements()
    params = {"professional_id": professional_id}
    found = session.execute(counter, params).first()
    if found is None:
        in_use, drawn = session.execute(highest, params).one()
        number = max(in_use or 0, drawn or 0) + 1
        session.add(InvoiceNumberCounter(professional_id=professional_id, last_number=number))
        session.flush()
        return number
    number = max(found[0], found[1] or 0, found[2] or 0) + 1
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

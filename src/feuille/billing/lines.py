"""An invoice's priced lines as rows (``invoice_lines``): typed, written whenever the invoice is priced.

The engine's :class:`~feuille.pricing.model.PricedLine` says what was priced; the typed act it came from (its
first act when identical acts are grouped) gives the coefficient, the unit price typed, the CCAM codes. The rows
are written in the transaction that writes the invoice's ``priced`` JSON (draft, edit, rate check, credit note);
views read them. The ``priced`` JSON stays as it was signed: the signature covers the invoice row.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from feuille.money import format_amount
from feuille.pricing.model import Act, PricedLine
from feuille.storage.models import InvoiceLine

TABLE = InvoiceLine.__tablename__
ROW_FIELDS = ("line_number", "act_index", "code", "care_date", "coefficient", "quantity", "unit_price", "base",
              "rate", "exoneration", "modifiers", "association", "qualifier", "activity", "phase", "total", "amo",
              "amc", "patient", "participation")


class Line(BaseModel):
    """One priced line, typed (the stored form of an invoice's ``lines``)."""

    model_config = ConfigDict(frozen=True)

    line_number: int
    act_index: int | None
    code: str
    care_date: date
    coefficient: Decimal | None
    quantity: int
    unit_price: Decimal | None
    base: Decimal
    rate: int
    exoneration: str | None
    modifiers: str | None = None
    association: str | None = None
    qualifier: str | None = None
    activity: str | None = None
    phase: str | None = None
    total: Decimal
    amo: Decimal
    amc: Decimal
    patient: Decimal
    participation: Decimal | None = None

    def to_json(self) -> dict[str, Any]:
        """The line as the views and the pricing contract show it (same keys, same order as ``priced``)."""
        out: dict[str, Any] = {"code": self.code, "total": format_amount(self.total), "base": format_amount(self.base),
                               "rate": self.rate, "amo": format_amount(self.amo), "amc": format_amount(self.amc),
                               "patient": format_amount(self.patient)}
        if self.participation is not None:
            out.update(exoneration=self.exoneration, participation=format_amount(self.participation))
        out.update(date=self.care_date.isoformat(), quantity=self.quantity, exoneration=self.exoneration)
        return out

    def negated(self) -> Line:
        """The line of a credit note: every part the other way (as its ``priced`` JSON: the participation left
        on the line is a fact of the line, not an amount paid)."""
        return self.model_copy(update={"base": -self.base, "total": -self.total, "amo": -self.amo,
                                       "amc": -self.amc, "patient": -self.patient})


def from_engine(priced: Iterable[PricedLine], acts: tuple[Act, ...]) -> list[Line]:
    """The typed lines of a pricing result, each linked to the input act it came from."""
    by_position = {act.position: act for act in acts}
    out: list[Line] = []
    for number, line in enumerate(priced, 1):
        act = by_position.get(line.acts[0]) if line.acts else None
        out.append(Line(
            line_number=number, act_index=act.position if act else None, code=line.code, care_date=line.date,
            coefficient=act.coefficient if act else None, quantity=line.quantity,
            unit_price=act.unit_price if act else None, base=line.base, rate=line.rate,
            exoneration=line.exoneration, modifiers="".join(act.modifiers) or None if act else None,
            association=act.association if act else None, qualifier=act.qualifier if act else None,
            activity=act.activity if act else None, phase=act.phase if act else None, total=line.total,
            amo=line.amo, amc=line.amc, patient=line.patient, participation=line.participation))
    return out


def write(session: Session, invoice_id: int, lines: Iterable[Line], *, new: bool = False) -> None:
    """Replace the invoice's rows by ``lines`` (in the caller's transaction); ``new``: an invoice just inserted,
    which cannot have rows yet (the foreign key). One INSERT for all the lines."""
    if not new:
        session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id)
                        .execution_options(synchronize_session=False))
    values = [{"invoice_id": invoice_id, **line.model_dump()} for line in lines]
    if values:
        session.execute(insert(InvoiceLine), values)


def rewrite(session: Session, invoice_id: int, lines: list[Line]) -> None:
    """Write ``lines`` unless they are exactly the stored ones (a rate check of an unchanged draft): the same
    rows either way, fewer statements."""
    if read(session, invoice_id) != lines:
        write(session, invoice_id, lines)


def typed(row: Any) -> Line:
    """The typed line of a stored row (an ORM row, or a row of ``invoice_lines``' columns)."""
    return Line.model_validate({name: getattr(row, name) for name in ROW_FIELDS})


def read(session: Session, invoice_id: int) -> list[Line]:
    rows = session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id)
                           .order_by(InvoiceLine.line_number))
    return [typed(row) for row in rows]


def read_many(session: Session, invoice_ids: list[int]) -> dict[int, list[Line]]:
    """The lines of several invoices in one query (a page of the invoice list)."""
    found: dict[int, list[Line]] = {invoice: [] for invoice in invoice_ids}
    if invoice_ids:
        for row in session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id.in_(invoice_ids))
                                   .order_by(InvoiceLine.invoice_id, InvoiceLine.line_number)):
            found[row.invoice_id].append(typed(row))
    return found

"""Reading invoices: one, or the list (newest first), as views."""

from __future__ import annotations

from sqlalchemy import select

from feuille.auth import Context, Permission, require
from feuille.billing import state, views
from feuille.domain.invoices import InvoiceState
from feuille.errors import ValidationError
from feuille.storage.models import Invoice

MAX_LIST = 1000


def show(ctx: Context, ref: object) -> views.InvoiceView:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return views.view(session, state.load(session, ref))


def list_invoices(ctx: Context, state: str | None = None, limit: int = 200) -> list[views.InvoiceView]:
    require(ctx, Permission.READ)
    query = select(Invoice).order_by(Invoice.id.desc()).limit(max(1, min(limit, MAX_LIST)))
    if state is not None:
        try:
            query = query.where(Invoice.state == InvoiceState(state).value)
        except ValueError:
            raise ValidationError(f"état : « {state[:20]} » inconnu ({', '.join(s.value for s in InvoiceState)}).",
                                  code="invoice_state", field="etat") from None
    with ctx.db.read() as session:
        return [views.view(session, row) for row in session.scalars(query)]

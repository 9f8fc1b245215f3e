"""« Débloquer »: an invoice held by the automatic blocking (« Blocage automatique des FSE ») released to be sent.

The release is a row of ``transmission_releases`` (part of the invoice's seal: written with the invoice's audited
record, ``billing.state.record``); releasing twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from feuille.auth import Context, Permission, require
from feuille.billing import state
from feuille.domain.invoices import InvoiceState
from feuille.errors import StateError
from feuille.storage.models import TransmissionRelease
from feuille.storage.retry import use_case


@use_case
def release(ctx: Context, refs: Sequence[object]) -> list[int]:
    """Release these invoices (all or none); returns those released now (not those already released)."""
    require(ctx, Permission.INVOICE_DRAFT)
    done: list[int] = []
    with ctx.db.transaction() as session:
        for ref in sorted({state.invoice_id(r) for r in refs}):   # rows locked in increasing id order
            row = state.load(session, ref, lock=True)
            if row.state not in (InvoiceState.SECURED.value, InvoiceState.PARTLY_SECURED.value):
                raise StateError(f"Facture n° {row.id} : seule une facture sécurisée non envoyée se débloque.",
                                 code="invoice_state", field="id")
            if session.get(TransmissionRelease, row.id) is not None:
                continue
            session.add(TransmissionRelease(invoice_id=row.id, released_by=ctx.actor.login,
                                            released_at=ctx.clock()))
            state.record(ctx, session, row, "release", {"released": True})
            done.append(row.id)
    return done

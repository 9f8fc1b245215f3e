"""The rate check ("contrôle des taux"): price the stored input again and remember what was priced.

Required before securing; any change of the draft (``update_draft``) sends it back to brouillon and clears
the hash, and securing re-computes the hash so that an input edited behind the service's back is caught.
"""

from __future__ import annotations

from feuille.auth import Context, Permission, require
from feuille.billing import lines, state, views
from feuille.billing.document import StoredDocument
from feuille.billing.drafts import input_hash, price_stored
from feuille.billing.stored import columns
from feuille.domain.invoices import Event, InvoiceState, transition
from feuille.storage.models import Professional
from feuille.storage.retry import use_case


@use_case
def check_rates(ctx: Context, ref: object) -> views.InvoiceView:
    """brouillon → TP calculé; a second call on an unchanged invoice is a no-op returning the same view."""
    require(ctx, Permission.INVOICE_DRAFT)
    with ctx.db.transaction() as session:
        found = state.load_at_desk(session, ref, lock=True)  # the invoice, its professional and its stay at once
        row, pro = found.row, found.professional
        document = state.document(row)
        digest = input_hash(document, pro)
        if row.state == InvoiceState.PRICED and row.rate_checked and row.rate_hash == digest:
            return views.view(session, row)
        transition(InvoiceState(row.state), Event.CHECK_RATES)
        priced = price_stored(ctx, document, pro)
        lines.rewrite(session, row.id, priced.lines)
        values = {"priced": priced.stored.dumps(), "rate_checked": True, "rate_hash": digest,
                  **columns(priced.stored)}
        stored = state.advance(ctx, session, row, Event.CHECK_RATES, values=values, stay=found.stay,
                               data={"total": values["total"], "amo": values["amo"], "amc": values["amc"]})
        return views.from_stored(row, stored)


def rates_still_valid(document: StoredDocument, row_hash: str | None, pro: Professional) -> bool:
    return row_hash is not None and row_hash == input_hash(document, pro)

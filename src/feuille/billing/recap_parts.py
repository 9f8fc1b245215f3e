"""The recap's changes after the draft is made: the AMO or AMC part set by hand on priced lines (« Récapitulatif »
of manual 001), for an interface that no longer holds the wizard's answers (a web page): the draft's stored
document gets the changes (``wizard_document.with_overrides``) and is priced again (``drafts.update_draft``)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from feuille.auth import Context, Permission, require
from feuille.billing import drafts, state, views
from feuille.billing import wizard_document as wd
from feuille.storage.retry import use_case


@use_case
def change_parts(ctx: Context, ref: object, changes: Sequence[wd.Override]) -> views.InvoiceView:
    """The draft priced again with these parts (each line's later change wins); no change: the draft as it is."""
    require(ctx, Permission.INVOICE_DRAFT)
    with ctx.db.read() as session:
        row = state.load(session, ref)
        document = json.loads(row.document)
        invoice_id = row.id
        if not changes:
            return views.view(session, row)
    return drafts.update_draft(ctx, invoice_id, wd.with_overrides(document, list(changes)))

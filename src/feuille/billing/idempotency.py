"""Creating a draft once per ``Idempotency-Key`` (``POST /api/factures``): the same key and document give back the
invoice the first request created, never a second one; the same key with another document is refused (409). The
rule is :mod:`feuille.storage.request_keys`'s, shared with the patients' creation (scope ``invoice`` here)."""

from __future__ import annotations

from feuille.auth import Context, Permission, require
from feuille.billing import drafts, state, views
from feuille.storage import request_keys
from feuille.storage.request_keys import check_key
from feuille.storage.retry import use_case

__all__ = ["check_key", "create_draft_once", "document_hash"]
document_hash = request_keys.request_hash


@use_case
def create_draft_once(ctx: Context, document: object, key: str | None) -> tuple[views.InvoiceView, bool]:
    """(the draft, True) when created now; (the draft created earlier with that key, False) on a repeat. Without a
    key: ``drafts.create_draft``."""
    if key is None:
        return drafts.create_draft(ctx, document), True
    key = check_key(key)
    require(ctx, Permission.INVOICE_DRAFT)
    with ctx.db.transaction() as session:

        def create() -> tuple[views.InvoiceView, int]:
            view = drafts.create_in(ctx, session, document)
            return view, view.id

        return request_keys.once(session, login=ctx.actor.login, scope="invoice", key=key, request=document,
                                 at=ctx.clock(), load=lambda found: views.view(session, state.load(session, found)),
                                 create=create)

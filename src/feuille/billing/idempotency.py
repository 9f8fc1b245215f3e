"""Creating a draft once per ``Idempotency-Key`` (``POST /api/factures``): a client that sends its request again
(a timeout, a retry) with the same key and the same document gets back the invoice the first request created, never
a second one; the same key with another document is refused (409). Keys belong to the user who sent them.

The key is written first in the draft's own transaction: a concurrent request with the same key waits for it (a
unique constraint), then runs again from the start (``use_case``) and finds the invoice created.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from feuille.auth import Context, Permission, require
from feuille.billing import drafts, state, views
from feuille.errors import ConflictError, ValidationError
from feuille.storage.models import InvoiceRequestKey
from feuille.storage.retry import DatabaseBusyError, use_case

MAX_KEY = 255


def check_key(key: object) -> str:
    """A key: 1 to 255 printable characters (a UUID, usually)."""
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY or not key.isprintable():
        raise ValidationError(f"Idempotency-Key : une clé de 1 à {MAX_KEY} caractères imprimables est attendue "
                              "(un UUID par exemple).", code="idempotency_key", field="Idempotency-Key")
    return key.strip()


def document_hash(document: object) -> str:
    """SHA-256 of the document as canonical JSON (the order of its keys does not matter)."""
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@use_case
def create_draft_once(ctx: Context, document: object, key: str | None) -> tuple[views.InvoiceView, bool]:
    """(the draft, True) when created now; (the draft created earlier with that key, False) on a repeat. Without a
    key: ``drafts.create_draft``."""
    if key is None:
        return drafts.create_draft(ctx, document), True
    key = check_key(key)
    require(ctx, Permission.INVOICE_DRAFT)
    wanted = document_hash(document)
    with ctx.db.transaction() as session:
        found = session.scalar(select(InvoiceRequestKey).where(InvoiceRequestKey.login == ctx.actor.login,
                                                               InvoiceRequestKey.key == key))
        if found is not None:
            if found.request_hash != wanted or found.invoice_id is None:
                raise ConflictError("Idempotency-Key : cette clé a déjà servi à créer une facture avec un autre "
                                    "document ; utilisez une nouvelle clé.", code="idempotency_key_reused",
                                    field="Idempotency-Key")
            return views.view(session, state.load(session, found.invoice_id)), False
        row = InvoiceRequestKey(login=ctx.actor.login, key=key, request_hash=wanted, created_at=ctx.clock())
        session.add(row)
        try:
            session.flush()
        except IntegrityError as exc:  # the same key, at the same moment, from another request: run again
            raise DatabaseBusyError("La même demande est en cours sur un autre poste : recommencez.",
                                    code="busy", detail=f"idempotency key race: {exc.orig}") from None
        view = drafts.create_in(ctx, session, document)
        row.invoice_id = view.id
        return view, True

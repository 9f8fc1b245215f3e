"""Documents kept with an invoice: the degraded-mode care sheet (PDF or image), or the mark « envoyée sur papier».

A degraded invoice is not sendable until one of the two is done (see ``store.is_sendable``).
"""

from __future__ import annotations

import hashlib

from feuille.auth import Context, Permission, require
from feuille.billing import store
from feuille.domain.invoices import InvoiceState, SecureMode
from feuille.errors import StateError, ValidationError
from feuille.storage.models import InvoiceAttachment

MAX_BYTES = 10 * 1024 * 1024
KINDS = (store.CARE_SHEET, "ordonnance")
_MAGIC = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


def media_type(content: bytes) -> str:
    for magic, kind in _MAGIC:
        if content.startswith(magic):
            return kind
    raise ValidationError("fichier : format non accepté (PDF, PNG ou JPEG).", code="attachment_format",
                          field="fichier")


def attach(ctx: Context, ref: object, filename: str, content: bytes, kind: str = store.CARE_SHEET
           ) -> store.InvoiceView:
    require(ctx, Permission.INVOICE_DRAFT)
    if kind not in KINDS:
        raise ValidationError(f"type de pièce : {kind!r} inconnu ({', '.join(KINDS)}).", code="attachment_kind",
                              field="type")
    name = (filename or "").strip().replace("\\", "/").rsplit("/", 1)[-1][:255]
    if not name:
        raise ValidationError("fichier : le nom du fichier est obligatoire.", code="attachment_name",
                              field="fichier")
    if not content or len(content) > MAX_BYTES:
        raise ValidationError("fichier : vide ou trop gros (10 Mo au plus).", code="attachment_size",
                              field="fichier")
    kind_of_file = media_type(content)
    with ctx.db.transaction() as session:
        row = store.load(session, ref, lock=True)
        if row.state in (InvoiceState.DELETED, InvoiceState.CANCELLED):
            raise StateError(f"Facture n° {row.id} supprimée ou annulée : pas de pièce jointe.",
                             code="invoice_closed", field="id")
        digest = hashlib.sha256(content).hexdigest()
        attachment = InvoiceAttachment(invoice_id=row.id, kind=kind, filename=name, media_type=kind_of_file,
                                       content=content, sha256=digest, at=ctx.clock())
        session.add(attachment)
        session.flush()
        store.record(ctx, session, row, "attach", {"attachment_id": attachment.id, "kind": kind,
                                                   "filename": name, "sha256": digest})
        return store.view(session, row)


def mark_paper(ctx: Context, ref: object) -> store.InvoiceView:
    """The degraded care sheet is sent to the insurer on paper; repeated: a no-op."""
    require(ctx, Permission.INVOICE_DRAFT)
    with ctx.db.transaction() as session:
        row = store.load(session, ref, lock=True)
        if row.secure_mode != SecureMode.DEGRADE:
            raise StateError(f"Facture n° {row.id} : seule une facture sécurisée en mode dégradé a une feuille de "
                             "soins papier.", code="not_degraded", field="papier")
        if not row.paper_sent:
            row.paper_sent = True
            row.updated_at = ctx.clock()
            session.flush()
            store.record(ctx, session, row, "paper_sent", {"number": row.number})
        return store.view(session, row)

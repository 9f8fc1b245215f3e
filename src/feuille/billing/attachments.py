"""Documents kept with an invoice: the degraded-mode care sheet (PDF or image), the prescription (« Photo
Ordonnance »), or the mark « envoyée sur papier».

A degraded invoice is not sendable until one of the two is done (see ``views.is_sendable``). The prescription's
photo may come with the draft itself (``prescription.photo`` of ``create_draft``): it is then stored in the
draft's transaction, through :func:`add_in_session`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.billing import state, views
from feuille.domain.invoices import InvoiceState, SecureMode
from feuille.errors import NotFoundError, StateError, ValidationError, quoted
from feuille.storage.models import Invoice, InvoiceAttachment

MAX_BYTES = 10 * 1024 * 1024
PRESCRIPTION = "ordonnance"
KINDS = (views.CARE_SHEET, PRESCRIPTION)
_MAGIC = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
PHOTO_KEYS = frozenset({"base64", "media_type", "filename", "sha256"})


def media_type(content: bytes, field: str = "fichier") -> str:
    for magic, kind in _MAGIC:
        if content.startswith(magic):
            return kind
    raise ValidationError(f"{field} : format non accepté (PDF, PNG ou JPEG).", code="attachment_format",
                          field=field)


def check_content(content: bytes, field: str = "fichier") -> str:
    """The media type of a file that may be attached (not empty, 10 Mo at most, PDF / PNG / JPEG)."""
    if not content or len(content) > MAX_BYTES:
        raise ValidationError(f"{field} : vide ou trop gros (10 Mo au plus).", code="attachment_size", field=field)
    return media_type(content, field)


def _clean_name(filename: str) -> str:
    return (filename or "").strip().replace("\\", "/").rsplit("/", 1)[-1][:255]


@dataclass(frozen=True)
class Photo:
    """The prescription's photo sent with a draft, checked and decoded."""

    filename: str
    media_type: str
    content: bytes
    sha256: str

    def reference(self) -> dict[str, str]:
        """What the stored input keeps of it (the bytes are in the attachment, not in the input)."""
        return {"filename": self.filename, "media_type": self.media_type, "sha256": self.sha256}


def read_photo(value: object, field: str = "prescription.photo") -> Photo | str | None:
    """``{"base64", "media_type", "filename"?}`` → a Photo; a reference ``{"sha256": …}`` kept in a stored input →
    that digest (an attachment the invoice must already have); nothing → None."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValidationError(f"{field} : un objet JSON est attendu ({{\"base64\": …, \"media_type\": …}}).",
                              code="invoice_input", field=field)
    if "path" in value:
        raise ValidationError(f"{field}.path : le chemin d'un fichier n'est lu que par la commande feuille facture "
                              "create ; ici, donnez base64 et media_type.", code="photo_path", field=f"{field}.path")
    for key in value:
        if key not in PHOTO_KEYS:
            raise ValidationError(f"{field}.{key} : clé inconnue (base64, media_type, filename).",
                                  code="unknown_key", field=f"{field}.{key}")
    digest = value.get("sha256")
    if value.get("base64") is None and isinstance(digest, str):
        return digest
    return _decode(value, field)


def _decode(value: Mapping[str, Any], field: str) -> Photo:
    encoded = value.get("base64")
    if not isinstance(encoded, str) or len(encoded) > (MAX_BYTES * 4) // 3 + 8:
        raise ValidationError(f"{field}.base64 : le contenu du fichier en base64 est attendu (10 Mo au plus).",
                              code="attachment_size", field=f"{field}.base64")
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(f"{field}.base64 : base64 invalide.", code="photo_base64",
                              field=f"{field}.base64") from None
    detected = check_content(content, f"{field}.base64")
    declared = value.get("media_type")
    if declared != detected:
        raise ValidationError(f"{field}.media_type : {quoted(str(declared), 40)} ne correspond pas au fichier "
                              f"({detected} ; PNG, JPEG ou PDF seulement).", code="photo_media_type",
                              field=f"{field}.media_type")
    name = value.get("filename")
    name = _clean_name(name) if isinstance(name, str) else ""
    return Photo(name or f"ordonnance.{_EXTENSIONS[detected]}", detected, content,
                 hashlib.sha256(content).hexdigest())


def add_in_session(ctx: Context, session: Session, row: Invoice, filename: str, content: bytes, kind: str,
                   kind_of_file: str) -> int:
    """Store one attachment in the caller's transaction (content already checked) and audit it."""
    digest = hashlib.sha256(content).hexdigest()
    attachment = InvoiceAttachment(invoice_id=row.id, kind=kind, filename=filename, media_type=kind_of_file,
                                   content=content, sha256=digest, at=ctx.clock())
    session.add(attachment)
    session.flush()
    state.record(ctx, session, row, "attach", {"attachment_id": attachment.id, "kind": kind,
                                               "filename": filename, "sha256": digest})
    return attachment.id


def has_prescription(session: Session, row: Invoice, sha256: str) -> bool:
    return session.scalar(select(InvoiceAttachment.id).where(
        InvoiceAttachment.invoice_id == row.id, InvoiceAttachment.kind == PRESCRIPTION,
        InvoiceAttachment.sha256 == sha256).limit(1)) is not None


def add_photo(ctx: Context, session: Session, row: Invoice, photo: Photo) -> None:
    """The prescription's photo of a draft; the same photo sent again (an edited draft) is kept once."""
    if not has_prescription(session, row, photo.sha256):
        add_in_session(ctx, session, row, photo.filename, photo.content, PRESCRIPTION, photo.media_type)


def attach(ctx: Context, ref: object, filename: str, content: bytes, kind: str = views.CARE_SHEET
           ) -> views.InvoiceView:
    require(ctx, Permission.INVOICE_DRAFT)
    if kind not in KINDS:
        raise ValidationError(f"type de pièce : {quoted(kind)} inconnu ({', '.join(KINDS)}).", code="attachment_kind",
                              field="type")
    name = _clean_name(filename)
    if not name:
        raise ValidationError("fichier : le nom du fichier est obligatoire.", code="attachment_name",
                              field="fichier")
    kind_of_file = check_content(content)
    with ctx.db.transaction() as session:
        row = state.load(session, ref, lock=True)
        if row.state in (InvoiceState.DELETED, InvoiceState.CANCELLED):
            raise StateError(f"Facture n° {row.id} supprimée ou annulée : pas de pièce jointe.",
                             code="invoice_closed", field="id")
        add_in_session(ctx, session, row, name, content, kind, kind_of_file)
        return views.view(session, row)


@dataclass(frozen=True)
class Stored:
    filename: str
    media_type: str
    kind: str
    content: bytes


def get_attachment(ctx: Context, ref: object, attachment_id: object) -> Stored:
    """One document of an invoice, with its bytes (``attachments`` of the invoice's view lists them)."""
    require(ctx, Permission.READ)
    wanted = attachment_id if isinstance(attachment_id, int) and not isinstance(attachment_id, bool) else (
        int(attachment_id) if isinstance(attachment_id, str) and attachment_id.strip().isdigit()
        and len(attachment_id.strip()) < 12 else None)
    with ctx.db.read() as session:
        row = state.load(session, ref)
        found = session.scalar(select(InvoiceAttachment).where(InvoiceAttachment.invoice_id == row.id,
                                                               InvoiceAttachment.id == wanted)) if wanted else None
        if found is None:
            raise NotFoundError(f"Pièce n° {str(attachment_id)[:12]} introuvable pour la facture n° {row.id}.",
                                code="attachment_not_found", field="piece")
        if not found.content:   # a SCOR piece purged after its retention: the row and its SHA-256 stay
            raise StateError(f"Pièce n° {found.id} de la facture n° {row.id} archivée : son contenu a été effacé à la "
                             "fin de sa durée de conservation (SHA-256 " + found.sha256[:16] + "…).",
                             code="scor_purged", field="piece")
        return Stored(found.filename, found.media_type, found.kind, found.content)


def mark_paper(ctx: Context, ref: object) -> views.InvoiceView:
    """The degraded care sheet is sent to the insurer on paper; repeated: a no-op."""
    require(ctx, Permission.INVOICE_DRAFT)
    with ctx.db.transaction() as session:
        row = state.load(session, ref, lock=True)
        if row.secure_mode != SecureMode.DEGRADE:
            raise StateError(f"Facture n° {row.id} : seule une facture sécurisée en mode dégradé a une feuille de "
                             "soins papier.", code="not_degraded", field="papier")
        if not row.paper_sent:
            row.paper_sent = True
            row.updated_at = ctx.clock()
            session.flush()
            state.record(ctx, session, row, "paper_sent", {"number": row.number})
        return views.view(session, row)

"""The professional's scanned signature (« signature numérisée »), printed on the degraded care sheet.

Stored in the table ``professional_signatures`` (migration ``0007_signature_scan``): one PNG per professional,
replaced when a new one is stored, removed with the professional. Storing one is audited (its SHA-256).
"""

from __future__ import annotations

import hashlib
import io

from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.errors import ValidationError
from feuille.practice import professionals
from feuille.storage.models import Professional, ProfessionalSignature

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 1024 * 1024
MAX_PIXELS = 4000


def check_png(content: object) -> bytes:
    """A PNG image of at most 1 Mo and 4000 × 4000 pixels, that opens."""
    if not isinstance(content, bytes | bytearray) or not content:
        raise ValidationError("fichier : la signature numérisée est vide.", code="signature_empty", field="fichier")
    data = bytes(content)
    if len(data) > MAX_BYTES:
        raise ValidationError("fichier : signature numérisée trop grosse (1 Mo au plus).", code="signature_size",
                              field="fichier")
    if not data.startswith(PNG_MAGIC):
        raise ValidationError("fichier : la signature numérisée doit être une image PNG.", code="signature_format",
                              field="fichier")
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            width, height = image.size
    except Exception:  # Pillow raises many kinds of errors for a damaged file
        raise ValidationError("fichier : image PNG illisible ou abîmée.", code="signature_unreadable",
                              field="fichier") from None
    if not (0 < width <= MAX_PIXELS and 0 < height <= MAX_PIXELS):
        raise ValidationError(f"fichier : image de {width} × {height} pixels ({MAX_PIXELS} au plus de chaque côté).",
                              code="signature_pixels", field="fichier")
    return data


def store_signature(ctx: Context, professional: object, content: object) -> int:
    """Store (or replace) the scanned signature of a professional; returns the professional's id."""
    require(ctx, Permission.PROFESSIONAL_WRITE)
    data = check_png(content)
    with ctx.db.transaction() as session:
        pro = professionals.resolve(session, professional, "professional")
        professionals.require_self_or_admin(session, ctx, pro, "enregistrer la signature numérisée")
        now, digest = ctx.clock(), hashlib.sha256(data).hexdigest()
        row = session.get(ProfessionalSignature, pro.id)
        replaced = row is not None
        if row is None:
            row = ProfessionalSignature(professional_id=pro.id)
            session.add(row)
        row.media_type, row.content, row.sha256 = "image/png", data, digest
        row.stored_by, row.stored_at = ctx.actor.login, now
        session.flush()
        audit.record(session, actor=ctx.actor.login, at=now, action="professional.signature_scan",
                     entity="professional", entity_id=str(pro.id),
                     data={"sha256": digest, "bytes": len(data), "replaced": replaced})
        return pro.id


def signature_of(session: Session, pro: Professional) -> bytes | None:
    """The stored PNG of this professional, or None."""
    row = session.get(ProfessionalSignature, pro.id)
    return bytes(row.content) if row is not None else None

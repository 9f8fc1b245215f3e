"""« Mettre en fichier »: each lot « Mis en Lot » written in its own B2 file (000, 1, invoices, 6, 999 of FORMATS.md
§1, through ``feuille.formats.b2_file``), the bytes stored once and never rewritten, the lot « Fichier créé ».

Header values: sender type ``TP`` (other health partner), sender number ``00000`` + the professional's billing
number and key (14 digits: feuille's own, as the public B2 code writes a partner's number), recipient type and
number from the lot's régime and caisse (``b2.recipient_type``, ``b2.recipient_number`` with the computer centre of
the settings), the file identifier drawn per sender (6 digits, the previous + 1), the norme and the marking (R or T)
of the settings. One transaction per lot: a lot that cannot be written (an invoice whose records name another
organism, a model the B2 refuses) is reported in French and stays « Mis en Lot »; the others are written.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.domain.lots import LotEvent, LotKind, LotState
from feuille.errors import FeuilleError, StateError, ValidationError
from feuille.formats import b2
from feuille.formats import b2_file as m
from feuille.storage.models import B2FileCounter, B2FileRow, Lot, LotInvoice, Professional
from feuille.storage.retry import use_case
from feuille.transmission import dre, fse_source, lot_state
from feuille.transmission import settings as transmission_settings
from feuille.transmission.settings import TransmissionSettings

MAX_FILE_ID = 999_999
SENDER_TYPE = "TP"   # FORMATS.md §1: other health partner (a liberal professional)


@dataclass(frozen=True)
class FileResult:
    lot_id: int
    lot_number: str
    file_id: str | None
    sha256: str | None
    invoices: int
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"lot": self.lot_id, "numero": self.lot_number, "fichier": self.file_id, "sha256": self.sha256,
                "factures": self.invoices, "erreur": self.error}


def sender_number(professional: Professional) -> str:
    return "00000" + professional.billing_number


def draw_file_id(session: Session, sender: str) -> str:
    counter = session.scalar(select(B2FileCounter).where(B2FileCounter.sender == sender).with_for_update())
    last = counter.last_id if counter else 0
    if last >= MAX_FILE_ID:
        raise ValidationError(f"Émetteur {sender} : les 999 999 identifiants de fichier B2 sont épuisés.",
                              code="b2_file_id", field="fichier")
    if counter is None:
        session.add(B2FileCounter(sender=sender, last_id=1))
    else:
        counter.last_id = last + 1
    return f"{last + 1:06d}"


def partner_name(professional: Professional) -> str:
    """The lot header's partner name: letters, digits and spaces only (the layout's alphanumeric kind), 40 at most."""
    text = unicodedata.normalize("NFKD", f"{professional.last_name} {professional.first_name}")
    text = "".join(c for c in text if not unicodedata.combining(c)).upper()
    return re.sub(r"\s+", " ", re.sub(r"[^A-Z0-9 ]", " ", text)).strip()[:40]


def build(lot: Lot, professional: Professional, invoices: list[m.Invoice], settings: TransmissionSettings,
          file_id: str) -> m.B2File:
    """The B2 model of one lot in one file (pure once its invoices are read)."""
    if lot.kind == LotKind.DRE.value:   # to a complementary: its own envelope (docs/dre.md)
        lot_header = m.LotHeader(professional.billing_number, dre.LOT_ORGANISM, lot.number, lot.lot_date,
                                 partner_name=partner_name(professional), certification=lot.certification)
        return dre.dre_file(sender_number=sender_number(professional), file_id=file_id, created=lot.lot_date,
                            lot=lot_header, amc_number=lot.amc_number or "", invoices=tuple(invoices),
                            closing=m.LotClosing(marking=settings.marking))
    regime, caisse = lot.regime or "", lot.caisse or ""
    recipient_type = b2.recipient_type(regime)
    if recipient_type is None:
        raise ValidationError(f"Lot {lot.number} : régime {regime} sans type de destinataire connu (FORMATS.md §1).",
                              code="b2_invoice", field="regime")
    for invoice in invoices:
        if (invoice.header.regime, invoice.header.caisse) != (regime, caisse):
            raise ValidationError(f"Lot {lot.number} : la facture n° {invoice.number} est adressée à l'organisme "
                                  f"{invoice.header.regime} {invoice.header.caisse}, le lot à {regime} {caisse}.",
                                  code="b2_invoice", field="organisme")
    header = m.FileHeader(SENDER_TYPE, sender_number(professional), recipient_type,
                          b2.recipient_number(regime, settings.computer_centre(regime, caisse), caisse), file_id,
                          lot.lot_date, norme=settings.norme)
    lot_header = m.LotHeader(professional.billing_number, caisse, lot.number, lot.lot_date,
                             partner_name=partner_name(professional), certification=lot.certification)
    return m.B2File(header, (m.Lot(lot_header, tuple(invoices), m.LotClosing(marking=settings.marking)),))


def _write_one(ctx: Context, session: Session, lot: Lot, source: fse_source.Source) -> FileResult:
    if lot.state != LotState.MIS_EN_LOT.value:  # another desk wrote it meanwhile: nothing to do
        return FileResult(lot.id, lot.number, None, None, lot.invoice_count, None)
    settings = transmission_settings.read(session)
    professional = session.get(Professional, lot.professional_id)
    assert professional is not None  # a foreign key with RESTRICT
    ids = list(session.scalars(select(LotInvoice.invoice_id).where(LotInvoice.lot_id == lot.id)
                               .order_by(LotInvoice.position)))
    found = source(session, ids)
    file_id = draw_file_id(session, sender_number(professional))
    text = m.write_b2(build(lot, professional, [found[i] for i in ids], settings, file_id))
    content = text.encode("ascii")
    digest = hashlib.sha256(content).hexdigest()
    row = B2FileRow(sender=sender_number(professional), file_id=file_id, content=content, sha256=digest,
                    record_count=len(text) // b2.RECORD_LENGTH, created_by=ctx.actor.login, created_at=ctx.clock())
    session.add(row)
    session.flush()
    lot_state.advance(ctx, session, lot, LotEvent.WRITE_FILE, values={"b2_file_id": row.id},
                      data={"file_id": file_id, "sha256": digest, "bytes": len(content)})
    return FileResult(lot.id, lot.number, file_id, digest, len(ids))


@use_case
def _write_lot(ctx: Context, ref: int, source: fse_source.Source) -> FileResult:
    with ctx.db.transaction() as session:
        return _write_one(ctx, session, lot_state.load(session, ref, lock=True), source)


def write_files(ctx: Context, *, source: fse_source.Source | None = None,
                progress: Callable[[int], None] | None = None) -> list[FileResult]:
    """« Mettre en fichier »: every lot « Mis en Lot », oldest first, each in its own file and transaction."""
    require(ctx, Permission.INVOICE_DRAFT)
    with ctx.db.read() as session:
        waiting = list(session.scalars(select(Lot.id).where(Lot.state == LotState.MIS_EN_LOT.value).order_by(Lot.id)))
    out = []
    for ref in waiting:
        try:
            result = _write_lot(ctx, ref, source or fse_source.b2_invoices)
        except FeuilleError as refused:
            result = FileResult(ref, "", None, None, 0, refused.message)
        out.append(result)
        if progress is not None:
            progress(result.invoices)
    return out


def file_bytes(ctx: Context, ref: object) -> bytes:
    """The lot's B2 file as written (a re-send sends these bytes)."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        lot = lot_state.load(session, ref)
        if lot.b2_file_id is None:
            raise StateError(f"Lot n° {lot.id} ({lot.number}) : pas encore de fichier B2 (feuille teletransmission "
                             "mettre-en-fichier).", code="lot_no_file", field="lot")
        row = session.get(B2FileRow, lot.b2_file_id)
        assert row is not None
        return bytes(row.content)

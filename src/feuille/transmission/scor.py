"""The SCOR flow: conforming pieces go in their own SCOR lot, one mail per FSE lot, linked to it (FORMATS.md §4;
the lot format is ``formats/scor.py``, feuille's own), through the transport port; the SCOR lot's own ARL moves
its pieces on.

Which pieces: CONFORME, in no SCOR lot yet, of invoices in a live FSE lot whose B2 file is written (« Fichier
créé » or later: its number, date and sender are then final). A lot's pieces may so leave just **before** its B2
mail (« feuille scor envoyer » then « feuille teletransmission envoyer »: the caisse then has a degraded invoice's
care sheet when it checks the lot) or after it (a piece added once the FSE left: manual 003 VIII « envoyer des PJs
qui auraient été enregistrées sur les dossiers après l'envoi de la FSE »).

The guarantee, as for the lot mails: the SCOR lot row (state ``a_envoyer``, its stamp) is written before the
mail leaves; a run that dies before the server accepted it sends it again with the same stamp and the same bytes
(the caisse answers a re-delivered mail once); the pieces become ENVOYE only once the server accepted the mail.
The mail server down or refusing: the SCOR lot stays ``a_envoyer``, the error is shown, nothing is marked sent.
Stamps of SCOR mails use the serials 50000 to 99999 (``formats.mail.stamp``), the lot mails those below.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.billing import state as billing_state
from feuille.domain.lots import LotState
from feuille.domain.scor import PieceEvent, PieceState
from feuille.errors import FeuilleError, StateError, ValidationError
from feuille.formats import arl as arl_format
from feuille.formats import mail as mail_facts
from feuille.formats import scor as scor_format
from feuille.storage.models import B2FileRow, Invoice, InvoiceAttachment, Lot, LotInvoice, ScorLot, ScorPiece
from feuille.storage.retry import use_case
from feuille.transmission import scor_pieces, settings
from feuille.transmission.transport import Incoming, OutgoingFile, Recipient, Transport

PENDING, SENT, POSITIVE, NEGATIVE = "a_envoyer", "envoye", "arl_positif", "arl_negatif"
STATE_LABELS = {PENDING: "à envoyer", SENT: "envoyé", POSITIVE: "ARL positif reçu", NEGATIVE: "ARL négatif reçu"}
#: FSE lots whose pieces may leave: the file is written, the lot not given up.
WITH_FILE = frozenset(set(LotState) - {LotState.MIS_EN_LOT, LotState.REJETE, LotState.ERREUR})
FIRST_SERIAL = 50_000


@dataclass(frozen=True)
class ScorLotView:
    id: int
    fse_lot_id: int
    fse_lot_number: str
    organism: str
    stamp: str
    state: str
    pieces: int
    sent_at: datetime | None
    arl_label: str | None
    error: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"lot_scor": self.id, "lot_fse": self.fse_lot_id, "numero_lot_fse": self.fse_lot_number,
                "organisme": self.organism, "horodatage": self.stamp, "etat": STATE_LABELS.get(self.state, self.state),
                "pieces": self.pieces, "envoye_le": self.sent_at.isoformat() if self.sent_at else None,
                "libelle_arl": self.arl_label, "erreur": self.error}


def _view(session: Session, row: ScorLot, error: str | None = None) -> ScorLotView:
    lot = session.get(Lot, row.fse_lot_id)
    organism = f"{lot.regime} {lot.caisse}" if lot is not None else ""
    return ScorLotView(row.id, row.fse_lot_id, lot.number if lot else "", organism, row.stamp, row.state,
                       row.piece_count, row.sent_at, row.arl_label, error)


# --- putting pieces in SCOR lots ----------------------------------------------------------------------------------

def _ready(session: Session, lot_ids: Iterable[int] | None) -> dict[int, list[ScorPiece]]:
    """Conforming pieces in no SCOR lot, by the live FSE lot (with its file) of their invoice."""
    query = (select(ScorPiece, LotInvoice.lot_id)
             .join(InvoiceAttachment, InvoiceAttachment.id == ScorPiece.attachment_id)
             .join(LotInvoice, (LotInvoice.invoice_id == InvoiceAttachment.invoice_id) & LotInvoice.live.is_(True))
             .join(Lot, Lot.id == LotInvoice.lot_id)
             .where(ScorPiece.state == PieceState.CONFORME.value, ScorPiece.scor_lot_id.is_(None),
                    Lot.state.in_([s.value for s in WITH_FILE]), Lot.b2_file_id.is_not(None))
             .order_by(LotInvoice.lot_id, ScorPiece.id))
    if lot_ids is not None:
        query = query.where(LotInvoice.lot_id.in_(sorted(set(lot_ids))))
    out: dict[int, list[ScorPiece]] = {}
    for piece, lot_id in session.execute(query):
        out.setdefault(lot_id, []).append(piece)
    return out


def _new_stamp(session: Session, now: datetime) -> str:
    count = session.scalar(select(func.count()).select_from(ScorLot)) or 0
    return mail_facts.stamp(now, FIRST_SERIAL + count % FIRST_SERIAL)


@use_case
def _prepare(ctx: Context, lot_ids: Iterable[int] | None) -> list[int]:
    """SCOR lot rows (``a_envoyer``) for the pieces ready, in one transaction; with those left by an earlier run
    that did not finish, they are what is to be sent."""
    with ctx.db.transaction() as session:
        for fse_lot_id, pieces in _ready(session, lot_ids).items():
            lot = session.get(Lot, fse_lot_id)
            assert lot is not None
            stamp = _new_stamp(session, ctx.clock())
            row = ScorLot(fse_lot_id=fse_lot_id, sender=_sender(session, lot), stamp=stamp, state=PENDING,
                          piece_count=len(pieces), index_text="", test=settings.read(session).mode == "test",
                          created_by=ctx.actor.login, created_at=ctx.clock())
            session.add(row)
            session.flush()
            for piece in pieces:
                piece.scor_lot_id, piece.fse_lot_id = row.id, fse_lot_id
            session.flush()
            row.index_text = scor_format.index_text(_lot_file(session, row, lot))
            audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="scor_lot.create", entity="scor_lot",
                         entity_id=str(row.id), data={"fse_lot_id": fse_lot_id, "stamp": stamp,
                                                      "attachments": [p.attachment_id for p in pieces]})
        query = select(ScorLot.id).where(ScorLot.state == PENDING).order_by(ScorLot.id)
        if lot_ids is not None:
            query = query.where(ScorLot.fse_lot_id.in_(sorted(set(lot_ids))))
        return list(session.scalars(query))


def _sender(session: Session, lot: Lot) -> str:
    file = session.get(B2FileRow, lot.b2_file_id)
    if file is None:
        raise StateError(f"Lot n° {lot.id} sans fichier B2 : mettez-le d'abord en fichier.", code="lot_no_file",
                         field="lot")
    return file.sender


def _lot_file(session: Session, row: ScorLot, lot: Lot) -> scor_format.ScorLot:
    """The SCOR lot as the format writes it, from the stored rows (the same bytes at every build)."""
    found = session.execute(select(ScorPiece, InvoiceAttachment, Invoice)
                            .join(InvoiceAttachment, InvoiceAttachment.id == ScorPiece.attachment_id)
                            .join(Invoice, Invoice.id == InvoiceAttachment.invoice_id)
                            .where(ScorPiece.scor_lot_id == row.id).order_by(ScorPiece.id)).all()
    pieces = tuple(scor_format.Piece(invoice.billing_number, invoice.number or 0, attachment.kind,
                                     attachment.media_type, piece.pages or 1, bytes(attachment.content))
                   for piece, attachment, invoice in found)
    partner = pieces[0].billing_number if pieces else ""
    return scor_format.ScorLot(row.sender, f"{row.id % 1_000_000:06d}", partner, lot.number, lot.lot_date,
                               lot.regime or "", lot.caisse or "", row.created_at.date(), pieces)


def _outgoing(ctx: Context, scor_lot_id: int) -> tuple[OutgoingFile, ScorLotView]:
    with ctx.db.read() as session:
        row = session.get(ScorLot, scor_lot_id)
        lot = session.get(Lot, row.fse_lot_id) if row is not None else None
        assert row is not None and lot is not None
        payload = scor_format.write_lot(_lot_file(session, row, lot))
        item = OutgoingFile(sender_number=row.sender, recipient=Recipient(lot.regime or "", lot.caisse or ""),
                            kind="SCOR", payload=payload, test=row.test, invoice_count=row.piece_count,
                            stamp=row.stamp, file_id=f"{row.id % 1_000_000:06d}")
        return item, _view(session, row)


@use_case
def _finish(ctx: Context, scor_lot_id: int, message_id: str) -> ScorLotView:
    """The server accepted the mail: the SCOR lot ``envoye``, its pieces ENVOYE with the day their retention ends;
    a second call (the mail proved sent by its ARL meanwhile) changes nothing."""
    with ctx.db.transaction() as session:
        row = session.get(ScorLot, scor_lot_id, with_for_update=True)
        assert row is not None
        if row.state == PENDING:
            _finish_in(ctx, session, row, {"message_id": message_id})
        return _view(session, row)


def send_pieces(ctx: Context, transport: Transport, lot_ids: Iterable[int] | None = None) -> list[ScorLotView]:
    """Every SCOR lot to send (pieces ready, and those an earlier run left unsent), one mail each. A transport
    failure stops nothing else: that SCOR lot stays to send, with the French error in its view."""
    require(ctx, Permission.INVOICE_DRAFT)
    out = []
    for scor_lot_id in _prepare(ctx, lot_ids):
        item, view = _outgoing(ctx, scor_lot_id)
        try:
            receipt = transport.send(item)
        except FeuilleError as failed:
            out.append(ScorLotView(**{**view.__dict__, "error": failed.message}))
            continue
        out.append(_finish(ctx, scor_lot_id, receipt.message_id))
    return out


def lot_of_invoice(ctx: Context, ref: object) -> int:
    """The live FSE lot of an invoice whose pieces may leave now (its B2 file written: « Fichier créé » or later);
    a French refusal otherwise (its pieces then leave with its lot, « Mettre en lot et envoyer »)."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        row = billing_state.load(session, ref)
        lot = session.scalar(select(Lot).join(LotInvoice, (LotInvoice.lot_id == Lot.id) & LotInvoice.live.is_(True))
                             .where(LotInvoice.invoice_id == row.id))
        if lot is None or lot.b2_file_id is None or LotState(lot.state) not in WITH_FILE:
            raise StateError(f"Facture n° {row.id} : son lot n'est pas encore mis en fichier ; ses pièces conformes "
                             "partiront avec lui (« Mettre en lot et envoyer »).", code="scor_no_lot",
                             field="facture")
        return lot.id


# --- their acknowledgements ---------------------------------------------------------------------------------------

def apply_arl(ctx: Context, session: Session, stamp: str, arl: arl_format.Arl) -> ScorLot | None:
    """The ARL of the SCOR mail ``stamp``, in the caller's transaction (the receiving of the lots' ARLs may hand
    over those it does not know): positive, the pieces are SAUVEGARDE PARTIELLE; negative, A RECONSTITUER (to
    check again and send again). None when no SCOR lot has this stamp; an ARL received twice changes nothing."""
    row = session.scalar(select(ScorLot).where(ScorLot.stamp == stamp).with_for_update())
    if row is None:
        return None
    if row.state in (POSITIVE, NEGATIVE):
        return row
    if row.state == PENDING:     # accepted by the server before a crash: its ARL proves it was sent
        session.flush()
        _finish_in(ctx, session, row, {"proved_by": "arl"})
    event = PieceEvent.ACKNOWLEDGE if arl.positive else PieceEvent.REFUSE
    label = arl_format.arl_label(arl.reason) if not arl.positive else "Lot SCOR accepté"
    details = [d.label for d in arl.details]
    for piece in session.scalars(select(ScorPiece).where(ScorPiece.scor_lot_id == row.id)):
        values: dict[str, object] = {} if arl.positive else {
            "reasons": json.dumps([f"ARL négatif du lot SCOR : {label}", *details], ensure_ascii=False)}
        scor_pieces.move(ctx, session, piece, event, {"scor_lot_id": row.id, "reason": arl.reason}, **values)
        if not arl.positive:   # free to go in another SCOR lot once checked again
            piece.scor_lot_id = None
    row.state, row.arl_label, row.answered_at = (POSITIVE if arl.positive else NEGATIVE), label, ctx.clock()
    audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="scor_lot.arl", entity="scor_lot",
                 entity_id=str(row.id), data={"positive": arl.positive, "reason": arl.reason, "details": details})
    return row


def _finish_in(ctx: Context, session: Session, row: ScorLot, data: dict[str, object]) -> None:
    now, days = ctx.clock(), scor_pieces.retention_days(session)
    row.state, row.sent_at = SENT, now
    for piece in session.scalars(select(ScorPiece).where(ScorPiece.scor_lot_id == row.id)):
        scor_pieces.move(ctx, session, piece, PieceEvent.SEND, {"scor_lot_id": row.id, "stamp": row.stamp, **data},
                         sent_at=now, purge_on=scor_pieces.purge_day(now, days))
    audit.record(session, actor=ctx.actor.login, at=now, action="scor_lot.send", entity="scor_lot",
                 entity_id=str(row.id), data={"stamp": row.stamp, **data})


@use_case
def _apply_mail(ctx: Context, mail: Incoming) -> tuple[bool, ScorLotView | None, str | None]:
    """(is it ours, the SCOR lot it moved, a French problem)."""
    try:
        subject = mail_facts.parse_arl_subject(mail.subject)
    except ValidationError:
        return False, None, None
    with ctx.db.transaction() as session:
        if session.scalar(select(ScorLot.id).where(ScorLot.stamp == subject.stamp)) is None:
            return False, None, None
        try:
            arl = arl_format.read_arl(mail.payload)
        except ValidationError as unreadable:
            return True, None, f"ARL du lot SCOR {subject.stamp} illisible : {unreadable.message}"
        row = apply_arl(ctx, session, subject.stamp, arl)
        return True, (_view(session, row) if row is not None else None), None


def receive_acknowledgements(ctx: Context, transport: Transport) -> tuple[list[ScorLotView], list[str]]:
    """The ARLs of SCOR mails waiting in the mailbox, applied, then removed from it; every other mail is left for
    the receiving of the lots (``feuille teletransmission recevoir``)."""
    require(ctx, Permission.INVOICE_DRAFT)
    moved, problems, done = [], [], []
    for mail in transport.receive():
        if mail.junk or not (mail.kind == "ARL" or mail.subject.startswith("ARL/")):
            continue
        ours, view, problem = _apply_mail(ctx, mail)
        if not ours:
            continue
        done.append(mail.id)
        if view is not None:
            moved.append(view)
        if problem is not None:
            problems.append(problem)
    if done:
        transport.forget(done)
    return moved, problems


def list_lots(ctx: Context) -> list[ScorLotView]:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return [_view(session, row) for row in session.scalars(select(ScorLot).order_by(ScorLot.id.desc()))]

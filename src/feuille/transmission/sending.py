"""« Envoyer et Recevoir » and « Recevoir uniquement » (manual 003 §VI): every lot whose file is ready leaves by the
transport port, one mail per file, then the returns are fetched and the ARLs applied (``acknowledgements``).

**The guarantee** (docs/teletransmission.md, « Garantie d'envoi »). A lot's mail goes through an outbox row
(``lot_mails``) in three steps:

1. *prepare* (one transaction): the row is stored ``a_envoyer`` with the mail's stamp — the Message-ID is made from
   it (``<stamp@sender domain>``), so the mail's identity is fixed before any byte leaves;
2. *send*: the SMTP dialogue, outside any transaction;
3. *finish* (one transaction): the row ``envoye``, the lot « Lot expédié » (« Réexpédié » for a re-send), its
   invoices « envoyée », all audited.

A refusal or an unreachable server at step 2 leaves the row ``a_envoyer`` with the French reason and the lot as it
was (« Fichier créé »): nothing is marked sent. A process killed at any point leaves either no row (nothing left)
or a row ``a_envoyer``; the next run first fetches the mailbox — an ARL naming the row's stamp proves the mail
arrived and finishes the row without sending again — and only then sends the row's mail again **with the same
stamp and Message-ID**. The one window where a mail can reach the insurer twice is between the server's
acceptance and step 3; the second copy is then the same file under the same Message-ID, which the insurer answers
once (the caisse de test does: a re-delivered Message-ID is a « doublon » without a second ARL). So every lot's
invoices are received exactly once by the insurer, and a lot is never marked sent unless a server accepted it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.domain.lots import LABELS, LotState
from feuille.errors import FeuilleError, StateError, TransmissionError
from feuille.storage.models import B2FileRow, Lot, LotMail
from feuille.storage.retry import use_case
from feuille.transmission import acknowledgements, dre, lot_moves, scor, send_settings
from feuille.transmission.checkpoints import checkpoint
from feuille.transmission.outbox import AUTOMATIC, CANCELLED, FIRST, MANUAL, PENDING, finish, new_stamp
from feuille.transmission.transport import OutgoingFile, Recipient, SendReceipt, Transport

#: Lots whose mail leaves on « Envoyer » (the first time, or once more after a missing ARL).
READY = {LotState.FICHIER_CREE: FIRST, LotState.ABSENCE_ARL_RENVOYER: AUTOMATIC}
#: Lots a person may send again (« relancer »): the manual's « Absence ARL Manuel obligatoire » and the other
#: states the lot table lets leave again (a negative ARL on the mail itself, a non-delivery notice, an error).
RELAUNCHABLE = frozenset({LotState.ABSENCE_ARL_MANUEL, LotState.ARL_NEGATIF, LotState.NON_REMISE, LotState.ERREUR})

Progress = Callable[[str], None]


@dataclass(frozen=True)
class SendOutcome:
    lot_id: int
    lot_number: str
    organism: str
    stamp: str
    resent: bool
    state: str                           # the lot's state label after the attempt
    error: str | None = None             # French: why the mail did not leave (the lot stays ready)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ExchangeReport:
    """What one « Envoyer et Recevoir » (or « Recevoir uniquement ») did."""

    sent: list[SendOutcome] = field(default_factory=list)
    received: acknowledgements.ReceiveReport = field(default_factory=acknowledgements.ReceiveReport)
    missing: list[acknowledgements.MissingArl] = field(default_factory=list)
    scor: list[scor.ScorLotView] = field(default_factory=list)   # the SCOR lots sent before the lots

    @property
    def failures(self) -> list[SendOutcome]:
        return [s for s in self.sent if not s.ok]

    @property
    def failed(self) -> bool:
        """A lot did not leave, or the mailbox could not be read: the command says so (exit code 7)."""
        return bool(self.failures) or self.received.mailbox_failed or any(v.error for v in self.scor)


@dataclass(frozen=True)
class _Prepared:
    mail_id: int
    lot_id: int
    lot_number: str
    organism: str
    reason: str
    item: OutgoingFile


def _organism(lot: Lot) -> str:
    return f"{lot.regime} {lot.caisse}" if lot.regime else lot.recipient


def _recipient(session: Session, lot: Lot) -> Recipient:
    """An AMO organism's mailbox (régime and caisse), or for a DRE lot its complementary's DRE address."""
    if lot.recipient_kind == "amc" and lot.amc_number:
        address = dre.mailbox(session, lot.amc_number)
        if address is None:
            raise StateError(f"Lot {lot.number} : la complémentaire {lot.amc_number} n'a pas d'adresse DRE (feuille "
                             "amc modifier N --dre oui --adresse-dre …) : le lot reste prêt.", code="lot_recipient",
                             field="lot")
        return Recipient(address=address)
    if lot.recipient_kind != "amo" or not lot.regime or not lot.caisse:
        raise StateError(f"Lot {lot.number} : l'envoi ne connaît que les organismes AMO (régime et caisse) et les "
                         f"complémentaires ; ce destinataire ({lot.recipient}) n'a pas d'adresse d'envoi.",
                         code="lot_recipient", field="lot")
    return Recipient(lot.regime, lot.caisse)


def _item(session: Session, lot: Lot, stamp: str) -> OutgoingFile:
    """The mail's content: the lot's file as written (never rewritten), described IRISTEST in test mode."""
    if lot.b2_file_id is None:
        raise StateError(f"Lot {lot.number} sans fichier : mettez-le d'abord en fichier.", code="lot_no_file",
                         field="lot")
    file = session.get(B2FileRow, lot.b2_file_id)
    assert file is not None  # a foreign key
    recipient = _recipient(session, lot)
    return OutgoingFile(sender_number=file.sender, recipient=recipient, kind="B2",
                        payload=bytes(file.content), test=send_settings.read(session).test,
                        invoice_count=lot.invoice_count, stamp=stamp, file_id=file.file_id)


@use_case
def _prepare(ctx: Context, lot_id: int, manual: bool) -> _Prepared | None:
    """Step 1: the outbox row of the lot's next mail (the unfinished one if a crash left it), or None when the
    lot has nothing to send."""
    with ctx.db.transaction() as session:
        lot = lot_moves.lock_lot(session, lot_id)
        state = LotState(lot.state)
        pending = session.scalar(select(LotMail).where(LotMail.lot_id == lot.id, LotMail.state == PENDING)
                                 .order_by(LotMail.id).limit(1))
        reason = MANUAL if manual and state in RELAUNCHABLE else READY.get(state)
        if reason is None:
            if manual:
                raise StateError(f"Lot {lot.number} « {LABELS[state]} » : rien à relancer (seul un lot « "
                                 f"{LABELS[LotState.ABSENCE_ARL_MANUEL]} », « {LABELS[LotState.ARL_NEGATIF]} », "
                                 f"« {LABELS[LotState.NON_REMISE]} » ou « {LABELS[LotState.ERREUR]} » se "
                                 "relance).", code="lot_state", field="lot")
            if pending is not None:   # the lot moved on (an ARL came): its unfinished mail is not needed
                pending.state = CANCELLED
                audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="lot.mail_cancelled",
                             entity="lot", entity_id=str(lot.id), data={"stamp": pending.stamp})
            return None
        if pending is None:
            stamp = new_stamp(session, ctx.clock())
            item = _item(session, lot, stamp)   # refused here (French) before anything is stored
            pending = LotMail(lot_id=lot.id, reason=reason, stamp=stamp, message_id=None, state=PENDING, tries=0,
                              last_error=None, prepared_by=ctx.actor.login, prepared_at=ctx.clock(), sent_at=None)
            session.add(pending)
            session.flush()
            audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="lot.mail_prepared", entity="lot",
                         entity_id=str(lot.id), data={"stamp": stamp, "reason": reason})
        else:
            item = _item(session, lot, pending.stamp)
        return _Prepared(pending.id, lot.id, lot.number, _organism(lot), pending.reason, item)


@use_case
def _finish(ctx: Context, mail_id: int, receipt: SendReceipt) -> None:
    with ctx.db.transaction() as session:
        mail = session.get(LotMail, mail_id)
        assert mail is not None
        finish(ctx, session, mail, receipt.message_id, f"accepté par le serveur : {receipt.reply[:80]}")


@use_case
def _failed(ctx: Context, mail_id: int, error: FeuilleError) -> None:
    with ctx.db.transaction() as session:
        session.execute(update(LotMail).where(LotMail.id == mail_id, LotMail.state == PENDING)
                        .values(tries=LotMail.tries + 1, last_error=error.message[:1000])
                        .execution_options(synchronize_session=False))
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="lot.mail_failed", entity="lot_mail",
                     entity_id=str(mail_id), data={"code": error.code, "message": error.message[:300]})


def _state_label(ctx: Context, lot_id: int) -> str:
    with ctx.db.read() as session:
        lot = session.get(Lot, lot_id)
        return LABELS[LotState(lot.state)] if lot else "?"


def send_lot(ctx: Context, transport: Transport, lot_id: int, *, manual: bool = False) -> SendOutcome | None:
    """One lot's mail: prepared, sent, finished (see the module's guarantee). None: nothing to send for it."""
    try:
        prepared = _prepare(ctx, lot_id, manual)
    except FeuilleError as error:
        if manual:
            raise
        with ctx.db.read() as session:   # one lot that cannot leave does not stop the others
            lot = session.get(Lot, lot_id)
            number, organism = (lot.number, _organism(lot)) if lot else ("?", "?")
        return SendOutcome(lot_id, number, organism, "", False, _state_label(ctx, lot_id), error.message)
    if prepared is None:
        return None
    checkpoint("avant_envoi")
    resent = prepared.reason != FIRST
    try:
        receipt = transport.send(prepared.item)
    except FeuilleError as error:
        _failed(ctx, prepared.mail_id, error)
        return SendOutcome(prepared.lot_id, prepared.lot_number, prepared.organism, prepared.item.stamp, resent,
                           _state_label(ctx, lot_id), error.message)
    checkpoint("apres_acceptation")
    _finish(ctx, prepared.mail_id, receipt)
    checkpoint("apres_envoi")
    return SendOutcome(prepared.lot_id, prepared.lot_number, prepared.organism, prepared.item.stamp, resent,
                       _state_label(ctx, lot_id))


def lots_to_send(ctx: Context) -> list[int]:
    """Lots with an unfinished mail first (a crash left them), then the lots ready, oldest first: FSE lots to their
    AMO organism and DRE lots to their complementary's DRE address alike (docs/dre.md)."""
    with ctx.db.read() as session:
        pending = list(session.scalars(select(LotMail.lot_id).where(LotMail.state == PENDING)
                                       .order_by(LotMail.id)))
        ready = list(session.scalars(select(Lot.id).where(Lot.state.in_([s.value for s in READY]))
                                     .order_by(Lot.id)))
    return list(dict.fromkeys(pending + ready))


def send_ready(ctx: Context, transport: Transport, progress: Progress | None = None) -> list[SendOutcome]:
    out = []
    for lot_id in lots_to_send(ctx):
        outcome = send_lot(ctx, transport, lot_id)
        if outcome is not None:
            out.append(outcome)
            if progress is not None:
                progress(f"lot {outcome.lot_number}")
    return out


def exchange(ctx: Context, transport: Transport, *, receive_only: bool = False,
             progress: Progress | None = None) -> ExchangeReport:
    """« Envoyer et Recevoir » (``receive_only``: « Recevoir uniquement »): fetch the returns first (an ARL may
    prove that an unfinished mail arrived), see which lots waited too long for their ARL, send every lot ready,
    then fetch the ARLs those mails brought. A mail server refusing one lot does not stop the others."""
    require(ctx, Permission.INVOICE_DRAFT)
    received = _receive(ctx, transport)
    missing = acknowledgements.check_missing(ctx)
    if receive_only:
        return ExchangeReport([], received, missing)
    # the conforming SCOR pieces of the lots with a file leave first, so that a degraded invoice's care sheet is
    # at the insurer when its lot is checked (transmission.scor)
    scor_lots = scor.send_pieces(ctx, transport)
    sent = send_ready(ctx, transport, progress)
    if (sent or scor_lots) and not received.mailbox_failed:
        received = received.merged(_receive(ctx, transport))
    return ExchangeReport(sent, received, missing, scor_lots)


def _receive(ctx: Context, transport: Transport) -> acknowledgements.ReceiveReport:
    """The mailbox unreachable is reported, not fatal: the lots still leave (an unfinished mail goes again under
    its Message-ID, which the insurer answers once), the ARLs come at the next run."""
    try:
        return acknowledgements.receive(ctx, transport)
    except TransmissionError as error:
        return acknowledgements.ReceiveReport(problems=(error.message,), mailbox_failed=True)


def relaunch(ctx: Context, transport: Transport, lot_id: int) -> SendOutcome:
    """« relancer LOT »: send the lot's file once more, by hand (see :data:`RELAUNCHABLE`)."""
    require(ctx, Permission.INVOICE_DRAFT)
    outcome = send_lot(ctx, transport, lot_id, manual=True)
    assert outcome is not None   # manual: refused in French rather than None
    return outcome

"""The returns fetched from the mailbox: ARLs applied to their lots, NOEMIE returns kept for the reconciliation,
and the lots whose ARL did not come within the delay of the settings.

**Receiving** (at least once, applied once). ``transport.receive()`` lists the mails without removing them; each
is stored in ``received_mails`` (its bytes untouched, once by Message-ID) and applied in **one** transaction, and
only then removed from the mailbox (``transport.forget``). A crash before the removal fetches it again next time:
its Message-ID is known, so it changes nothing and is removed. An ARL received twice changes nothing.

**An ARL** names the lot mail it answers by the stamp of its subject (``ARL/<sender>/<stamp>/P|N``, feuille's own,
``formats.mail``). Positive: the lot « ARL positif reçu », its invoices « acquittée ». Negative: the lot « ARL
négatif reçu » with the ARL's code and label (« Libellé ARL »); then, **feuille's own** reading of the manual and of
issue 12, a refusal of the file's content (codes 1xxx to 4xxx) makes the lot « Lot rejeté » and gives its invoices
back (« sécurisée », to be lotted again once corrected; the lot itself is never rewritten), while a refusal of the
mail itself (codes 5xxx: unreadable, encryption) leaves the lot « ARL négatif reçu » to be sent again
(``feuille teletransmission relancer``). An ARL for a lot already settled (acknowledged or rejected: the answer to
a re-sent copy) is stored and changes nothing. An ARL naming an unfinished outbox row proves the mail arrived
(``outbox.finish``) before it is applied.

**NOEMIE returns** (RSP) are stored untouched (``kind = 'noemie'``, ``outcome = 'a_rapprocher'``) for the
reconciliation of issue 13, which reads them from ``received_mails``; they are not parsed here.

**A missing ARL**: a lot sent (or re-sent) more than ``delai_arl_jours`` days ago (setting, default 3, FORMATS.md
§2: feuille's own) without its ARL becomes « Absence ARL Renvoyer lot » after its first sending — the next
« Envoyer » sends the same file again (« Réexpédié ») — and « Absence ARL Manuel obligatoire » after a re-send.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context
from feuille.domain.invoices import Event, InvoiceState
from feuille.domain.lots import LABELS, TRANSITIONS, LotEvent, LotState
from feuille.formats import arl as arl_format
from feuille.storage.models import Lot, ReceivedMail
from feuille.storage.retry import use_case
from feuille.transmission import lot_moves, outbox, scor, send_settings
from feuille.transmission.checkpoints import checkpoint
from feuille.transmission.incoming import ARL, NOEMIE, OTHER, ArlReading, arl_reading
from feuille.transmission.transport import Incoming, Transport

MAIL_LEVEL = "5"   # first digit of the ARL codes about the mail itself (data/arl_codes.json: 5001)


@dataclass(frozen=True)
class ArlApplied:
    lot_id: int
    lot_number: str
    organism: str
    positive: bool
    state: str               # the lot's state label after the ARL
    label: str               # « Code: 2004 Numéro de lot incohérent… » (empty when positive)
    details: tuple[str, ...]  # one French line per problem of a negative ARL
    duplicate: bool          # the lot was already settled: nothing changed


@dataclass(frozen=True)
class ReceiveReport:
    arls: tuple[ArlApplied, ...] = ()
    noemie: int = 0          # NOEMIE returns stored for the reconciliation
    other: int = 0
    problems: tuple[str, ...] = ()   # French: mails that could not be used, and why
    mailbox_failed: bool = False     # the mailbox could not be read (its French reason is in ``problems``)

    def merged(self, other: ReceiveReport) -> ReceiveReport:
        return ReceiveReport(self.arls + other.arls, self.noemie + other.noemie, self.other + other.other,
                             self.problems + other.problems, self.mailbox_failed or other.mailbox_failed)


@dataclass(frozen=True)
class MissingArl:
    lot_id: int
    lot_number: str
    organism: str
    sent_at: datetime
    state: str               # « Absence ARL Renvoyer lot » or « Absence ARL Manuel obligatoire »


def organism_of(lot: Lot) -> str:
    return f"{lot.regime} {lot.caisse}" if lot.regime else lot.recipient


def receive(ctx: Context, transport: Transport) -> ReceiveReport:
    """Fetch, store and apply every mail waiting, then remove from the mailbox those stored."""
    report, done = ReceiveReport(), []
    for mail in transport.receive():
        if mail.junk:
            report = report.merged(ReceiveReport(problems=(f"Courriel « {mail.subject[:60]} » laissé dans la boîte : "
                                                           f"{mail.problem}",)))
            continue
        report = report.merged(_store(ctx, mail))
        checkpoint("apres_reception")
        done.append(mail.id)
    if done:
        transport.forget(done)
    return report


def _kind(mail: Incoming) -> str:
    if mail.kind == "ARL" or mail.subject.startswith("ARL/"):
        return ARL
    return NOEMIE if mail.kind == "NOEMIE" else OTHER


@use_case
def _store(ctx: Context, mail: Incoming) -> ReceiveReport:
    """One mail stored and applied in one transaction; a Message-ID already stored changes nothing."""
    with ctx.db.transaction() as session:
        known = session.scalar(select(ReceivedMail.id).where(ReceivedMail.message_id == mail.message_id[:255]))
        if known is not None:
            return ReceiveReport()
        kind = _kind(mail)
        row = ReceivedMail(message_id=mail.message_id[:255], kind=kind, subject=mail.subject[:255], raw=mail.raw,
                           received_at=ctx.clock(), outcome="a_rapprocher" if kind == NOEMIE else "ignore")
        session.add(row)
        session.flush()
        if kind == NOEMIE:
            report = ReceiveReport(noemie=1)
        elif kind == OTHER:
            report = ReceiveReport(other=1)
        else:
            report = _apply(ctx, session, row, arl_reading(mail.subject, mail.payload or None))
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="return.received",
                     entity="received_mail", entity_id=str(row.id),
                     data={"message_id": row.message_id, "kind": kind, "outcome": row.outcome, "lot": row.lot_id})
        return report


def _apply(ctx: Context, session: Session, row: ReceivedMail, reading: ArlReading) -> ReceiveReport:
    if reading.subject is None or reading.arl is None:
        row.outcome = "arl_illisible"
        return ReceiveReport(problems=(f"ARL « {row.subject[:60]} » illisible : {reading.problem}",))
    arl = reading.arl
    row.positive, row.reason, row.arl_date = arl.positive, arl.reason, arl.arl_date
    row.label = arl_format.arl_label(arl.reason)[:200]
    row.details = json.dumps([{"motif": d.reason, "enregistrement": d.record, "libelle": d.label}
                              for d in arl.details], ensure_ascii=False)
    mail = outbox.by_stamp(session, reading.subject.stamp)
    if mail is None and scor.apply_arl(ctx, session, reading.subject.stamp, arl) is not None:
        row.outcome = "arl_scor"     # the ARL of a SCOR lot's own mail: its pieces moved (transmission.scor)
        return ReceiveReport()
    if mail is None:
        row.outcome = "arl_inconnu"
        return ReceiveReport(problems=(f"ARL pour un courriel inconnu de feuille (horodatage "
                                       f"{reading.subject.stamp}) : conservé, sans effet.",))
    row.lot_mail_id, row.lot_id = mail.id, mail.lot_id
    if mail.state == outbox.PENDING:   # the server had accepted it before a crash: the ARL is the proof
        outbox.finish(ctx, session, mail, None, "prouvé par son ARL")
    lot = lot_moves.lock_lot(session, mail.lot_id)
    applied = _apply_to_lot(ctx, session, lot, arl, row)
    return ReceiveReport(arls=(applied,))


def _arl_text(arl: arl_format.Arl) -> tuple[str, tuple[str, ...]]:
    if arl.positive:
        return "", ()
    details = tuple(f"{d.reason} {arl_format.arl_label(d.reason)}"
                    + (f" (enregistrement {d.record})" if d.record else "") + f" : {d.label.lower()}"
                    for d in arl.details)
    return f"Code: {arl.reason} {arl_format.arl_label(arl.reason)}", details


def _apply_to_lot(ctx: Context, session: Session, lot: Lot, arl: arl_format.Arl, row: ReceivedMail) -> ArlApplied:
    label, details = _arl_text(arl)
    event = LotEvent.ARL_POSITIVE if arl.positive else LotEvent.ARL_NEGATIVE
    if (LotState(lot.state), event) not in TRANSITIONS:   # settled already (a re-sent copy's answer)
        row.outcome = "arl_doublon"
        return ArlApplied(lot.id, lot.number, organism_of(lot), arl.positive, LABELS[LotState(lot.state)], label,
                          details, duplicate=True)
    data = {"stamp": row.subject.split("/")[2] if row.subject.count("/") >= 3 else "", "arl": arl.reason}
    if arl.positive:
        lot_moves.advance_lot(ctx, session, lot, event, "ARL positif", received_on=arl.arl_date,
                              arl_label=arl_format.arl_label(arl.reason))
        lot_moves.move_invoices(ctx, session, lot, Event.ACKNOWLEDGE, InvoiceState.SENT, data)
        row.outcome = "arl_positif"
    else:
        lot_moves.advance_lot(ctx, session, lot, event, label, received_on=arl.arl_date, arl_label=label)
        row.outcome = "arl_negatif"
        if not arl.reason.startswith(MAIL_LEVEL):
            lot_moves.advance_lot(ctx, session, lot, LotEvent.REJECT, label)
            lot_moves.release_invoices(ctx, session, lot, data)
    return ArlApplied(lot.id, lot.number, organism_of(lot), arl.positive, LABELS[LotState(lot.state)], label,
                      details, duplicate=False)


# --- missing ARLs -------------------------------------------------------------------------------------------

#: Lots waiting for an ARL whose silence the lot table knows how to take.
WAITING = tuple(state for state in LotState if (state, LotEvent.ARL_MISSING) in TRANSITIONS)


def check_missing(ctx: Context) -> list[MissingArl]:
    """Lots whose last mail left more than the delay ago without an ARL: moved on (see the module)."""
    with ctx.db.read() as session:
        days = send_settings.read(session).arl_delay_days
        ids = list(session.scalars(select(Lot.id).where(Lot.state.in_([s.value for s in WAITING]))
                                   .order_by(Lot.id)))
    limit = ctx.clock() - timedelta(days=days)
    out = []
    for lot_id in ids:
        found = _mark_missing(ctx, lot_id, limit, days)
        if found is not None:
            out.append(found)
    return out


@use_case
def _mark_missing(ctx: Context, lot_id: int, limit: datetime, days: int) -> MissingArl | None:
    with ctx.db.transaction() as session:
        lot = lot_moves.lock_lot(session, lot_id)
        last = outbox.last_sent(session, lot.id)
        if LotState(lot.state) not in WAITING or last is None or last.sent_at is None or last.sent_at > limit:
            return None
        lot_moves.advance_lot(ctx, session, lot, LotEvent.ARL_MISSING,
                              f"aucun ARL {days} jour(s) après le courriel {last.stamp}")
        return MissingArl(lot.id, lot.number, organism_of(lot), last.sent_at, LABELS[LotState(lot.state)])

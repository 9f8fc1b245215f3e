"""The outbox of lot mails (``lot_mails``): a mail's identity fixed before it leaves, and its acceptance recorded
with the lot's change (docs/teletransmission.md, « Garantie d'envoi »; ``sending`` tells the whole guarantee).

:func:`finish` is shared by the two ways a mail is known to have arrived: the mail server accepted it
(``sending``), or an ARL names its stamp (``acknowledgements``, after a crash between the two).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from feuille.auth import Context
from feuille.domain.invoices import Event, InvoiceState
from feuille.domain.lots import LotEvent
from feuille.formats import mail as mail_facts
from feuille.storage.models import LotMail
from feuille.transmission import lot_moves

PENDING, SENT, CANCELLED = "a_envoyer", "envoye", "annule"
FIRST, AUTOMATIC, MANUAL = "envoi", "renvoi", "relance"


def new_stamp(session: Session, now: datetime) -> str:
    """``AAAAMMJJHHMMSS`` + 5 digits: the count of lot mails so far, so two mails of one second differ (the
    column is unique: two desks drawing the same one at once, one is refused and runs again)."""
    count = session.scalar(select(func.count()).select_from(LotMail)) or 0
    return mail_facts.stamp(now, count + 1)


def by_stamp(session: Session, stamp: str) -> LotMail | None:
    return session.scalar(select(LotMail).where(LotMail.stamp == stamp))


def finish(ctx: Context, session: Session, mail: LotMail, message_id: str | None, how: str) -> bool:
    """The mail arrived (``how``: accepted by the server, or proved by its ARL): the row ``envoye``, the lot
    « Lot expédié » (« Réexpédié » for a re-send), its invoices « envoyée », in the caller's transaction. False
    when the row was no longer ``a_envoyer`` (done already: nothing changes)."""
    done = session.execute(update(LotMail).where(LotMail.id == mail.id, LotMail.state == PENDING)
                           .values(state=SENT, sent_at=ctx.clock(), message_id=message_id)
                           .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 1) != 1:
        return False
    session.refresh(mail)
    lot = lot_moves.lock_lot(session, mail.lot_id)
    event = LotEvent.SEND if mail.reason == FIRST else LotEvent.RESEND
    lot_moves.advance_lot(ctx, session, lot, event, f"courriel {mail.stamp} ({how})")
    lot_moves.move_invoices(ctx, session, lot, Event.SEND, InvoiceState.IN_LOT, {"stamp": mail.stamp})
    return True


def last_sent(session: Session, lot_id: int) -> LotMail | None:
    return session.scalar(select(LotMail).where(LotMail.lot_id == lot_id, LotMail.state == SENT)
                          .order_by(LotMail.sent_at.desc(), LotMail.id.desc()).limit(1))

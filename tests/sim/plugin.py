"""A plug-in for ``FEUILLE_SIM_PLUGINS`` in tests: a producer that can kill its process mid-advance, a mail hook
that can fail."""

from __future__ import annotations

import os
import signal
from datetime import date
from email.message import EmailMessage

from feuille_sim.clock import producer
from feuille_sim.hooks import on_mail_received
from feuille_sim.state import OutgoingMail, Tx


@producer("essai")
def one_mail_per_day(tx: Tx, from_date: date, to_date: date) -> list[OutgoingMail]:
    """One keyed mail per day in (from_date, to_date]; kills the process (SIGKILL) if the marker file exists."""
    mails = []
    for ordinal in range(from_date.toordinal() + 1, to_date.toordinal() + 1):
        day = date.fromordinal(ordinal)
        message = EmailMessage()
        message["Subject"] = f"jour {day.isoformat()}"
        message.set_content("essai")
        mails.append(OutgoingMail("cabinet", f"essai-{day.isoformat()}", bytes(message), "noemie", "01422"))
    marker = os.environ.get("FEUILLE_SIM_KILL_MARKER", "")
    if marker and os.path.exists(marker):
        os.remove(marker)
        os.kill(os.getpid(), signal.SIGKILL)
    return mails


@on_mail_received("essai")
def answer_each_mail(tx: Tx, mail_id: int) -> None:
    """Marks the mail ``vu`` and queues one keyed answer; fails while the marker file exists (a hook's bug)."""
    marker = os.environ.get("FEUILLE_SIM_HOOK_FAILS", "")
    if marker and os.path.exists(marker):
        raise RuntimeError("panne du contrôle de lot")
    mail = tx.received(mail_id)
    tx.add_outgoing(OutgoingMail("cabinet", f"reponse-{mail_id}", b"Subject: ARL\r\n\r\nrecu\r\n", "arl",
                                 str(mail["organism"])))
    tx.set_received_status(mail_id, "vu", "réponse envoyée")

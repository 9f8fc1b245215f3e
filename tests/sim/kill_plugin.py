"""A plug-in for ``FEUILLE_SIM_PLUGINS`` in tests: a producer that kills its own process once, mid-advance."""

from __future__ import annotations

import os
import signal
from datetime import date
from email.message import EmailMessage

from feuille_sim.clock import producer
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

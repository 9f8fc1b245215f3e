"""A plug-in for ``FEUILLE_SIM_PLUGINS``: a producer run after ``noemie`` (names run in order) that kills its process
(SIGKILL) while the marker file named by ``FEUILLE_SIM_PAY_KILL`` exists — a kill after the returns were built,
before the advance's transaction commits."""

from __future__ import annotations

import os
import signal
from datetime import date

from feuille_sim.clock import producer
from feuille_sim.state import OutgoingMail, Tx


@producer("zz_arret")
def kill_after_the_returns(tx: Tx, from_date: date, to_date: date) -> list[OutgoingMail]:
    marker = os.environ.get("FEUILLE_SIM_PAY_KILL", "")
    if marker and os.path.exists(marker):
        os.remove(marker)
        os.kill(os.getpid(), signal.SIGKILL)
    return []

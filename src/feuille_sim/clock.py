"""The simulator's clock and the producers that run when it moves (``feuille-sim avancer``).

A producer is ``fn(tx, from_date, to_date) -> list[OutgoingMail]``: what the caisse sends for the days after
``from_date`` up to ``to_date`` included (ARL, NOEMIE returns, payments). ``advance`` runs every producer and moves
the clock in ONE transaction: a kill before the commit leaves the clock and the mailboxes as they were, so running
it again produces the same mails once; a mail's ``key`` is unique, so a producer that answers again for days it has
already seen produces nothing new. Producers write their own bookkeeping through the same ``tx``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from feuille_sim.state import OutgoingMail, State, Tx

Producer = Callable[[Tx, date, date], list[OutgoingMail]]
MAX_DAYS = 3660

_PRODUCERS: dict[str, Producer] = {}


def producer(name: str) -> Callable[[Producer], Producer]:
    """Decorator: register a producer under ``name`` (run in name order; the same name again replaces it)."""
    def register(fn: Producer) -> Producer:
        _PRODUCERS[name] = fn
        return fn
    return register


def producers() -> dict[str, Producer]:
    return dict(sorted(_PRODUCERS.items()))


@dataclass(frozen=True)
class Advanced:
    from_date: date
    to_date: date
    produced: dict[str, int]   # producer name -> new mails queued


def advance(state: State, days: int) -> Advanced:
    if not 0 <= days <= MAX_DAYS:
        raise ValueError(days)
    with state.transaction() as tx:
        start = tx.today()
        end = start + timedelta(days=days)
        produced: dict[str, int] = {}
        for name, fn in producers().items():
            produced[name] = sum(tx.add_outgoing(mail) for mail in fn(tx, start, end))
        tx.set_today(end)
        tx.log("horloge", "feuille-sim", f"avance de {days} jour(s) : {start} → {end}",
               ", ".join(f"{k} {v}" for k, v in produced.items()) or "aucun producteur")
    return Advanced(start, end, produced)

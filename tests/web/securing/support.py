"""What the securing tests share: a practice with one invoice priced through the services, and the cards' JSON as
the desk's card agent gives it to the page."""

from __future__ import annotations

from typing import Any

from feuille.auth import Context, actor_for
from feuille.cards.agent_http import professional_json, vitale_json
from feuille.storage import Database
from tests.billing.support import FakeReader, practice
from tests.billing.test_securing import priced
from tests.conftest import fixed_clock


def admin(db: Database) -> Context:
    return Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)


def invoice(db: Database) -> int:
    """The practice of tests/billing (MEDECIN, FIRMIER, a remplaçant, Essai) and a consultation priced, rates
    checked: ready to secure."""
    ctx = admin(db)
    practice(ctx)
    return priced(ctx)


def cards(reader: FakeReader, *, vitale: bool = True) -> dict[str, Any]:
    return {"professionnelle": professional_json(reader.professional_card()),
            "vitale": vitale_json(reader.vitale_card()) if vitale else None}

"""Card fixtures live in ``tests/conftest.py`` (the billing tests sign with the virtual cards too); the card agents
a test starts are stopped after it (``tests/cards/agents.py``)."""

from __future__ import annotations

from tests.cards.agents import card_agents, session_minutes
from tests.conftest import MODULE

__all__ = ["MODULE", "card_agents", "session_minutes"]

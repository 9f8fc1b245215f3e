"""The card agents a billing test starts (``feuille card insert NAME --pin``) are stopped after it."""

from __future__ import annotations

from tests.cards.agents import card_agents, session_minutes

__all__ = ["card_agents", "session_minutes"]

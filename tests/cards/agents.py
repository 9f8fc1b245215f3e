"""The card agents a test starts (``feuille card insert NAME --pin``) never outlive it.

``card_agents`` is autouse in every test (``tests/conftest.py`` imports it): it records every
agent :func:`feuille.cards.agent_client.start` launches, then stops and reaps each one, failing the test if one
would not end.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from feuille.cards import agent_client
from feuille.config import get_settings


@pytest.fixture(autouse=True)
def card_agents(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[agent_client.AgentInfo]]:
    started: list[agent_client.AgentInfo] = []
    real = agent_client.start

    def recording(*args: Any, **kwargs: Any) -> agent_client.AgentInfo:
        info = real(*args, **kwargs)
        started.append(info)
        return info

    monkeypatch.setattr(agent_client, "start", recording)
    yield started
    left = []
    for info in started:
        agent_client.stop(info.socket)
        assert info.process is not None
        try:
            info.process.wait(10)
        except subprocess.TimeoutExpired:
            info.process.kill()
            info.process.wait(5)
            left.append(info.pid)
    assert not left, f"card agents that would not stop: {left}"


@pytest.fixture
def session_minutes(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``session_minutes(0.02)``: the card agents started next end after that long without signing."""

    def set_minutes(minutes: float) -> None:
        monkeypatch.setenv("FEUILLE_CARD_SESSION_MINUTES", str(minutes))
        get_settings.cache_clear()

    yield set_minutes
    monkeypatch.delenv("FEUILLE_CARD_SESSION_MINUTES", raising=False)
    get_settings.cache_clear()

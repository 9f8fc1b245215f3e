"""The offline browser tests' server: the application on a fixed free port, stopped and started again by the test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from tests.web.offline.switchable import SwitchableServer


@pytest.fixture
def server(app: FastAPI) -> Iterator[SwitchableServer]:
    switchable = SwitchableServer(app)
    switchable.start()
    yield switchable
    switchable.stop()

"""Web fixtures: the application over the ``db`` fixture (SQLite and PostgreSQL), and Debian's Chromium for the
browser tests, driven by pytest-playwright. A missing Chromium fails the browser tests loudly (``make test``
installs it: scripts/ensure-chromium.sh); Playwright never downloads a browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from feuille.storage import Database
from tests.web import support

#: Browser tests run on PostgreSQL too where the engine meets what the browser does: the whole invoice, and the
#: offline records (stored once however often and however concurrently they are sent). Everywhere else the pages
#: and the services under them are tested on both engines over HTTP; the browser adds its scripts, not SQL.
BROWSER_ON_BOTH_ENGINES = {"test_whole_invoice.py", "test_browser_offline.py", "test_browser_offline_billing.py"}


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """As a ``parametrize`` mark on the test (put first, so that pytest's own hooks see it and do not also
    parametrize ``db_url`` with the fixture's two engines)."""
    in_browser = {"page", "browser_type"} & set(metafunc.fixturenames)
    if in_browser and "db_url" in metafunc.fixturenames \
            and metafunc.definition.path.name not in BROWSER_ON_BOTH_ENGINES:
        metafunc.definition.add_marker(pytest.mark.parametrize("db_url", ["sqlite"], indirect=True))


@pytest.fixture
def app(db: Database) -> FastAPI:
    return support.application(db)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not os.access(support.CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium absent ({support.CHROMIUM}) : « make test » l'installe (apt-get install chromium).")
    return {**browser_type_launch_args, "executable_path": support.CHROMIUM, "args": support.CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris",
            "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session", autouse=True)
def patient_expectations() -> None:
    """Playwright's assertions wait 5 s by default; CI runs two workers on two cores beside a browser, where one
    htmx round trip can take longer. Waiting longer makes no failing test pass: it only fails later."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)


@pytest.fixture
def live(app: FastAPI) -> Iterator[str]:
    """The application served on a free loopback port for the browser, stopped after the test."""
    with support.live_server(app) as base:
        yield base

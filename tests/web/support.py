"""What web tests share: an application over a test database, users of each role with a password, a signed-in
HTTP client (CSRF token at hand), a live server on a free loopback port, screenshots kept as artefacts."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from feuille import signin
from feuille.auth import Context, Role, actor_for, create_user, list_users
from feuille.storage import Database
from feuille.web.app import build

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screens"
PASSWORD = "mot-de-passe-de-test"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]*)"')


def user(db: Database, role: Role, login: str | None = None) -> str:
    """A user of ``role`` with the test password (created once per database); returns his login."""
    login = login or f"u_{role.value}"
    admin = Context(db=db, actor=actor_for(db, "admin"))
    if login not in {known.login for known in list_users(admin)}:
        create_user(admin, login, f"Utilisateur {role.value}", role)
    signin.set_password(admin, login, PASSWORD)
    return login


@dataclass
class Signed:
    """A client signed in through the sign-in page, with the session's CSRF token."""

    client: TestClient
    csrf: str
    login: str

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.client.post(url, data={**(data or {}), "csrf": self.csrf}, **kwargs)

    def api(self, method: str, url: str, **kwargs: Any) -> Any:
        headers = {**kwargs.pop("headers", {}), "X-CSRF-Token": self.csrf}
        return self.client.request(method, url, headers=headers, **kwargs)


def sign_in(app: FastAPI, db: Database, role: Role, login: str | None = None) -> Signed:
    login = user(db, role, login)
    client = TestClient(app)
    answer = client.post("/connexion", data={"identifiant": login, "mot_de_passe": PASSWORD, "suite": "/"},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    found = _CSRF.search(client.get("/").text)
    assert found and found.group(1)
    return Signed(client, found.group(1), login)


def application(db: Database) -> FastAPI:
    return build(db)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """The application served by uvicorn on 127.0.0.1 and a free port, stopped on the way out."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("le serveur web de test n'a pas démarré")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def screenshot(page: Any, name: str) -> Path:
    """Keep a screenshot of a main screen as a test artefact (test-artifacts/screens/NAME.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def browser_sign_in(page: Any, base: str, login: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/connexion")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/")


def pair_agent(page: Any, agent: Any) -> None:
    """The page paired with the desk's card agent, as « Lecteur de cartes » does (its address and token kept)."""
    page.evaluate("([url, token]) => window.feuilleAgent.pair(url, token)", [agent.url, agent.token])

"""The caisse de test's HTTPS services: one ASGI app served by uvicorn with the test certificate.

``service_app`` is the ADRi app of ``feuille_sim.rights.service`` when it exists, else an app of its own; both get
``GET /sante`` and ``GET /annuaire/organismes/<code>.pem``. A middleware wraps whatever app it is: the exchange log
(every request: who, what, status) and, for the simulator's own app only (the ADRi app applies the same file
itself), the fault mode of ``feuille-sim panne`` (``erreur``: 503; ``lent``: answers after N seconds; ``muet``:
no answer for N seconds (default 1 hour: the client's timeout comes first), then the 503 of ``erreur``) on
``/adri/…`` only: ``/sante`` and the certificate directory are never faulted.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import PlainTextResponse

from feuille_sim.pki import Pki
from feuille_sim.state import State

Scope = dict[str, Any]
MUTE_DEFAULT_SECONDS = 3600.0
ADRI_PREFIX = "/adri/"   # the routes a fault applies to (the ADRi app's are under /adri/v1/)


def own_app(state_dir: Path) -> FastAPI:
    app = FastAPI(title="Caisse de test feuille", docs_url=None, redoc_url=None, openapi_url=None)
    add_common_routes(app, state_dir)
    return app


def add_common_routes(app: FastAPI, state_dir: Path) -> None:
    pki = Pki(state_dir)

    @app.get("/sante")
    def sante() -> dict[str, str]:
        return {"etat": "ok"}

    @app.get("/annuaire/organismes/{code}.pem", response_class=PlainTextResponse)
    def certificat(code: str) -> str:
        """The S/MIME certificate of an insurer mailbox (the part of the SESAM-Vitale directory feuille reads)."""
        try:
            return pki.organism_certificate(code).read_text(encoding="ascii")
        except ValueError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc


def service_app(state: State, cards_dir: Path | None) -> tuple[FastAPI, bool]:
    """The ADRi app (``feuille_sim.rights.service.create_app``) with the common routes, or the simulator's own app;
    and whether the middleware must apply the fault mode (only to its own app)."""
    try:
        module = importlib.import_module("feuille_sim.rights.service")
    except ModuleNotFoundError:
        return own_app(state.folder), True

    def clock() -> datetime:   # the simulator's date, the machine's time of day
        return datetime.combine(state.today(), datetime.now().time())

    accepted = inspect.signature(module.create_app).parameters
    extra = {k: v for k, v in (("cards_dir", cards_dir), ("clock", clock)) if k in accepted}
    app: FastAPI = module.create_app(state.folder, **extra)
    if not any(getattr(route, "path", "") == "/sante" for route in app.routes):
        add_common_routes(app, state.folder)
    return app, False


class LoggedAndFaulted:
    """ASGI middleware: the exchange log and the fault mode, for any app."""

    def __init__(self, app: Any, state: State, apply_faults: bool = True) -> None:
        self.app, self.state, self.apply_faults = app, state, apply_faults

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client") or ("?", 0)
        who = f"{client[0]}:{client[1]}"
        what = f"{scope['method']} {scope['path']}"[:200]
        faulted = self.apply_faults and scope["path"].startswith(ADRI_PREFIX)
        mode, seconds = self.state.fault() if faulted else ("aucune", 0.0)
        if mode == "muet":
            self.state.log("https", who, what, "sans réponse (panne simulée)")
            await asyncio.sleep(seconds or MUTE_DEFAULT_SECONDS)
        if mode in ("erreur", "muet"):
            self.state.log("https", who, what, "503 (panne simulée)")
            body = json.dumps({"code": "service_indisponible", "message": "Service ADRi indisponible (panne simulée)."},
                              ensure_ascii=False).encode()
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"content-type", b"application/json"), (b"retry-after", b"60")]})
            await send({"type": "http.response.body", "body": body})
            return
        if mode == "lent":
            await asyncio.sleep(seconds)
        status: list[int] = []

        async def logged_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, logged_send)
        finally:
            self.state.log("https", who, what, str(status[0]) if status else "sans réponse")

"""A live server the browser tests can stop and start again on the same port (the same origin, so that the
browser's service worker, IndexedDB and cookies stay those of the page): the server down, then back."""

from __future__ import annotations

import threading
import time

import uvicorn
from fastapi import FastAPI

from tests.web import support


class SwitchableServer:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.port = support.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                                     log_level="warning", access_log=False, lifespan="off",
                                                     timeout_graceful_shutdown=2))
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("le serveur web de test n'a pas démarré")
            time.sleep(0.02)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=20)
            assert not self._thread.is_alive(), "le serveur web de test ne s'est pas arrêté"
        self._server = self._thread = None

"""Killing a ``feuille`` subprocess at a named checkpoint of a transmission, and an SMTP link to kill it during.

``feuille.transmission.checkpoints`` only calls observers; this module registers one in the subprocess: the test
puts :func:`sitecustomize_dir` on its ``PYTHONPATH`` and ``FEUILLE_KILL_AT=<point>`` in its environment, and the
process kills itself (SIGKILL: no ``finally``, no flush, as a power cut) when it reaches that point.

:class:`Link` is a TCP proxy between the product and the caisse's SMTP port that lets the test stop the dialogue
where it wants: ``cut`` stops forwarding the client's bytes once it has sent ``after`` bytes (the mail never
completes), ``mute`` forwards them all but holds the server's answers after that (the server accepted the mail,
the client never hears it).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
from pathlib import Path

ENV = "FEUILLE_KILL_AT"


class Crash(BaseException):
    """A crash at a checkpoint in process (the product catches no BaseException but re-raises it, as for a kill);
    not KeyboardInterrupt, which pytest and Hypothesis read as the user stopping the run."""

SITECUSTOMIZE = '''
import os
if os.environ.get("FEUILLE_KILL_AT"):
    from tests.support import kill_points
    kill_points.install()
'''


def sitecustomize_dir(root: Path) -> Path:
    """A folder holding a ``sitecustomize.py`` that installs the killer (for the subprocess's PYTHONPATH)."""
    folder = root / "kill-site"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    return folder


def install() -> None:
    from feuille.transmission import checkpoints

    wanted = os.environ.get(ENV, "")

    def kill(name: str) -> None:
        if name == wanted:
            os.kill(os.getpid(), signal.SIGKILL)

    checkpoints.observe(kill)


class Link:
    """127.0.0.1:<port> → target, one connection at a time is enough for one ``feuille`` run."""

    def __init__(self, target: tuple[str, int], mode: str = "pass", after: int = 0) -> None:
        self.target, self.mode, self.after = target, mode, after
        self.sent = 0                      # client bytes forwarded
        self.tripped = threading.Event()   # the client passed ``after`` bytes
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        try:
            while data := source.recv(65536):
                if from_client:
                    if self.mode == "cut" and self.tripped.is_set():
                        continue
                    self.sent += len(data)
                    if self.mode != "pass" and self.sent >= self.after:
                        self.tripped.set()
                elif self.mode == "mute" and self.tripped.is_set():
                    continue
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.server.close()
        for sock in self.sockets:
            sock.close()

"""The card agent: keeps one CPS/CPE logged in between CLI commands (``python -m feuille.cards.agent``).

Started by :func:`feuille.cards.agent_client.start` after ``feuille carte inserer NAME --pin`` verified the PIN. It
reads the PIN on stdin, logs in to the card's PKCS#11 token through the same :class:`VirtualCardReader` (and so
the same ``Pkcs11Token`` code a real desk runs with the CPS Cryptolib module), answers one line on stdout (ready,
or why not), then serves the requests of ``agent_client`` on its Unix socket until one of these ends it:

* ``stop`` (the card is removed, another card or a new insertion takes the slot, the card is unblocked);
* the insertion it serves is no longer the one in ``reader.json`` (whoever changed it);
* its socket is removed or replaced (a newer agent took the path, the card directory is gone);
* nobody asked it to sign for ``--minutes`` (FEUILLE_CARD_SESSION_MINUTES);
* the card refuses (PIN changed, card blocked), SIGTERM or SIGHUP.

The PIN stays in this process's memory only: no core dump, no ptrace by the same user (``PR_SET_DUMPABLE``).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import ctypes
import json
import os
import resource
import signal
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from feuille.cards import agent_client
from feuille.cards.port import CardError
from feuille.cards.virtual import VirtualCardReader

TICK = 0.5                  # seconds between two checks of the reasons to end


def _now() -> float:
    """Seconds on a clock that goes on while the machine sleeps: a night in standby ends a working-day session."""
    return time.clock_gettime(getattr(time, "CLOCK_BOOTTIME", time.CLOCK_MONOTONIC))


class Agent:
    """One card's session: the reader that verified its PIN, the insertion it serves, the socket it listens on."""

    def __init__(self, reader: VirtualCardReader, serial: str, insertion: str, idle: float, path: Path) -> None:
        self.reader, self.serial, self.insertion, self.idle, self.path = reader, serial, insertion, idle, path
        self.last_used = _now()
        self.server: socket.socket | None = None
        self.inode: tuple[int, int] | None = None

    # --- socket ------------------------------------------------------------------------------------------------

    def bind(self) -> None:
        """Listen on a temporary name, then rename it into place: a client never sees a half-made socket."""
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        temporary.unlink(missing_ok=True)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            server.bind(str(temporary))
        finally:
            os.umask(old)
        os.chmod(temporary, 0o600)
        server.listen(8)
        server.settimeout(TICK)
        os.replace(temporary, self.path)   # an older agent sees its socket replaced and ends
        info = os.stat(self.path)
        self.server, self.inode = server, (info.st_ino, info.st_dev)

    def close(self) -> None:
        """Stop listening; remove the socket if it is still ours (a newer agent may have replaced it). Repeating
        it does nothing more."""
        if self.server is not None:
            self.server.close()
            self.server = None
        if self.inode is not None and self._socket_is_ours():
            with contextlib.suppress(OSError):
                self.path.unlink()

    def _socket_is_ours(self) -> bool:
        try:
            info = os.stat(self.path)
        except OSError:
            return False
        return (info.st_ino, info.st_dev) == self.inode

    # --- loop --------------------------------------------------------------------------------------------------

    def ended(self) -> bool:
        if self.server is None or not self._socket_is_ours():
            return True
        if _now() - self.last_used > self.idle:
            return True
        try:
            return self.reader.current_insertion(self.serial) != self.insertion
        except CardError:
            return True

    def serve(self) -> None:
        try:
            while not self.ended():
                assert self.server is not None
                try:
                    conn, _ = self.server.accept()
                except (TimeoutError, InterruptedError):
                    continue
                with conn:
                    self.handle(conn)
        finally:
            self.close()

    def handle(self, conn: socket.socket) -> None:
        conn.settimeout(5.0)
        other = agent_client.peer(conn)
        if other is not None and other[1] != os.getuid():
            return   # another user's process: not even an answer
        try:
            request = agent_client.read_line(conn)
            answer = self.answer(request or {})
            agent_client.send_line(conn, answer)
        except OSError:
            return

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        if op == "status":
            return {"ok": True, "pid": os.getpid(), "serial": self.serial, "insertion": self.insertion,
                    "idle_left": max(0.0, self.idle - (_now() - self.last_used))}
        if op == "stop":
            self.close()   # gone before the answer: the next request already finds no agent
            return {"ok": True}
        if op == "sign":
            return self._sign(request)
        return {"ok": False, "error": "device", "reason": "requête inconnue pour l'agent de la carte"}

    def _sign(self, request: dict[str, Any]) -> dict[str, Any]:
        if request.get("serial") != self.serial or request.get("insertion") != self.insertion:
            return {"ok": False, "error": "pin_not_verified"}   # another card, or another insertion of it
        try:
            data = base64.b64decode(str(request.get("data", "")), validate=True)
        except (binascii.Error, ValueError):
            return {"ok": False, "error": "device", "reason": "données à signer illisibles"}
        try:
            signature = self.reader.sign(self.serial, data)
        except CardError as exc:
            answer = agent_client.error_answer(exc)
            if answer["error"] in ("pin_not_verified", "no_card", "card_blocked"):
                self.close()   # the card's session is over: whoever asks next must give the PIN again
            return answer
        self.last_used = _now()
        return {"ok": True, "algorithm": signature.algorithm,
                "value": base64.b64encode(signature.value).decode("ascii"),
                "public_key": base64.b64encode(signature.public_key).decode("ascii")}


def _harden() -> None:
    """The PIN lives in this process: no core dump, no ptrace by the same user, where the system allows it."""
    with contextlib.suppress(OSError, ValueError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)   # PR_SET_DUMPABLE, 0


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m feuille.cards.agent",
                                     description="Agent de la carte CPS/CPE (le code porteur est lu sur l'entrée "
                                                 "standard).")
    parser.add_argument("--dossier", required=True, help="Dossier des cartes virtuelles.")
    parser.add_argument("--module", required=True, help="Module PKCS#11.")
    parser.add_argument("--serie", required=True, help="Numéro de série de la carte.")
    parser.add_argument("--insertion", required=True, help="Identifiant de l'insertion servie.")
    parser.add_argument("--minutes", required=True, type=float, help="Fin après ce temps sans signature.")
    parser.add_argument("--socket", required=True, help="Chemin de la socket Unix.")
    return parser.parse_args(argv)


def _tell(answer: dict[str, Any]) -> None:
    """The one line the starting process waits for; then stdout and stderr go to /dev/null."""
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)   # runs Agent.serve's cleanup: the socket goes


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    _harden()
    pin = sys.stdin.readline().strip()
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    reader = VirtualCardReader(args.dossier, args.module, use_agent=False)
    agent = Agent(reader, args.serie, args.insertion, max(1.0, args.minutes * 60), Path(args.socket))
    try:
        reader.login_for(args.serie, args.insertion, pin)
        agent.bind()
    except CardError as exc:
        _tell(agent_client.error_answer(exc))
        return 1
    except Exception as exc:  # whatever it is, the starting process must hear it
        agent.close()
        _tell({"ok": False, "error": "device", "reason": f"agent de la carte : {type(exc).__name__} {exc}"})
        return 1
    del pin
    try:  # a SIGTERM right after "ready", before the loop starts, must remove the socket too
        _tell({"ok": True, "pid": os.getpid()})
        agent.serve()
    finally:
        agent.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

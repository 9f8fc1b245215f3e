"""Talking to the card agent: where its socket is, starting it, asking it to sign, stopping it.

A CLI runs one process per command, so a PIN verified by ``feuille carte inserer NAME --pin`` would die with that
process. As ssh-agent keeps a key, or the CPS Cryptolib daemon keeps the card's session, the card agent
(``python -m feuille.cards.agent``) keeps the card logged in: it gets the PIN on its stdin (never argv, the
environment or a file), logs in to the card's PKCS#11 token and signs for the processes of the same user.

Protocol: one connection per request on a Unix socket, one JSON line each way.

* ``{"op": "status"}`` → ``{"ok": true, "pid", "serial", "insertion", "idle_left"}``
* ``{"op": "sign", "serial", "insertion", "data": base64}`` → ``{"ok": true, "algorithm", "value", "public_key"}``
* ``{"op": "stop"}`` → ``{"ok": true}`` (the socket is gone before the answer is sent)

A refusal is ``{"ok": false, "error": CODE, ...}`` with the fields of the reader's error (see :func:`error_answer`).
The socket is ``<card dir>/agent/cps.sock`` (folder 0700, socket 0600); when that path is too long for a Unix
socket, ``$XDG_RUNTIME_DIR/feuille-cartes/`` (else ``/tmp/feuille-UID-cartes/``, refused if another user made it)
with a name hashed from the card directory. Both ends check the other is the same user (``SO_PEERCRED``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import select
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import feuille
from feuille.cards.port import (
    CardBlockedError,
    CardDataError,
    CardDeviceError,
    CardError,
    CardKind,
    NoCardError,
    PinFormatError,
    PinNotVerifiedError,
    WrongPinError,
)

SOCKET_NAME = "cps.sock"
MAX_SOCKET_PATH = 90        # sun_path holds 108 bytes on Linux, 104 on macOS; the agent binds a longer temp name
MAX_LINE = 1 << 20          # an invoice's canonical bytes in base64 stay far below
CONNECT_TIMEOUT = 2.0
ANSWER_TIMEOUT = 30.0       # a real card takes a moment to sign
STOP_TIMEOUT = 3.0
START_TIMEOUT = 30.0        # the agent starts Python, loads the PKCS#11 module and logs in


@dataclass(frozen=True)
class AgentInfo:
    """A started agent. ``process`` is kept so that whoever started it may reap it (tests do)."""

    socket: Path
    pid: int
    process: subprocess.Popen[bytes] | None = None


@dataclass(frozen=True)
class AgentStatus:
    pid: int
    serial: str
    insertion: str
    idle_left: float         # seconds before the agent ends unless it signs meanwhile


# --- where ---------------------------------------------------------------------------------------------------------

def socket_path(root: Path) -> Path:
    """The socket of the agent serving the professional slot of the card directory ``root``."""
    root = Path(os.path.abspath(root))   # every process must compute the same path
    preferred = root / "agent" / SOCKET_NAME
    if len(os.fsencode(preferred)) <= MAX_SOCKET_PATH:
        return preferred
    name = f"{hashlib.sha256(os.fsencode(root)).hexdigest()[:16]}.sock"
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and len(os.fsencode(Path(runtime) / "feuille-cartes" / name)) <= MAX_SOCKET_PATH:
        return Path(runtime) / "feuille-cartes" / name
    return Path(tempfile.gettempdir()) / f"feuille-{os.getuid()}-cartes" / name


def private_dir(folder: Path) -> None:
    """Create ``folder`` as 0700; refuse one that is not a folder of this user (a shared /tmp)."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
    except FileExistsError:   # not a folder: refused below
        info = os.lstat(folder)
    except OSError as exc:
        raise CardDeviceError(f"dossier de l'agent de la carte {folder} impossible à créer "
                              f"({type(exc).__name__})") from exc
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise CardDeviceError(f"dossier de l'agent de la carte {folder} : il n'appartient pas à l'utilisateur")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(folder, 0o700)


# --- the wire ------------------------------------------------------------------------------------------------------

def peer(sock: socket.socket) -> tuple[int, int] | None:
    """(pid, uid) of the other end, where the system tells it (Linux: SO_PEERCRED)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:  # pragma: no cover - not Linux: the 0700 folder is the only guard
        return None
    pid, uid, _ = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i")))
    return pid, uid


def send_line(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.sendall(json.dumps(message, separators=(",", ":")).encode("utf-8") + b"\n")


def read_line(sock: socket.socket) -> dict[str, Any] | None:
    """One JSON object ended by a newline; None when the line is missing, too long or not an object."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_LINE:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        chunks.append(chunk)
        size += len(chunk)
        if b"\n" in chunk:
            try:
                data = json.loads(b"".join(chunks).split(b"\n", 1)[0])
            except ValueError:
                return None
            return data if isinstance(data, dict) else None
    return None


def _connect(path: Path) -> tuple[socket.socket, int | None] | None:
    """A connection to a live agent of ours, or None (no agent; a dead one's socket is removed)."""
    try:
        before = os.lstat(path)
    except OSError:
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(CONNECT_TIMEOUT)
    try:
        sock.connect(str(path))
    except ConnectionRefusedError:  # nobody listens: the agent was killed
        sock.close()
        _remove_stale(path, before)
        return None
    except OSError:
        sock.close()
        return None
    other = peer(sock)
    if other is not None and other[1] != os.getuid():
        sock.close()
        return None
    return sock, other[0] if other else None


def _remove_stale(path: Path, seen: os.stat_result) -> None:
    with contextlib.suppress(OSError):
        now = os.lstat(path)
        if stat.S_ISSOCK(now.st_mode) and (now.st_ino, now.st_dev) == (seen.st_ino, seen.st_dev):
            path.unlink()


def exchange(path: Path, request: dict[str, Any], timeout: float = ANSWER_TIMEOUT) -> dict[str, Any] | None:
    """Send one request, read its answer; None when no agent answers."""
    found = _connect(path)
    if found is None:
        return None
    sock, pid = found
    with sock:
        try:
            sock.settimeout(timeout)
            send_line(sock, request)
            answer = read_line(sock)
        except OSError:
            answer = None
    if answer is None and pid is not None and request.get("op") == "stop":
        _end(pid)
    return answer


def _end(pid: int) -> None:
    """The agent took the connection but did not answer « stop ». It may be ending on its own (its card was just
    pulled out, and it closed before reading the request): it gets a moment, then SIGTERM. Sent while it is
    already finishing, the signal would kill it mid-exit instead of letting it end cleanly."""
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            return   # gone
        if _exited_child(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGTERM)


def _exited_child(pid: int) -> bool:
    """A child of this process that has ended but is not reaped yet still answers ``kill(pid, 0)``; not reaped
    here (its ``Popen`` does that), only looked at."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return False


# --- errors both ways ------------------------------------------------------------------------------------------------

def error_answer(error: CardError) -> dict[str, Any]:
    """The JSON refusal for a reader error (the agent's side)."""
    if isinstance(error, WrongPinError):
        return {"ok": False, "error": "wrong_pin", "remaining": error.remaining}
    if isinstance(error, CardBlockedError):
        return {"ok": False, "error": "card_blocked", "kind": error.kind.value, "serial": error.serial}
    if isinstance(error, PinFormatError):
        return {"ok": False, "error": "pin_format"}
    if isinstance(error, CardDataError):
        return {"ok": False, "error": "card_data", "name": error.name, "reason": error.reason}
    if isinstance(error, CardDeviceError):
        return {"ok": False, "error": "device", "reason": error.reason}
    if isinstance(error, NoCardError):
        return {"ok": False, "error": "no_card"}
    return {"ok": False, "error": "pin_not_verified"}


def raise_for(answer: dict[str, Any]) -> None:
    """The reader error a refusal stands for (the client's side)."""
    code = answer.get("error")
    if code == "wrong_pin":
        raise WrongPinError(int(answer.get("remaining", 0)))
    if code == "card_blocked":
        raise CardBlockedError(CardKind(answer.get("kind", "cps")), str(answer.get("serial", "")))
    if code == "pin_format":
        raise PinFormatError("pin", 4)
    if code == "card_data":
        raise CardDataError(str(answer.get("name", "")), str(answer.get("reason", "")))
    if code == "device":
        raise CardDeviceError(str(answer.get("reason", "agent de la carte en erreur")))
    if code == "no_card":
        raise NoCardError("the card agent's card is no longer in the reader")
    raise PinNotVerifiedError("the card agent refused: PIN no longer verified")


# --- requests ------------------------------------------------------------------------------------------------------

def status(path: Path) -> AgentStatus | None:
    answer = exchange(path, {"op": "status"}, CONNECT_TIMEOUT)
    if not answer or not answer.get("ok"):
        return None
    try:
        return AgentStatus(int(answer["pid"]), str(answer["serial"]), str(answer["insertion"]),
                           float(answer["idle_left"]))
    except (KeyError, TypeError, ValueError):
        return None


def sign(path: Path, serial: str, insertion: str, data: bytes) -> tuple[str, bytes, bytes] | None:
    """(algorithm, value, public key) signed by the agent; None when no agent serves; a refusal raises."""
    answer = exchange(path, {"op": "sign", "serial": serial, "insertion": insertion,
                             "data": base64.b64encode(data).decode("ascii")})
    if answer is None:
        return None
    if not answer.get("ok"):
        raise_for(answer)
    try:
        return (str(answer["algorithm"]), base64.b64decode(answer["value"], validate=True),
                base64.b64decode(answer["public_key"], validate=True))
    except (KeyError, TypeError, ValueError):
        raise CardDeviceError("réponse illisible de l'agent de la carte") from None


def stop(path: Path) -> bool:
    """Ask the agent to end (a dead one's socket is removed); True if one was running."""
    return exchange(path, {"op": "stop"}, STOP_TIMEOUT) is not None


def start(root: Path, module: str, serial: str, insertion: str, pin: str, minutes: float) -> AgentInfo:
    """Start an agent for this insertion of the card ``serial``; returns once it is logged in and listening."""
    path = socket_path(root)
    command = [sys.executable, "-m", "feuille.cards.agent", "--dossier", os.path.abspath(root), "--module", module,
               "--serie", serial, "--insertion", insertion, "--minutes", repr(float(minutes)), "--socket", str(path)]
    env = dict(os.environ)
    source = str(Path(feuille.__file__).resolve().parents[1])   # the agent runs this very code
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source, env.get("PYTHONPATH")) if p)
    try:
        private_dir(path.parent)
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, cwd="/", env=env, start_new_session=True,
                                   close_fds=True)
    except OSError as exc:
        raise CardDeviceError(f"agent de la carte impossible à démarrer ({type(exc).__name__})") from exc
    assert process.stdin is not None and process.stdout is not None
    try:
        with contextlib.suppress(BrokenPipeError):
            process.stdin.write(pin.encode("ascii", "replace") + b"\n")
            process.stdin.close()
        answer = _ready(process.stdout, START_TIMEOUT)
    finally:
        process.stdout.close()
    if answer is None or not answer.get("ok"):
        with contextlib.suppress(OSError):
            process.kill()
        process.wait(5)
        if answer is None:
            raise CardDeviceError("l'agent de la carte n'a pas démarré")
        raise_for(answer)
    return AgentInfo(path, process.pid, process)


def _ready(stream: IO[bytes], timeout: float) -> dict[str, Any] | None:
    """The agent's one line on stdout: ready, or why not."""
    deadline = time.monotonic() + timeout
    data = b""
    fd = stream.fileno()
    while b"\n" not in data and len(data) < MAX_LINE:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    try:
        answer = json.loads(data.split(b"\n", 1)[0])
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None

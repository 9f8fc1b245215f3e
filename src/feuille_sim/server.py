"""``feuille-sim servir``: every service of the caisse de test in one process, one event loop.

SMTP (aiosmtpd, STARTTLS; and SMTPS, TLS from the first byte), POP3 (STLS; and POP3S), IMAP over TLS (and with
STARTTLS) and HTTPS (uvicorn) listen on the host given (127.0.0.1 by default), each on its port or a free one.
``DIR/ports.json`` is written atomically only once all of them listen; a lock on ``DIR/serveur.lock`` (released by
the system even on a kill) keeps a second process off the same folder. SIGTERM or SIGINT stops the services and
removes the ``pid`` entry of ``ports.json``.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import signal
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TextIO

import uvicorn

from feuille_sim import imap, pop3
from feuille_sim.hooks import load_plugins, process_pending
from feuille_sim.https import LoggedAndFaulted, service_app
from feuille_sim.pki import Pki
from feuille_sim.smtp import smtp_factory
from feuille_sim.state import State, now

PORTS_FILE = "ports.json"
LOCK_FILE = "serveur.lock"
TEST_MAILBOX = "01996"   # FORMATS.md §2: the test mailbox of régime 01
SERVICES = ("smtp", "smtps", "pop3", "pop3s", "imap", "imap_starttls", "adri")


class AlreadyServing(Exception):
    pass


@dataclass
class Options:
    folder: Path
    host: str = "127.0.0.1"
    ports: dict[str, int] = field(default_factory=dict)   # service -> port; 0 or absent = a free one
    cards_dir: Path | None = None


def read_ports(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / PORTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def pid_alive(pid: object) -> bool:
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_pid(folder: Path) -> int | None:
    """The pid of the live process serving ``folder``, if any."""
    data = read_ports(folder) or {}
    pid = data.get("pid")
    return pid if isinstance(pid, int) and pid_alive(pid) else None


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            pid = (read_ports(folder) or {}).get("pid")
            raise AlreadyServing(f"Une caisse de test tourne déjà sur {folder}"
                                 + (f" (processus {pid})" if pid else "") + " : arrêtez-la d'abord.") from exc
        yield


class _Uvicorn(uvicorn.Server):
    """uvicorn without its own signal handlers: the process stops all services together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(100)
    sock.setblocking(False)
    return sock


def serve(options: Options, out: TextIO) -> None:
    folder = options.folder.resolve()
    with folder_lock(folder):
        state = State(folder)
        pki = Pki(folder)
        pki.ensure(hosts=tuple(dict.fromkeys((options.host, "127.0.0.1", "localhost"))))
        pki.organism_certificate(TEST_MAILBOX)
        load_plugins()
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(pki.server_file, pki.server_key_file)
        asyncio.run(_serve(options, folder, state, pki, tls, out))


async def _serve(options: Options, folder: Path, state: State, pki: Pki, tls: ssl.SSLContext, out: TextIO) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    host = options.host
    sockets = {name: bind(host, options.ports.get(name) or 0) for name in SERVICES}
    smtp_server = await loop.create_server(partial(smtp_factory, state, tls, "caisse-de-test"), sock=sockets["smtp"])
    smtps_server = await loop.create_server(partial(smtp_factory, state, None, "caisse-de-test"),
                                            sock=sockets["smtps"], ssl=tls)
    pop3_server = await asyncio.start_server(partial(pop3.serve_client, state, tls), sock=sockets["pop3"],
                                             limit=pop3.MAX_LINE * 4)
    pop3s_server = await asyncio.start_server(partial(pop3.serve_client, state, tls, secure=True),
                                              sock=sockets["pop3s"], ssl=tls, limit=pop3.MAX_LINE * 4)
    imap_server = await asyncio.start_server(partial(imap.serve_client, state), sock=sockets["imap"], ssl=tls,
                                             limit=imap.MAX_LINE * 4)
    imap_starttls_server = await asyncio.start_server(partial(imap.serve_client, state, tls=tls),
                                                      sock=sockets["imap_starttls"], limit=imap.MAX_LINE * 4)
    app, apply_faults = service_app(state, options.cards_dir)
    config = uvicorn.Config(LoggedAndFaulted(app, state, apply_faults), ssl_certfile=str(pki.server_file),
                            ssl_keyfile=str(pki.server_key_file), log_config=None, log_level="warning",
                            access_log=False, lifespan="off",
                            timeout_graceful_shutdown=2)
    web = _Uvicorn(config)
    web_task = asyncio.create_task(web.serve(sockets=[sockets["adri"]]))
    while not web.started:
        if web_task.done():
            web_task.result()
            raise RuntimeError("Le service HTTPS n'a pas démarré.")
        await asyncio.sleep(0.05)
    ports = {name: sock.getsockname()[1] for name, sock in sockets.items()}
    info = {"pid": os.getpid(), "hote": host, "ports": ports, "adri_url": f"https://{_url_host(host)}:{ports['adri']}",
            "ca": str(pki.ca_file), "organismes": str(pki.organisms_dir),
            "boites": {name: {"utilisateur": name, "mot_de_passe": password}
                       for name, password in state.mailboxes().items()},
            "cartes": str(options.cards_dir.resolve()) if options.cards_dir else None,
            "dossier": str(folder), "demarre_le": now()}
    write_json_atomic(folder / PORTS_FILE, info)
    process_pending(state)   # after ports.json: hooks read its « cartes »; clients wait, the loop is busy until done
    state.log("serveur", "feuille-sim", "démarrage", json.dumps(ports))
    print(f"Caisse de test prête dans {folder} (processus {os.getpid()}) : SMTP {ports['smtp']}, "
          f"SMTPS {ports['smtps']}, POP3S {ports['pop3s']}, IMAP STARTTLS {ports['imap_starttls']}, "
          f"POP3 {ports['pop3']}, IMAP {ports['imap']}, HTTPS {ports['adri']} sur {host}.", file=out, flush=True)
    try:
        await stop.wait()
    finally:
        web.should_exit = True
        for server in (smtp_server, smtps_server, pop3_server, pop3s_server, imap_server, imap_starttls_server):
            server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(web_task, 10)
        info.pop("pid", None)
        write_json_atomic(folder / PORTS_FILE, info)
        state.log("serveur", "feuille-sim", "arrêt", "ok")
        print("Caisse de test arrêtée.", file=out, flush=True)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host

"""Offline page benchmark (issue 15): Debian's Chromium and ``feuille serve`` (one process, SQLite).

The stage: a fresh SQLite database with the manuals' demo practice and one titulaire with a password;
``feuille serve`` on a free loopback port, stopped and started again on the same port (the same origin, so that the
browser keeps the page's service worker, IndexedDB and cookies). SQLite is enough here: what is measured is the
browser's side and a handful of requests, not the database under load (``make bench-web`` does that on PostgreSQL).

Measured:

(a) **sync**: the user signs in, opens ``/hors-ligne`` (the service worker keeps the page), the server stops,
    1,000 records are put in IndexedDB through the page's own store (``window.feuilleStockage.put``, as the form
    does), then the server starts again. Seconds from « server back » (its ``/api/sante`` answers) to « all
    stored » (1,000 rows in the database, none left in the page's list), and the requests the page made to
    ``/api/hors-ligne/envoi`` (expected: 5 of 200). The page pings every 500 ms here (30 s by default in use: add
    up to that to the figure for a user whose page waits for its next ping).
(b) **first load with the server down**: the server stopped, the browser started anew ``--runs`` times, each time
    opening ``/hors-ligne`` (served by the service worker from its cache): the navigation timing's
    ``responseEnd``, ``domContentLoadedEventEnd`` and ``loadEventEnd``, median and max, in milliseconds.

    .venv/bin/python -m benchmarks.offline_sync          # benchmarks/results/offline_sync.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from benchmarks.support import demo_database, feuille_command, write_results
from benchmarks.web_load import free_port

RECORDS = 1000
RUNS = 7
LOGIN = "horsligne"
PASSWORD = "hors-ligne-bench-1"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-dev-shm-usage"]
NAVIGATION = """() => { const n = performance.getEntriesByType("navigation")[0];
    return {responseEnd: n.responseEnd, domContentLoadedEventEnd: n.domContentLoadedEventEnd,
            loadEventEnd: n.loadEventEnd, controlled: !!navigator.serviceWorker.controller}; }"""
INJECT = """([login, count]) => { const records = [];
    for (let n = 1; n <= count; n++) {
      records.push({id_client: "bench-" + String(n).padStart(5, "0"), saisi_le: new Date().toISOString(),
                    utilisateur: login, numero: n,
                    etat: "a_envoyer", patient_est_assure: true, nir_connu: true, nom: "Essai", prenom: "Alain",
                    nir: "1421962965165", cle: "96", date_soins: "2026-01-15T09:30", note: "Visite " + n + "."});
    }
    return Promise.all(records.map(r => window.feuilleStockage.put(r))); }"""


class Server:
    """``feuille serve`` (one process) on a fixed port, in its own process group, stopped (that group only)."""

    def __init__(self, url: str, port: int) -> None:
        self.env = {**os.environ, "FEUILLE_DATABASE_URL": url}
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # A few tries: the port just left by the stopped server may not be free again at once.
        for _ in range(5):
            self.log = tempfile.TemporaryFile()   # noqa: SIM115 (closed by stop)
            self.process = subprocess.Popen(
                [str(feuille_command()), "serve", "--port", str(self.port)], env=self.env, stdout=self.log,
                stderr=subprocess.STDOUT, start_new_session=True)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and self.process.poll() is None:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{self.base}/api/sante", timeout=1).status_code == 200:
                        return
                time.sleep(0.05)
            self.log.seek(0)
            said = self.log.read()[-2000:].decode(errors="replace")
            self.stop()
            time.sleep(1)
        raise SystemExit(f"feuille serve did not answer: {said}")

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None
        self.log.close()


def stage(url: str) -> None:
    from feuille.auth import Context, Role, actor_for, create_user
    from feuille.signin import set_password
    from feuille.storage import Database

    demo_database(url)
    db = Database(url)
    admin = Context(db=db, actor=actor_for(db, "admin"))
    create_user(admin, LOGIN, "Professionnel hors connexion", Role.TITULAIRE)
    set_password(admin, LOGIN, PASSWORD)
    db.dispose()


def stored(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("SELECT count(*) FROM offline_records").fetchone()[0])


@contextlib.contextmanager
def browser(playwright: Any, profile: Path) -> Iterator[Any]:
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, locale="fr-FR", timezone_id="Europe/Paris")
    context.add_init_script("window.FEUILLE_PING_MS = 500;")
    try:
        yield context
    finally:
        context.close()


def sync(playwright: Any, server: Server, database: Path, profile: Path, count: int) -> dict[str, Any]:
    sent: list[str] = []
    with browser(playwright, profile) as context:
        page = context.new_page()
        page.goto(f"{server.base}/connexion?suite=/hors-ligne")
        page.get_by_label("Identifiant").fill(LOGIN)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(f"{server.base}/hors-ligne")
        page.wait_for_selector('#hl-cache[data-pret="oui"]')
        server.stop()
        page.reload()
        page.evaluate(INJECT, [LOGIN, count])
        page.evaluate("window.feuilleHorsLigne.refresh()")
        page.on("request", lambda r: sent.append(r.url) if r.url.endswith("/api/hors-ligne/envoi") else None)
        server.start()
        back = time.perf_counter()
        while stored(database) < count:
            if time.perf_counter() - back > 120:
                left = page.evaluate("() => Array.from(document.querySelectorAll('#hl-liste tbody tr'))"
                                     ".slice(0, 3).map(tr => tr.innerText)")
                raise SystemExit(f"only {stored(database)} of {count} records stored after 120 s: {left}")
            time.sleep(0.02)
        all_stored = time.perf_counter() - back
        page.wait_for_function("() => document.querySelectorAll('#hl-liste tbody tr').length === 0",
                               timeout=300_000)
        list_empty = time.perf_counter() - back
    return {"records": count, "server_back_to_all_stored_s": round(all_stored, 3),
            "server_back_to_list_empty_s": round(list_empty, 3), "stored": stored(database),
            "requests_envoi": len(sent), "ping_interval_ms": 500}


def first_loads(playwright: Any, server: Server, profile: Path, runs: int) -> dict[str, Any]:
    server.stop()
    samples: list[dict[str, float]] = []
    for _ in range(runs):
        with browser(playwright, profile) as context:
            page = context.new_page()
            page.goto(f"{server.base}/hors-ligne", wait_until="load")
            found = page.evaluate(NAVIGATION)
            if not found.pop("controlled"):
                raise SystemExit("the page was not served by the service worker")
            samples.append(found)
    figures: dict[str, Any] = {"runs": runs, "server": "down", "browser": "started anew for each run"}
    for key in ("responseEnd", "domContentLoadedEventEnd", "loadEventEnd"):
        values = [s[key] for s in samples]
        figures[key] = {"median_ms": round(statistics.median(values), 1), "max_ms": round(max(values), 1),
                        "samples_ms": [round(v, 1) for v in values]}
    return figures


def main(argv: list[str] | None = None) -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", "--records", type=int, default=RECORDS)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="feuille-bench-") as folder:
        database = Path(folder) / "feuille.db"
        url = f"sqlite:///{database}"
        stage(url)
        server = Server(url, free_port())
        server.start()
        try:
            with sync_playwright() as playwright:
                profile = Path(folder) / "profil"
                figures: dict[str, Any] = {
                    "database": "sqlite", "server": "feuille serve, 1 process",
                    "sync": sync(playwright, server, database, profile, args.records),
                    "first_load_offline": first_loads(playwright, server, profile, args.runs)}
        finally:
            server.stop()
    figures["load_average"] = [round(x, 2) for x in os.getloadavg()]   # the machine is shared: say how busy
    print(json.dumps(figures, indent=2))
    if args.records == RECORDS and args.runs == RUNS:
        print(f"written to {write_results('offline_sync', figures)}")


if __name__ == "__main__":
    main()

"""Web load benchmark (issue 14): ``feuille serve`` with 4 worker processes on PostgreSQL, 50 concurrent users.

The stage: a fresh schema on the test server (dropped afterwards) with the manuals' demo practice, a realistic
practice of thousands of patients (``benchmarks.practice.fill``), and 50 users of the titulaire role, each signed in
with his own session (``POST /api/session``). ``feuille serve --processus 4`` runs on a free loopback port.

The load client is **wrk** (Debian's package; ``scripts/ensure-wrk.sh`` installs it): a C client whose event loop
costs the shared machine far less than a Python one would, so the figures are the server's. Every connection is
one user: wrk runs one thread per connection (50 threads, 50 connections) and its Lua ``setup`` hands each thread
its own session token (a cookie for the pages, a bearer token for the API), and each invoice request its own
``Idempotency-Key``.

Two load models, each run for every endpoint:

- **saturation** (closed loop, no think time): each user sends its next request as soon as the previous one is
  answered. It measures the most the server can do, and the latency once requests queue: on a 2-core machine
  shared by the server, PostgreSQL and wrk, latency is then about users / throughput, whatever the code.
- **users at work** (think time): after each answer a user waits a random time (exponential, mean
  ``--reflexion`` ms, wrk's ``delay()``) before the next request, as a person at a desk does between a keystroke,
  a click and the next. 50 users thinking 1 s on average offer about 50 requests per second; 250 ms, about 200.
  This is the model the targets speak of: 50 concurrent users of the application, not 50 request loops.

Measured, each for ``--duree`` seconds after a short warm-up: the patient search page (``/patients?q=…``, else
``/api/patients?q=…``), the API's invoice creation (``POST /api/factures``: a consultation created and priced),
the home page ``/`` and the empty endpoint ``/api/sante``: requests per second, p50 / p99 latency, the CPU time
the server's processes spent per request, and the ratio of each to the empty endpoint. A route that does not exist
yet (404 / 405) or refuses the request is written in the figures as not measured, with the reason: nothing is
skipped silently.

    .venv/bin/python -m benchmarks.web_load                        # benchmarks/results/web_load.json
    .venv/bin/python -m benchmarks.web_load --patients 2000 --duree 5   # a quick run (not written)

Targets: p99 < 50 ms for the search, < 150 ms for an invoice created and priced.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from benchmarks.support import demo_database, feuille_command, invoice_document, postgresql_url, write_results

WORKERS = 4
USERS = 50
PATIENTS = 10_000
DURATION_S = 10
WARM_UP_S = 2
PASSWORD = "charge-web-bench-1"
TARGETS_P99_MS = {"patient_search": 50.0, "invoice_create": 150.0}
WRK_MARK = "WRK_JSON "
THINK_MS = (1000, 250)          # the « users at work » runs: mean think time between an answer and the next request
THINK_SECONDS = 30              # enough requests at ~50/s for a p99 that means something
DELAY = """
function delay()
  return -think * math.log(1 - math.random())
end
"""

LUA = """
local tokens = {%(tokens)s}
local queries = {%(queries)s}
local method, path, auth, run = "%(method)s", "%(path)s", "%(auth)s", "%(run)s"
local body = %(body)s
local think = %(think)s
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  thread:set("token", tokens[(counter - 1) %% #tokens + 1])
end

function init(args)
  n = 0
  math.randomseed(tid * 7919 + os.time())
  base = {}
  if auth == "cookie" then base["Cookie"] = "feuille_session=" .. token
  else base["Authorization"] = "Bearer " .. token end
  if body then base["Content-Type"] = "application/json" end
end

function request()
  n = n + 1
  local target = path
  if #queries > 0 then target = path .. queries[(n + tid) %% #queries + 1] end
  local headers = {}
  for k, v in pairs(base) do headers[k] = v end
  if body then headers["Idempotency-Key"] = run .. "-" .. tid .. "-" .. n end
  return wrk.format(method, target, headers, body)
end

%(delay)s
function done(summary, latency, requests)
  io.write(string.format('%(mark)s{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p90_us": %%d, ' ..
    '"p99_us": %%d, "max_us": %%d, "mean_us": %%.1f, "non_2xx_3xx": %%d, "connect_errors": %%d, ' ..
    '"read_errors": %%d, "write_errors": %%d, "timeouts": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout))
end
"""


def lua_string(text: str) -> str:
    return json.dumps(text)   # a JSON string is a valid Lua string literal for what we put in (ASCII, escapes)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stage(url: str, patients: int, users: int) -> list[str]:
    """Demo practice + ``patients`` patients + ``users`` titulaires with a password; returns search prefixes."""
    from benchmarks.practice import fill
    from feuille.auth import Context, Role, actor_for, create_user
    from feuille.domain.fields import search_key
    from feuille.signin import set_password
    from feuille.storage import Database

    demo_database(url)
    db = Database(url)
    names = fill(db, patients)
    admin = Context(db=db, actor=actor_for(db, "admin"))
    for n in range(users):
        login = f"charge{n + 1:02d}"
        create_user(admin, login, f"Utilisateur de charge {n + 1}", Role.TITULAIRE)
        set_password(admin, login, PASSWORD)
    db.dispose()
    rng = random.Random(3)
    return sorted({search_key(rng.choice(names))[: rng.randint(2, 4)] for _ in range(400)})


class Server:
    """``feuille serve`` in its own process group, stopped (that group only) on the way out."""

    def __init__(self, url: str, workers: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "FEUILLE_DATABASE_URL": url}
        self.log = tempfile.TemporaryFile()   # noqa: SIM115 (closed by stop)
        self.process = subprocess.Popen(
            [str(feuille_command()), "serve", "--port", str(self.port), "--processus", str(workers)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.base}/api/sante", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.log.seek(0)
        raise SystemExit(f"feuille serve did not answer: {self.log.read()[-2000:].decode(errors='replace')}")

    def stop(self) -> None:
        """SIGTERM to the server's process group (feuille, uvicorn and its workers), then wait until every one of
        them is gone (their database connections with them: the schema is dropped next)."""
        group = self.process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while self._alive(group):
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signal.SIGKILL)
            time.sleep(0.1)
        self.process.wait()
        self.log.close()

    def _alive(self, group: int) -> bool:
        self.process.poll()   # reap the leader, so that a zombie does not count
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        return True


def sign_in_all(base: str, users: int) -> list[str]:
    tokens = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for n in range(users):
            answer = client.post("/api/session", json={"identifiant": f"charge{n + 1:02d}", "mot_de_passe": PASSWORD})
            answer.raise_for_status()
            tokens.append(answer.json()["jeton"])
    return tokens


def probe(base: str, token: str, method: str, path: str, auth: str, body: str | None) -> tuple[bool, str]:
    """One request as the load will send it: is the route there and does it succeed?"""
    headers = {"Cookie": f"feuille_session={token}"} if auth == "cookie" else {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers |= {"Content-Type": "application/json", "Idempotency-Key": f"probe-{uuid.uuid4().hex}"}
    answer = httpx.request(method, f"{base}{path}", headers=headers, content=body, timeout=30,
                           follow_redirects=False)
    if answer.status_code in (404, 405):
        return False, f"{method} {path.split('?')[0]} n'existe pas encore ({answer.status_code})"
    if answer.status_code >= 300:
        return False, f"{method} {path} refusé ({answer.status_code}) : {answer.text[:300]}"
    return True, f"{answer.status_code}"


def group_cpu_seconds(group: int) -> float:
    """CPU time (user + system) of the live processes of a process group: the server and its workers."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue   # the process ended meanwhile
        if int(fields[2]) == group:   # fields after « (comm) »: state, ppid, pgrp, …, utime (12), stime (13)
            total += int(fields[11]) + int(fields[12])
    return total / tick


def run_wrk(base: str, tokens: list[str], method: str, path: str, auth: str, body: str | None,
            queries: list[str], seconds: int, folder: Path, group: int, think_ms: int = 0) -> dict[str, Any]:
    """One wrk run; ``think_ms`` > 0: each user waits a random think time of that mean between requests."""
    script = folder / f"{uuid.uuid4().hex}.lua"
    script.write_text(LUA % {
        "tokens": ", ".join(lua_string(t) for t in tokens), "queries": ", ".join(lua_string(q) for q in queries),
        "method": method, "path": path, "auth": auth, "run": uuid.uuid4().hex[:8],
        "body": lua_string(body) if body is not None else "nil", "mark": WRK_MARK, "think": think_ms,
        "delay": DELAY if think_ms > 0 else ""})
    users = len(tokens)
    cpu = group_cpu_seconds(group)
    done = subprocess.run(["wrk", f"-t{users}", f"-c{users}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script),
                           base], capture_output=True, text=True, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith(WRK_MARK)), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stdout[-1500:]} {done.stderr[-1500:]}")
    raw = json.loads(line[len(WRK_MARK):])
    cpu = group_cpu_seconds(group) - cpu
    seconds_run = raw["duration_us"] / 1e6
    return {"requests": raw["requests"], "seconds": round(seconds_run, 2),
            "requests_per_s": round(raw["requests"] / seconds_run, 1),
            "p50_ms": round(raw["p50_us"] / 1000, 2), "p90_ms": round(raw["p90_us"] / 1000, 2),
            "p99_ms": round(raw["p99_us"] / 1000, 2), "max_ms": round(raw["max_us"] / 1000, 2),
            "mean_ms": round(raw["mean_us"] / 1000, 2), "non_2xx_3xx": raw["non_2xx_3xx"],
            "socket_errors": raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"],
            "server_cpu_ms_per_request": round(cpu * 1000 / max(raw["requests"], 1), 2)}


def scenarios(prefixes: list[str]) -> list[dict[str, Any]]:
    body = json.dumps(invoice_document(date.today().isoformat()))
    return [
        {"key": "sante", "label": "GET /api/sante (vide)", "method": "GET", "paths": ["/api/sante"], "auth": "bearer"},
        {"key": "patient_search", "label": "recherche de patients", "method": "GET",
         "paths": ["/patients?q=", "/api/patients?q="], "auth": "cookie", "queries": prefixes},
        {"key": "invoice_create", "label": "POST /api/factures (créée et tarifée)", "method": "POST",
         "paths": ["/api/factures"], "auth": "bearer", "body": body},
        {"key": "home", "label": "GET / (accueil)", "method": "GET", "paths": ["/"], "auth": "cookie"},
    ]


def choose_path(base: str, token: str, spec: dict[str, Any]) -> tuple[str | None, str, list[str]]:
    """The first of the scenario's paths that answers (the page, else its API twin), its auth, and why others not."""
    reasons = []
    for path in spec["paths"]:
        auth = "bearer" if path.startswith("/api/") else spec["auth"]
        queries = spec.get("queries", [])
        ok, why = probe(base, token, spec["method"], path + (queries[0] if queries else ""), auth, spec.get("body"))
        if ok:
            return path, auth, reasons
        reasons.append(why)
    return None, "", reasons


def model_runs(think: tuple[int, ...], seconds: int, think_seconds: int = THINK_SECONDS) -> list[tuple[str, int, int]]:
    """(name, think ms, seconds): saturation first, then the users-at-work runs."""
    return [("saturation", 0, seconds)] + [(f"reflexion_{ms}ms", ms, think_seconds) for ms in think]


def measure(base: str, tokens: list[str], prefixes: list[str], seconds: int, group: int,
            think: tuple[int, ...] = THINK_MS, think_seconds: int = THINK_SECONDS) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="feuille-wrk-") as folder:
        for spec in scenarios(prefixes):
            path, auth, reasons = choose_path(base, tokens[0], spec)
            if path is None:
                figures[spec["key"]] = {"measured": False, "label": spec["label"], "reasons": reasons}
                print(f"  {spec['label']:<40} non mesuré : {'; '.join(reasons)}", flush=True)
                continue
            args = (base, tokens, spec["method"], path, auth, spec.get("body"), spec.get("queries", []))
            run_wrk(*args, WARM_UP_S, Path(folder), group)   # warm-up: connection pools, caches, each worker
            entry: dict[str, Any] = {"measured": True, "label": spec["label"], "path": path, "auth": auth,
                                     "not_measured_first": reasons}
            for name, think_ms, run_seconds in model_runs(think, seconds, think_seconds):
                entry[name] = {"think_ms_mean": think_ms,
                               **run_wrk(*args, run_seconds, Path(folder), group, think_ms)}
                print(f"  {spec['label']:<40} {name:<18} {entry[name]['requests_per_s']:>8} req/s  "
                      f"p50 {entry[name]['p50_ms']} ms  p99 {entry[name]['p99_ms']} ms  "
                      f"CPU {entry[name]['server_cpu_ms_per_request']} ms/req", flush=True)
            figures[spec["key"]] = entry
    compare(figures, think)
    return figures


def compare(figures: dict[str, Any], think: tuple[int, ...]) -> None:
    """Ratios to the empty endpoint, run by run, and the targets: judged on the users-at-work model with the
    longest think time (50 people at their desks), and shown for every run."""
    empty = figures["sante"]
    runs = [name for name, _, _ in model_runs(think, 0)]
    for key, value in figures.items():
        if not value["measured"]:
            continue
        for name in runs:
            run = value[name]
            if key != "sante" and empty["measured"]:
                base = empty[name]
                run["rps_ratio_to_empty"] = round(run["requests_per_s"] / base["requests_per_s"], 3)
                run["p99_ratio_to_empty"] = round(run["p99_ms"] / max(base["p99_ms"], 0.001), 2)
                run["cpu_ratio_to_empty"] = round(run["server_cpu_ms_per_request"]
                                                  / max(base["server_cpu_ms_per_request"], 0.001), 1)
            if key in TARGETS_P99_MS:
                run["target_met"] = run["p99_ms"] < TARGETS_P99_MS[key]
        if key in TARGETS_P99_MS:
            judged = runs[1] if len(runs) > 1 else runs[0]
            value["target_p99_ms"] = TARGETS_P99_MS[key]
            value["target_judged_on"] = judged
            value["target_met"] = value[judged]["target_met"]


def wrk_version() -> str:
    done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).splitlines()[0] if (done.stdout or done.stderr) else "wrk"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--patients", type=int, default=PATIENTS)
    parser.add_argument("--utilisateurs", type=int, default=USERS)
    parser.add_argument("--processus", type=int, default=WORKERS)
    parser.add_argument("--duree", type=int, default=DURATION_S, help="seconds of the saturation run per endpoint")
    parser.add_argument("--reflexion", type=int, nargs="*", default=list(THINK_MS),
                        help="mean think times (ms) of the users-at-work runs")
    parser.add_argument("--duree-reflexion", type=int, default=THINK_SECONDS,
                        help="seconds of each users-at-work run per endpoint")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: sh scripts/ensure-wrk.sh (apt-get install wrk)")
    think = tuple(args.reflexion)
    full = ((args.patients, args.utilisateurs, args.processus, args.duree, think, args.duree_reflexion)
            == (PATIENTS, USERS, WORKERS, DURATION_S, THINK_MS, THINK_SECONDS))
    with postgresql_url() as url:
        started = time.perf_counter()
        prefixes = stage(url, args.patients, args.utilisateurs)
        stage_s = time.perf_counter() - started
        server = Server(url, args.processus)
        try:
            server.wait()
            tokens = sign_in_all(server.base, args.utilisateurs)
            endpoints = measure(server.base, tokens, prefixes, args.duree, server.process.pid, think,
                                args.duree_reflexion)
        finally:
            server.stop()
    figures = {
        "database": "postgresql", "server": f"feuille serve --processus {args.processus} (uvicorn), loopback",
        "patients": args.patients, "users": args.utilisateurs, "stage_seconds": round(stage_s, 1),
        "client": {"tool": wrk_version(), "threads": args.utilisateurs, "connections": args.utilisateurs,
                   "why": "wrk: a C client, light on the shared machine; one thread per connection so that each "
                          "connection is one user with its own session (Lua setup); think time by wrk's delay()"},
        "models": {"saturation": "closed loop, no think time: the most the server does, latency = queueing",
                   **{f"reflexion_{ms}ms": f"each user waits a random think time (exponential, mean {ms} ms) "
                                           "between an answer and the next request" for ms in think}},
        "note": f"saturation: {args.utilisateurs} users on a {os.cpu_count()}-core machine shared with the "
                "server, its workers, PostgreSQL and wrk, so latency is about users / throughput once the server "
                "is saturated; the targets are judged on the users-at-work run with the longest think time; "
                "server_cpu_ms_per_request (the server's processes, PostgreSQL not included) is the cost that "
                "does not depend on the load the other programs put on the machine",
        "seconds_per_endpoint": args.duree,
        "seconds_per_think_run": args.duree_reflexion, "warm_up_seconds": WARM_UP_S, "endpoints": endpoints,
        "load_average": [round(x, 2) for x in os.getloadavg()]}
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    if full:
        print(f"written to {write_results('web_load', figures)}")


if __name__ == "__main__":
    main()

"""Find a PostgreSQL server for the tests, or start a throwaway one; never skip.

Order: ``FEUILLE_TEST_PG_URL``; the server every developer and CI machine runs on
127.0.0.1:5432 (database ``test``); a cluster started here from the PostgreSQL binaries
(installing Debian's ``postgresql`` when running as root). When none can be had the run fails
with a message that says what to do.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time

import sqlalchemy as sa

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _normalise(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _reachable(url: str) -> bool:
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def _bin_dir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_cluster() -> str:
    bin_dir = _bin_dir()
    if bin_dir is None and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-q", "postgresql"], check=False,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        bin_dir = _bin_dir()
    if bin_dir is None:
        raise RuntimeError(
            "PostgreSQL is required by the test suite and none was found: set FEUILLE_TEST_PG_URL, "
            "start a server on 127.0.0.1:5432 (database 'test'), or install Debian's 'postgresql' package."
        )
    folder = tempfile.mkdtemp(prefix="feuille-pg-")
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root; run the cluster as the postgres user
        shutil.chown(folder, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data = os.path.join(folder, "data")
    subprocess.run([*run_as, f"{bin_dir}/initdb", "-D", data, "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)
    subprocess.run([*run_as, f"{bin_dir}/pg_ctl", "-D", data, "-w", "-l", os.path.join(folder, "log"),
                    "-o", f"-p {port} -k {folder} -h 127.0.0.1", "start"], check=True, capture_output=True)
    atexit.register(lambda: subprocess.run([*run_as, f"{bin_dir}/pg_ctl", "-D", data, "-m", "immediate",
                                            "stop"], capture_output=True))
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    for _ in range(50):
        if _reachable(url):
            return url
        time.sleep(0.2)
    raise RuntimeError(f"the throwaway PostgreSQL cluster in {folder} did not start")


def server_url() -> str:
    explicit = os.environ.get("FEUILLE_TEST_PG_URL")
    if explicit:
        url = _normalise(explicit)
        if not _reachable(url):
            raise RuntimeError(f"FEUILLE_TEST_PG_URL={explicit} is set but the server does not answer")
        return url
    if _reachable(DEFAULT_URL):
        return DEFAULT_URL
    return _start_cluster()

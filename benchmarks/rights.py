"""ADRi benchmark: signed lookups against the caisse de test's ADRi service, 20 concurrent clients.

The service (``feuille_sim.rights.service``) runs in its own process under uvicorn with TLS (a throwaway CA);
each client is a thread with its own keep-alive HTTPS connection (the product's ``feuille.rights.client`` headers and
trust settings), sending a fresh request id each time (no answer served from the idempotence store) for a person of
the fixture, signed with a software EC P-256 key (the service runs without a card registry here, so the figure is
the service's, not SoftHSM's).

    .venv/bin/python -m benchmarks.rights              # 2,000 lookups, 20 clients
    .venv/bin/python -m benchmarks.rights -n 200       # a quick run

Figures go to ``benchmarks/results/rights.json``: lookups per second and latency percentiles.
"""

from __future__ import annotations

import argparse
import base64
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from tests.support.adri import make_pki

from benchmarks.support import percentiles_ms, write_results
from feuille.rights.client import ssl_context
from feuille.rights.protocol import card_beneficiary, request_body

SERVER = """
import sys, uvicorn
from pathlib import Path
from feuille_sim.rights.service import create_app
state, cert, key, port = sys.argv[1:5]
uvicorn.run(create_app(Path(state), None), host="127.0.0.1", port=int(port), ssl_certfile=cert, ssl_keyfile=key,
            log_level="warning")
"""
PEOPLE = [("2550699999999 34", "19550615", 1), ("1850775123456 08", "20150520", 2),
          ("290022A004123 04", "19900208", 1), ("1481913055003 69", "19480814", 1)]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, ca: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("le service ADRi n'a pas démarré")
        try:
            httpx.post(url + "/admin/panne", json={"mode": "aucune"}, verify=ssl_context(ca), timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("le service ADRi n'a pas démarré en 30 s")


def run(total: int, clients: int) -> dict[str, object]:
    key = ec.generate_private_key(ec.SECP256R1())
    public = base64.b64encode(key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
    with tempfile.TemporaryDirectory(prefix="feuille-bench-adri-") as folder:
        pki = make_pki(Path(folder) / "pki")
        port = _free_port()
        process = subprocess.Popen([sys.executable, "-c", SERVER, str(Path(folder) / "etat"), str(pki.cert_file),
                                    str(pki.key_file), str(port)])
        url = f"https://127.0.0.1:{port}"
        try:
            _wait(url, pki.ca_pem, process)
            samples: list[float] = []
            failures: list[int] = []
            lock = threading.Lock()

            def client(count: int) -> None:
                with httpx.Client(verify=ssl_context(pki.ca_pem), timeout=10) as http:
                    for i in range(count):
                        nir, birth, rank = PEOPLE[i % len(PEOPLE)]
                        body = request_body(str(uuid.uuid4()), date(2025, 1, 15),
                                            card_beneficiary(nir, birth, rank), "001033901", "01")
                        signature = base64.b64encode(key.sign(body, ec.ECDSA(hashes.SHA256()))).decode()
                        headers = {"Content-Type": "application/json", "X-CPS-Serie": "2501000002",
                                   "X-CPS-Certificat": public, "X-CPS-Signature": signature}
                        started = time.perf_counter()
                        response = http.post(url + "/adri/v1/droits", content=body, headers=headers)
                        elapsed = time.perf_counter() - started
                        with lock:
                            samples.append(elapsed)
                            if response.status_code != 200:
                                failures.append(response.status_code)

            threads = [threading.Thread(target=client, args=(total // clients,)) for _ in range(clients)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - started
        finally:
            process.terminate()
            process.wait(timeout=10)
    return {"clients": clients, "lookups": len(samples), "failures": len(failures), "seconds": round(wall, 3),
            "lookups_per_second": round(len(samples) / wall, 1), **percentiles_ms(samples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="lookups in all")
    parser.add_argument("-c", "--clients", type=int, default=20)
    args = parser.parse_args()
    figures = run(args.n, args.clients)
    path = write_results("rights", {"adri": figures})
    print(f"ADRi : {figures['lookups_per_second']} interrogations/s, p99 {figures['p99_ms']} ms "
          f"({figures['clients']} clients) -> {path}")


if __name__ == "__main__":
    main()

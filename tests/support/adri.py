"""An ADRi service of the caisse de test for the tests: a throwaway CA, a server certificate for 127.0.0.1, and
uvicorn serving ``feuille_sim.rights.service.create_app`` on a free port in a thread (stopped by the test that
started it). To be swapped for helper D's ``caisse_de_test`` fixture (the real ``feuille-sim serve``) when it lands.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from feuille_sim.rights.service import create_app


@dataclass(frozen=True)
class Pki:
    ca_pem: str
    cert_file: Path
    key_file: Path


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def make_pki(folder: Path, common_name: str = "Caisse de test (tests)") -> Pki:
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(_name(common_name))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    cert_file, key_file = folder / "serveur.pem", folder / "serveur.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    ca_pem = ca.public_bytes(serialization.Encoding.PEM).decode("ascii")
    (folder / "ca.pem").write_text(ca_pem, encoding="ascii")
    return Pki(ca_pem, cert_file, key_file)


@dataclass(frozen=True)
class RunningAdri:
    url: str
    port: int
    ca_pem: str
    state_dir: Path


@contextmanager
def serve_adri(state_dir: Path, cards_dir: Path | None, pki: Pki) -> Iterator[RunningAdri]:
    app = create_app(state_dir, cards_dir)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, ssl_certfile=str(pki.cert_file), ssl_keyfile=str(pki.key_file),
                            log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the ADRi test server did not start")
        time.sleep(0.02)
    try:
        yield RunningAdri(f"https://127.0.0.1:{port}", port, pki.ca_pem, state_dir)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()

"""The caisse de test's PKI, made once in its folder with ``cryptography``.

``DIR/pki/ca.pem`` is the test authority the product trusts (it is no real authority); ``serveur.pem`` is the
certificate of every service (HTTPS, SMTP STARTTLS, POP3 STLS, IMAPS) for 127.0.0.1 and localhost. Each insurer
mailbox (régime + caisse) gets an S/MIME certificate on demand: the public one in ``DIR/pki/organismes/<code>.pem``
(the directory the product reads, as it reads the SESAM-Vitale LDAP directory), its RSA key (S/MIME key transport
needs RSA) in ``DIR/pki/cles/<code>.pem``, read only by the simulator to open the lots.
"""

from __future__ import annotations

import ipaddress
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ORGANISM_CODE = re.compile(r"^[0-9]{5}$")
AMC_CODE = re.compile(r"^AMC[0-9]{10}$")   # a complementary's mailbox (feuille_sim.lots.amc)


def file_stem(code: str) -> str:
    """The name of a mailbox's certificate and key files: the organism code (``01422``), or for a complementary
    the local part of its address (``1100000000`` for ``AMC1100000000``), the name a sender looks it up by."""
    return code[3:] if AMC_CODE.match(code) else code
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class Pki:
    def __init__(self, folder: Path) -> None:
        self.root = Path(folder) / "pki"
        self.ca_file = self.root / "ca.pem"
        self.ca_key_file = self.root / "ca-cle.pem"
        self.server_file = self.root / "serveur.pem"
        self.server_key_file = self.root / "serveur-cle.pem"
        self.organisms_dir = self.root / "organismes"
        self.keys_dir = self.root / "cles"

    def ensure(self, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> None:
        """Create the authority and the server certificate if missing (never replaced: clients keep trusting)."""
        self.organisms_dir.mkdir(parents=True, exist_ok=True)
        self.keys_dir.mkdir(parents=True, exist_ok=True)
        if not self.ca_file.exists():
            key = ec.generate_private_key(ec.SECP256R1())
            name = _name("Caisse de test feuille - autorité de test")
            cert = (_builder(name, name, key.public_key(), years=10)
                    .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                    .add_extension(_key_usage(cert_sign=True), critical=True)
                    .sign(key, hashes.SHA256()))
            _write_key(self.ca_key_file, key)
            _write_atomic(self.ca_file, cert.public_bytes(serialization.Encoding.PEM))
        if not self.server_file.exists():
            self._issue_server(hosts)

    def _ca(self) -> tuple[x509.Certificate, PrivateKey]:
        cert = x509.load_pem_x509_certificate(self.ca_file.read_bytes())
        key = serialization.load_pem_private_key(self.ca_key_file.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return cert, key

    def _issue_server(self, hosts: tuple[str, ...]) -> None:
        ca, ca_key = self._ca()
        key = ec.generate_private_key(ec.SECP256R1())
        names: list[x509.GeneralName] = []
        for host in dict.fromkeys(hosts):
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        cert = (_builder(_name("Caisse de test feuille - services"), ca.subject, key.public_key(), years=5)
                .add_extension(x509.SubjectAlternativeName(names), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .sign(ca_key, hashes.SHA256()))
        _write_key(self.server_key_file, key)
        _write_atomic(self.server_file, cert.public_bytes(serialization.Encoding.PEM))

    def organism_certificate(self, code: str) -> Path:
        """The S/MIME certificate of mailbox ``code`` (régime 2 + caisse 3 digits, or ``AMC`` + the 10 digits of a
        complementary's number), made on first demand."""
        if re.fullmatch(r"[0-9]{10}", code):   # a complementary asked by its mailbox's local part (the directory)
            code = "AMC" + code
        if not (ORGANISM_CODE.match(code) or AMC_CODE.match(code)):
            raise ValueError(f"Code d'organisme « {code} » : 5 chiffres attendus (régime 2 + caisse 3), ou AMC suivi "
                             "des 10 chiffres du n° AMC.")
        self.ensure()
        path = self.organisms_dir / f"{file_stem(code)}.pem"
        if path.exists():
            return path
        ca, ca_key = self._ca()
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        address = f"{code[3:]}@amc.rss.fr" if AMC_CODE.match(code) else f"{code}@{code[2:]}.{code[:2]}.rss.fr"
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Caisse de test {code}"),
                             x509.NameAttribute(NameOID.EMAIL_ADDRESS, address)])
        cert = (_builder(subject, ca.subject, key.public_key(), years=5)
                .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(address)]), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(_key_usage(encipher=True), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
                .sign(ca_key, hashes.SHA256()))
        _write_key(self.keys_dir / f"{file_stem(code)}.pem", key)
        _write_atomic(path, cert.public_bytes(serialization.Encoding.PEM))
        return path

    def organism_key(self, code: str) -> rsa.RSAPrivateKey:
        self.organism_certificate(code)
        key = serialization.load_pem_private_key((self.keys_dir / f"{file_stem(code)}.pem").read_bytes(),
                                                 password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "feuille (test)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject: x509.Name, issuer: x509.Name, public_key: object, years: int) -> x509.CertificateBuilder:
    start = datetime.now(UTC) - timedelta(days=1)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(public_key)  # type: ignore[arg-type]
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + timedelta(days=365 * years)))


def _key_usage(*, cert_sign: bool = False, encipher: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=not cert_sign, content_commitment=False, key_encipherment=encipher,
                         data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=cert_sign,
                         encipher_only=False, decipher_only=False)


def _write_key(path: Path, key: PrivateKey) -> None:
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    _write_atomic(path, data, mode=0o600)


def _write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)

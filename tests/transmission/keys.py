"""A throwaway RSA certificate for S/MIME tests (the organisms' certificates are RSA: key transport)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Organism:
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey


def certificate_for(public_key: object, signer: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, *,
                    days: int = 30, start: datetime | None = None) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "01996@996.01.rss.fr")])
    begin = start or datetime.now(UTC) - timedelta(days=1)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(public_key)  # type: ignore[arg-type]
            .serial_number(x509.random_serial_number()).not_valid_before(begin)
            .not_valid_after(begin + timedelta(days=days)).sign(signer, hashes.SHA256()))


def organism() -> Organism:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return Organism(certificate_for(key.public_key(), key), key)

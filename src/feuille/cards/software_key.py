"""Signing with a key held in software: the Vitale card's and the Vitale app's keys of the virtual cards.

A real Vitale card is a chip that keeps its private key inside and signs on demand; the virtual card keeps the
key in its file (PEM, PKCS#8) because there is no chip to hold it. The signature is the same kind of object as a
CPS one, so :func:`feuille.cards.signatures.verify` checks both alike.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)

from feuille.cards.port import ECDSA_P256_SHA256, CardKind, Signature


def load_key(pem: str) -> ec.EllipticCurvePrivateKey:
    """The card's P-256 private key; ValueError if it is not one."""
    key = load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("not an EC P-256 private key")
    return key


def public_der(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def sign(key: ec.EllipticCurvePrivateKey, serial: str, kind: CardKind, data: bytes) -> Signature:
    value = key.sign(bytes(data), ec.ECDSA(hashes.SHA256()))
    return Signature(card_serial=serial, card_kind=kind, algorithm=ECDSA_P256_SHA256, value=value,
                     public_key=public_der(key))

"""What is signed and how a signature is checked, with nothing but the signature itself.

``canonical_bytes`` turns an invoice's data into the one byte string every signer and verifier agrees on: JSON
with sorted keys, no spaces, UTF-8, amounts as their Decimal text. ``verify`` is a pure check against the DER
public key carried by the :class:`~feuille.cards.port.Signature`: a later change of a signed invoice, of the
signature or of the key makes it return False, never raise.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from feuille.cards.port import ECDSA_P256_SHA256, RSA_PKCS1_SHA256, Signature


def _plain(value: object) -> object:
    """The JSON-able form of ``value``; floats are refused (an amount is a Decimal, never a float)."""
    if value is None or isinstance(value, bool | int | str):
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError(f"canonical_bytes: {value} is not a finite amount")
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, Mapping):
        out: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"canonical_bytes: keys must be strings, got {type(key).__name__}")
            out[key] = _plain(item)
        return out
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    raise TypeError(f"canonical_bytes: cannot sign a {type(value).__name__}")


def canonical_bytes(obj: Mapping[str, object]) -> bytes:
    """Sorted-keys compact JSON of ``obj`` in UTF-8 (Decimal and dates as text): the bytes that get signed."""
    if not isinstance(obj, Mapping):
        raise TypeError("canonical_bytes: a mapping (the invoice's data) is expected")
    plain = _plain(obj)
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def verify(signature: Signature, data: bytes) -> bool:
    """True when ``signature`` is a valid signature of ``data`` by the key it carries."""
    if not isinstance(signature, Signature) or not isinstance(data, bytes | bytearray):
        return False
    if not isinstance(signature.value, bytes) or not isinstance(signature.public_key, bytes):
        return False
    try:
        key = load_der_public_key(signature.public_key)
        if signature.algorithm == ECDSA_P256_SHA256 and isinstance(key, ec.EllipticCurvePublicKey):
            if not isinstance(key.curve, ec.SECP256R1):
                return False
            key.verify(signature.value, bytes(data), ec.ECDSA(hashes.SHA256()))
            return True
        if signature.algorithm == RSA_PKCS1_SHA256 and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature.value, bytes(data), padding.PKCS1v15(), hashes.SHA256())
            return True
    except (InvalidSignature, ValueError, TypeError):
        return False
    return False


def fingerprint(public_key: bytes) -> str:
    """A short SHA-256 fingerprint of a DER public key, for display (``ab12:cd34:...``)."""
    digest = hashes.Hash(hashes.SHA256())
    digest.update(public_key)
    text = digest.finalize().hex()[:16]
    return ":".join(text[i:i + 4] for i in range(0, len(text), 4))

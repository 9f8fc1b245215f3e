"""canonical_bytes and verify: pure, no card needed."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

from feuille.cards import software_key
from feuille.cards.port import ECDSA_P256_SHA256, RSA_PKCS1_SHA256, CardKind, Signature
from feuille.cards.signatures import canonical_bytes, fingerprint, verify


class Mode(StrEnum):
    SYNC = "synchronise"


def test_canonical_bytes_sorted_compact_utf8() -> None:
    data = {"b": Decimal("26.50"), "a": "é", "d": date(2025, 1, 2), "m": Mode.SYNC, "l": (1, None, True)}
    assert canonical_bytes(data) == (
        '{"a":"é","b":"26.50","d":"2025-01-02","l":[1,null,true],"m":"synchronise"}'.encode())


def test_canonical_bytes_ignores_insertion_order() -> None:
    assert canonical_bytes({"x": 1, "y": {"b": 2, "a": 3}}) == canonical_bytes({"y": {"a": 3, "b": 2}, "x": 1})


def test_canonical_bytes_datetime() -> None:
    assert canonical_bytes({"t": datetime(2025, 1, 15, 10, 30)}) == b'{"t":"2025-01-15T10:30:00"}'


@pytest.mark.parametrize("bad", [{"x": 1.5}, {"x": object()}, {1: "x"}, {"x": Decimal("NaN")}, {"x": b"raw"},
                                 {"x": {2: 1}}])
def test_canonical_bytes_refuses_what_is_ambiguous(bad: dict[object, object]) -> None:
    with pytest.raises(TypeError):
        canonical_bytes(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [None, "text", [1, 2], 3])
def test_canonical_bytes_wants_a_mapping(bad: object) -> None:
    with pytest.raises(TypeError):
        canonical_bytes(bad)  # type: ignore[arg-type]


def _signature(data: bytes) -> Signature:
    key = ec.generate_private_key(ec.SECP256R1())
    return software_key.sign(key, "3001000001", CardKind.VITALE, data)


@given(st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=10),
                                                       st.decimals(allow_nan=False, allow_infinity=False)),
                       max_size=5))
def test_any_change_of_signed_data_is_detected(invoice: dict[str, object]) -> None:
    data = canonical_bytes(invoice)
    signature = _signature(data)
    assert verify(signature, data)
    changed = canonical_bytes({**invoice, "_": "modifié"})
    assert not verify(signature, changed)


def test_tampered_signature_or_key_is_detected() -> None:
    data = canonical_bytes({"total": Decimal("73.56")})
    good = _signature(data)
    flipped = bytearray(good.value)
    flipped[-1] ^= 1
    other = _signature(data)
    assert verify(good, data)
    assert not verify(dataclasses.replace(good, value=bytes(flipped)), data)
    assert not verify(dataclasses.replace(good, public_key=other.public_key), data)
    assert not verify(dataclasses.replace(good, algorithm=RSA_PKCS1_SHA256), data)
    assert not verify(dataclasses.replace(good, algorithm="MD5"), data)


@pytest.mark.parametrize("junk", [b"", b"not a key", "text"])
def test_junk_key_or_value_is_false_not_an_error(junk: object) -> None:
    data = b"x"
    good = _signature(data)
    assert not verify(dataclasses.replace(good, public_key=junk), data)  # type: ignore[arg-type]
    assert not verify(dataclasses.replace(good, value=junk), data)  # type: ignore[arg-type]


@pytest.mark.parametrize("junk", [None, "x", 3, object()])
def test_verify_junk_inputs(junk: object) -> None:
    good = _signature(b"x")
    assert not verify(junk, b"x")  # type: ignore[arg-type]
    assert not verify(good, junk)  # type: ignore[arg-type]


def test_other_curve_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    value = key.sign(b"x", ec.ECDSA(hashes.SHA256()))
    public = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    assert not verify(Signature("s", CardKind.CPS, ECDSA_P256_SHA256, value, public), b"x")


def test_rsa_signatures_of_a_real_cps_verify() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    value = key.sign(b"x", padding.PKCS1v15(), hashes.SHA256())
    public = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    signature = Signature("s", CardKind.CPS, RSA_PKCS1_SHA256, value, public)
    assert verify(signature, b"x") and not verify(signature, b"y")


def test_fingerprint_is_short_and_stable() -> None:
    assert fingerprint(b"abc") == fingerprint(b"abc") != fingerprint(b"abd")
    assert len(fingerprint(b"abc")) == 19

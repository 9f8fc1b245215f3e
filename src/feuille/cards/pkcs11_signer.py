"""The CPS/CPE side of signing: a PKCS#11 token found by its label, a login with the card's PIN, a signature.

In tests and in the demo the module is SoftHSM2 and each virtual card has its own token (label = card serial,
user PIN = the card's PIN, SO PIN = its unblocking code). On a real desk the same code loads the CPS Cryptolib
PKCS#11 module (``FEUILLE_PKCS11_MODULE``) and finds the inserted card's token.

Every operation loads the module, does its work and finalises it (C_Finalize): no session outlives a call, a
failed login cannot leave a session behind, and SoftHSM re-reads its configuration (``SOFTHSM2_CONF``) each time,
so one process can use several card directories. The PIN is passed in by the caller for each call and never
kept here. SoftHSM does not lock a token after wrong PINs; the reader keeps its own try counter.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pkcs11
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.exceptions import NoSuchToken, PinIncorrect, PinLenRange, PinLocked, PKCS11Error
from pkcs11.util.ec import encode_ec_public_key, encode_ecdsa_signature

from feuille.cards.port import ECDSA_P256_SHA256, RSA_PKCS1_SHA256, CardDeviceError

SIGNING_KEY_LABEL = "signature"   # the key the virtual cards are given; otherwise the token's only signing key
_LOCK = threading.RLock()         # the module is process-wide: one operation at a time


@dataclass(frozen=True)
class TokenSignature:
    algorithm: str
    value: bytes
    public_key: bytes  # DER SubjectPublicKeyInfo


@contextmanager
def _library(module: str, config: Path | None) -> Iterator[Any]:
    with _LOCK:
        previous = os.environ.get("SOFTHSM2_CONF")
        if config is not None:
            os.environ["SOFTHSM2_CONF"] = str(config)
        try:
            if not Path(module).exists():
                raise CardDeviceError(f"module PKCS#11 introuvable : {module} (installez softhsm2 ou réglez "
                                      "FEUILLE_PKCS11_MODULE)")
            try:
                lib = pkcs11.lib(module)
            except PKCS11Error as exc:
                raise CardDeviceError(f"module PKCS#11 {module} inutilisable ({type(exc).__name__})") from exc
            try:
                yield lib
            finally:
                with suppress(PKCS11Error):
                    lib.finalize()
        finally:
            if config is not None:
                if previous is None:
                    os.environ.pop("SOFTHSM2_CONF", None)
                else:
                    os.environ["SOFTHSM2_CONF"] = previous


class Pkcs11Token:
    """The token of one card: ``label`` on ``module`` (with SoftHSM's ``config`` file for the virtual cards)."""

    def __init__(self, module: str, label: str, config: Path | None = None) -> None:
        self.module = module
        self.label = label
        self.config = config

    def _token(self, lib: Any) -> Any:
        try:
            return lib.get_token(token_label=self.label)
        except NoSuchToken as exc:
            raise CardDeviceError(f"jeton PKCS#11 « {self.label} » absent : la carte n'est pas lisible") from exc
        except PKCS11Error as exc:
            raise CardDeviceError(f"lecture du jeton « {self.label} » impossible ({type(exc).__name__})") from exc

    def check_pin(self, pin: str) -> bool:
        """True if ``pin`` opens the token (C_Login), False if the token says it is wrong."""
        with _library(self.module, self.config) as lib:
            token = self._token(lib)
            try:
                with token.open(user_pin=pin):
                    return True
            except (PinIncorrect, PinLenRange):
                return False
            except PinLocked as exc:
                raise CardDeviceError("le jeton PKCS#11 a verrouillé le code porteur") from exc
            except PKCS11Error as exc:
                raise CardDeviceError(f"connexion au jeton impossible ({type(exc).__name__})") from exc

    def sign(self, pin: str, data: bytes) -> TokenSignature | None:
        """Sign ``data`` (SHA-256 then the key's algorithm); None if the PIN no longer opens the token."""
        with _library(self.module, self.config) as lib:
            token = self._token(lib)
            try:
                with token.open(user_pin=pin) as session:
                    key = _signing_key(session)
                    public = _public_key_der(session, key)
                    if key.key_type == KeyType.EC:
                        raw = key.sign(hashlib.sha256(data).digest(), mechanism=Mechanism.ECDSA)
                        return TokenSignature(ECDSA_P256_SHA256, encode_ecdsa_signature(raw), public)
                    if key.key_type == KeyType.RSA:
                        value = key.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS)
                        return TokenSignature(RSA_PKCS1_SHA256, value, public)
                    raise CardDeviceError(f"clé de signature de type {key.key_type} non prise en charge")
            except (PinIncorrect, PinLenRange):
                return None
            except PKCS11Error as exc:
                raise CardDeviceError(f"signature par le jeton impossible ({type(exc).__name__})") from exc

    def reset_pin(self, puk: str, new_pin: str) -> bool:
        """Set a new user PIN through the SO session (C_InitPIN); False if ``puk`` (the SO PIN) is wrong."""
        with _library(self.module, self.config) as lib:
            token = self._token(lib)
            try:
                with token.open(rw=True, so_pin=puk) as session:
                    session.init_pin(new_pin)
                    return True
            except (PinIncorrect, PinLenRange):
                return False
            except PKCS11Error as exc:
                raise CardDeviceError(f"déblocage par le jeton impossible ({type(exc).__name__})") from exc


def _signing_key(session: Any) -> Any:
    keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.SIGN: True}))
    labelled = [k for k in keys if k.label == SIGNING_KEY_LABEL]
    if labelled:
        return labelled[0]
    if len(keys) == 1:
        return keys[0]
    raise CardDeviceError(f"clé de signature introuvable sur le jeton ({len(keys)} clés privées)")


def _public_key_der(session: Any, private: Any) -> bytes:
    query: dict[Any, Any] = {Attribute.CLASS: ObjectClass.PUBLIC_KEY, Attribute.KEY_TYPE: private.key_type}
    if private.label:
        query[Attribute.LABEL] = private.label
    found = list(session.get_objects(query))
    if not found:
        raise CardDeviceError("clé publique de la carte introuvable sur le jeton")
    public = found[0]
    if private.key_type == KeyType.EC:
        return bytes(encode_ec_public_key(public))
    numbers = rsa.RSAPublicNumbers(int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big"),
                                   int.from_bytes(public[Attribute.MODULUS], "big"))
    return numbers.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)

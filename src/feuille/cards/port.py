"""The card reader port (ARCHITECTURE.md "Ports to the real world").

The billing services see cards only through :class:`CardReader`. The shipped adapter reads virtual cards
(files, with the CPS key in a PKCS#11 token); a licensed deployment plugs the GIE SESAM-Vitale reading API and
the CPS Cryptolib PKCS#11 module in behind the same interface.

Pure: value objects and the protocol only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class CardKind(StrEnum):
    CPS = "cps"        # professional card: signs invoices, 4-digit PIN, blocked after three wrong tries
    CPE = "cpe"        # establishment staff (secretary): first signature of a desynchronised invoice only
    VITALE = "vitale"  # the patient's card, several beneficiaries
    APCV = "apcv"      # the Vitale app, read as a QR code or by NFC


@dataclass(frozen=True)
class ProfessionalCardData:
    """What a CPS/CPE carries: enough to register the professional (``register_professional(from_card=True)``)."""

    serial: str
    kind: CardKind
    civility: str
    last_name: str
    first_name: str
    rpps: str | None = None
    billing_number: str | None = None       # 8 digits + key as read (the key may fail: a warning)
    specialty: str | None = None
    mode: str | None = None                 # mode d'exercice
    situation: int | None = None
    caisse: str | None = None
    sector: int | None = None
    certificate: bytes | None = None        # DER public key of the card's signing key, as read from the card


@dataclass(frozen=True)
class BeneficiaryData:
    """One beneficiary of a Vitale card, as ``create_patient_from_card`` takes it (keys of PATIENT_FIELDS)."""

    fields: dict[str, object]


@dataclass(frozen=True)
class VitaleCardData:
    serial: str
    kind: CardKind                          # VITALE or APCV
    insured_nir: str
    beneficiaries: tuple[BeneficiaryData, ...] = field(default_factory=tuple)
    reading: str | None = None              # ApCV: "qr" or "nfc"; None for a chip card
    certificate: bytes | None = None        # DER public key of the card (or app), as read from it


@dataclass(frozen=True)
class Signature:
    """A signature over the canonical bytes of an invoice, with what is needed to verify it later."""

    card_serial: str
    card_kind: CardKind
    algorithm: str                          # e.g. "ECDSA-P256-SHA256"
    value: bytes
    public_key: bytes                       # DER SubjectPublicKeyInfo of the signing key


ECDSA_P256_SHA256 = "ECDSA-P256-SHA256"   # value: DER-encoded (r, s)
RSA_PKCS1_SHA256 = "RSA-PKCS1v15-SHA256"  # what a CPS3 card's RSA key gives through the Cryptolib module


class CardError(Exception):
    """Base of the reader's errors; the billing layer turns them into French FeuilleErrors."""


class NoCardError(CardError):
    """No card of that kind (or not that serial) in the reader."""


class WrongPinError(CardError):
    def __init__(self, remaining: int) -> None:
        self.remaining = remaining
        super().__init__(f"wrong PIN, {remaining} tries left")


class CardBlockedError(CardError):
    """Three wrong PINs: the card refuses everything until unblocked with its unblocking code (PUK)."""

    def __init__(self, kind: CardKind = CardKind.CPS, serial: str = "") -> None:
        self.kind = kind
        self.serial = serial
        super().__init__(f"{kind.value} card {serial} blocked".replace("  ", " "))


# Additions (all subclasses of CardError: code catching CardError keeps working).


class UnknownCardError(CardError):
    """No card by that name or serial among the cards the reader can be given."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"unknown card {name!r}")


class CardDataError(CardError):
    """The card could not be read (a virtual card file with bad JSON or missing fields). ``reason`` is French."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"card {name!r} unreadable: {reason}")


class CardDeviceError(CardError):
    """The reader or the PKCS#11 module failed (module missing, token absent...). ``reason`` is French."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class PinFormatError(CardError):
    """A PIN (4 digits) or unblocking code (8 digits) of the wrong shape: refused before the card counts a try."""

    def __init__(self, what: str, digits: int) -> None:
        self.what = what        # "pin", "new_pin" or "puk"
        self.digits = digits
        super().__init__(f"{what} must be {digits} digits")


class PinNotVerifiedError(CardError):
    """Signing with a CPS/CPE whose PIN has not been verified since it was inserted."""


class WrongPukError(CardError):
    def __init__(self, remaining: int) -> None:
        self.remaining = remaining
        super().__init__(f"wrong unblocking code, {remaining} tries left")


class CardUnusableError(CardError):
    """Every try of the unblocking code used up: the card is dead and must be replaced."""


class CardReader(Protocol):
    def professional_card(self) -> ProfessionalCardData | None:
        """The CPS or CPE in the reader, if any."""
        ...

    def vitale_card(self) -> VitaleCardData | None:
        """The Vitale card (or the app's payload) presented, if any."""
        ...

    def verify_pin(self, serial: str, pin: str) -> None:
        """Check the PIN of the professional card; three wrong tries block it (and the block survives a restart).

        Raises NoCardError (not in the reader), PinFormatError (not 4 digits: no try counted), WrongPinError
        (remaining tries), CardBlockedError (on the third wrong try and from then on, even for the right PIN).
        """
        ...

    def sign(self, serial: str, data: bytes) -> Signature:
        """Sign with the card ``serial``; a CPS/CPE must have had its PIN verified since insertion.

        Raises NoCardError, PinNotVerifiedError, CardBlockedError. A Vitale card or the app signs without a PIN.
        """
        ...

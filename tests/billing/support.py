"""Billing test helpers: a fake card reader signing with `cryptography` EC keys, and a small practice."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from feuille.auth import Context
from feuille.cards.port import (
    BeneficiaryData,
    CardBlockedError,
    CardKind,
    NoCardError,
    PinNotVerifiedError,
    ProfessionalCardData,
    Signature,
    VitaleCardData,
    WrongPinError,
)
from feuille.practice import patients, professionals, replacements
from tests.practice.test_patients import ESSAI
from tests.practice.test_professionals import FIRMIER, MEDECIN, REMPLACANT

ESSAI_NIR = "142196296516596"
OTHER_NIR = "255069999999934"
JAN = ["13/01/2025", "14/01/2025", "2025-01-15"]

CPS_MEDECIN = ProfessionalCardData(serial="CPS-MED", kind=CardKind.CPS, civility="Madame",
                                   last_name="MEDECIN0043390", first_name="Virginie", billing_number="00103390 1")
CPS_FIRMIER = ProfessionalCardData(serial="CPS-FIR", kind=CardKind.CPS, civility="Monsieur", last_name="FIRMIER",
                                   first_name="Alain", billing_number="99610218 2")
CPS_REMPLACANT = ProfessionalCardData(serial="CPS-REM", kind=CardKind.CPS, civility="Madame",
                                      last_name="REMPEXMED0055789", first_name="NATHALIE", rpps="99700557897",
                                      billing_number="99700557 8")
CPE_SECRETAIRE = ProfessionalCardData(serial="CPE-SEC", kind=CardKind.CPE, civility="Madame", last_name="SECRET",
                                      first_name="Aline")
VITALE_ESSAI = VitaleCardData(serial="VIT-ESSAI", kind=CardKind.VITALE, insured_nir="1421962965165 96",
                              beneficiaries=(BeneficiaryData({"last_name": "ESSAI", "first_name": "Alain",
                                                              "birth_date": "01/01/1942", "rank": 1}),))
VITALE_OTHER = VitaleCardData(serial="VIT-OTHER", kind=CardKind.VITALE, insured_nir="2550699999999 34")
PIN = "1234"
#: A card keeps its key: every FakeReader given the same card signs with the same key (pass ``keys`` to forge one).
CARD_KEYS: dict[str, ec.EllipticCurvePrivateKey] = {}


def card_key(serial: str) -> ec.EllipticCurvePrivateKey:
    """The test card's own key, derived from its serial: the same in every process (concurrent desks), like a card."""
    secret = int.from_bytes(hashlib.sha256(f"feuille test card {serial}".encode()).digest(), "big")
    return ec.derive_private_key(secret % (2**255) + 1, ec.SECP256R1())


@dataclass
class FakeReader:
    """The CardReader port in memory: PIN with three tries, signature only after the PIN."""

    professional: ProfessionalCardData | None = None
    vitale: VitaleCardData | None = None
    keys: dict[str, ec.EllipticCurvePrivateKey] = field(default_factory=lambda: CARD_KEYS)  # one key per card
    verified: set[str] = field(default_factory=set)
    tries: dict[str, int] = field(default_factory=dict)
    signed: list[bytes] = field(default_factory=list)
    vitale_signed: list[bytes] = field(default_factory=list)

    def insert(self, card: ProfessionalCardData | None, vitale: VitaleCardData | None = None,
               pin: str | None = PIN) -> FakeReader:
        self.professional, self.vitale = card, vitale
        self.verified.clear()
        if card is not None and pin is not None:
            self.verify_pin(card.serial, pin)
        return self

    def key(self, serial: str) -> ec.EllipticCurvePrivateKey:
        return self.keys.setdefault(serial, card_key(serial))

    def certificate(self, serial: str) -> bytes:
        return self.key(serial).public_key().public_bytes(serialization.Encoding.DER,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo)

    def professional_card(self) -> ProfessionalCardData | None:
        """The card as read, with its certificate (the public key of the key it signs with)."""
        card = self.professional
        return None if card is None else replace(card, certificate=self.certificate(card.serial))

    def vitale_card(self) -> VitaleCardData | None:
        return None if self.vitale is None else replace(self.vitale, certificate=self.certificate(self.vitale.serial))

    def verify_pin(self, serial: str, pin: str) -> None:
        if self.professional is None or self.professional.serial != serial:
            raise NoCardError(serial)
        left = self.tries.get(serial, 3)
        if left == 0:
            raise CardBlockedError(CardKind.CPS, serial)
        if pin != PIN:
            self.tries[serial] = left - 1
            if left - 1 == 0:
                raise CardBlockedError(CardKind.CPS, serial)
            raise WrongPinError(left - 1)
        self.tries[serial] = 3
        self.verified.add(serial)

    def sign(self, serial: str, data: bytes) -> Signature:
        if self.vitale is not None and self.vitale.serial == serial:  # the Vitale card or app: no PIN
            self.vitale_signed.append(data)
            return Signature(card_serial=serial, card_kind=self.vitale.kind, algorithm="ECDSA-P256-SHA256",
                             value=self.key(serial).sign(data, ec.ECDSA(hashes.SHA256())),
                             public_key=self.certificate(serial))
        if self.professional is None or self.professional.serial != serial:
            raise NoCardError(serial)
        if serial not in self.verified:
            raise PinNotVerifiedError(serial)
        self.signed.append(data)
        return Signature(card_serial=serial, card_kind=self.professional.kind, algorithm="ECDSA-P256-SHA256",
                         value=self.key(serial).sign(data, ec.ECDSA(hashes.SHA256())),
                         public_key=self.certificate(serial))


@dataclass(frozen=True)
class Practice:
    medecin: int
    firmier: int
    remplacant: int
    patient: int


def practice(ctx: Context) -> Practice:
    med = professionals.register_professional(ctx, MEDECIN).id
    fir = professionals.register_professional(ctx, FIRMIER).id
    rem = replacements.add_remplacant(ctx, REMPLACANT, ["996102182"], JAN, from_card=True).id
    pat = patients.create_patient(ctx, ESSAI).id
    return Practice(med, fir, rem, pat)


def consultation(**changes: Any) -> dict[str, Any]:
    """A GP consultation for Essai by MEDECIN (sector 2), priced at 23.00."""
    doc: dict[str, Any] = {"date": "2025-01-14", "patient": {"nir": "1421962965165 96", "rank": 1},
                           "professional": "001033901", "coverage": {"nature": "maladie"},
                           "acts": [{"code": "C"}], "payer": {"tp_amo": True, "tp_amc": False}}
    doc.update(changes)
    return doc


def nurse_care(**changes: Any) -> dict[str, Any]:
    """A nurse act for Essai, billed under FIRMIER's number, on a prescription created on the spot."""
    doc: dict[str, Any] = {"date": "2025-01-14", "patient": {"nir": "1421962965165 96", "rank": 1},
                           "professional": "996102182", "acts": [{"code": "AMI", "coefficient": 1}],
                           "prescription": {"date": "2025-01-10", "prescriber": {
                               "last_name": "TOUBIB", "first_name": "Paul", "number": "991000696"}}}
    doc.update(changes)
    return doc

"""The mail-level facts of sending a B2 file and receiving its ARL (FORMATS.md §2), as pure functions.

Sourced (FORMATS.md §2, from public B2 transmitters): the recipient address ``<régime><caisse>@<caisse>.<régime>
.rss.fr``; the inner part's ``Content-Type: application/EDI-consent`` and ``Content-Description`` ``IRIS/B2``
(production) or ``IRISTEST/B2`` (test), ``/Z`` appended when gzipped; the subject ``IR`` + 6-digit code + ``/`` +
sender number (14) + ``/`` + stamp (``AAAAMMJJHHMMSS`` + 5 digits) + ``/`` + invoice count (5 digits, the type-5
records); the Message-ID ``<stamp@sender-domain>``.

**feuille's own** (no public source): the ARL mail. Its part is described ``IRIS/ARL`` (``IRISTEST/ARL`` from a
test organism) and its subject is ``ARL/`` + the lot mail's sender number + ``/`` + the lot mail's stamp + ``/``
+ ``P`` or ``N``, so that an ARL names the mail it answers. A NOEMIE return's part is described ``IRIS/NOEMIE``
(``IRISTEST/NOEMIE``): FORMATS.md §2 says only that the description names the kind of return.
No SMTP here: the transport uses these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from feuille.errors import ValidationError, quoted

CONTENT_TYPE = "application/EDI-consent"
_SUBJECT = re.compile(r"IR(\d{6})/(\d{14})/(\d{19})/(\d{5})")
_ARL_SUBJECT = re.compile(r"ARL/(\d{14})/(\d{19})/([PN])")
_DESCRIPTION = re.compile(r"(IRIS|IRISTEST)/(B2|ARL|NOEMIE|SCOR)(/Z)?")
KINDS = ("B2", "ARL", "NOEMIE", "SCOR")


def recipient_address(regime: str, caisse: str) -> str:
    """The organism's mailbox: ``recipient_address("01", "422") == "01422@422.01.rss.fr"``."""
    if not (isinstance(regime, str) and re.fullmatch(r"\d{2}", regime)
            and isinstance(caisse, str) and re.fullmatch(r"\d{3}", caisse)):
        raise ValidationError(f"Adresse de l'organisme : régime (2 chiffres) et caisse (3 chiffres) attendus, "
                              f"{quoted(regime)} et {quoted(caisse)} donnés.", code="mail_address", field="regime")
    return f"{regime}{caisse}@{caisse}.{regime}.rss.fr"


#: feuille's own (docs/dre.md): no public source gives a complementary's DRE mailbox (DRE usually travel through
#: a concentrator). The caisse de test plays complementaries at ``<n° AMC, 10 digits>@amc.rss.fr``.
AMC_DOMAIN = "amc.rss.fr"
_AMC_ADDRESS = re.compile(r"(\d{10})@amc\.rss\.fr", re.IGNORECASE)


def amc_address(amc_number: str) -> str:
    """The caisse de test's mailbox of a complementary: ``amc_address("1100000000") == "1100000000@amc.rss.fr"``."""
    if not (isinstance(amc_number, str) and amc_number.isdigit() and len(amc_number) <= 10):
        raise ValidationError(f"Adresse de la complémentaire : n° AMC de 10 chiffres au plus attendu, "
                              f"{quoted(amc_number)} donné.", code="mail_address", field="amc_number")
    return f"{amc_number.zfill(10)}@{AMC_DOMAIN}"


def amc_of_address(address: str) -> str | None:
    """The AMC number of a caisse de test's complementary mailbox, None for any other address."""
    match = _AMC_ADDRESS.fullmatch(address.strip().strip("<>"))
    return match[1] if match else None


def stamp(moment: datetime, serial: int) -> str:
    """The unique stamp of a mail: ``AAAAMMJJHHMMSS`` and 5 digits (``serial`` modulo 100 000)."""
    return f"{moment:%Y%m%d%H%M%S}{serial % 100_000:05d}"


def message_id(stamp_text: str, domain: str) -> str:
    return f"<{stamp_text}@{domain}>"


@dataclass(frozen=True)
class Subject:
    """The subject of a lot's mail."""

    code: str                        # 6 digits (FORMATS.md gives no meaning: a setting of the sender)
    sender_number: str               # 14 digits
    stamp: str                       # 19 digits
    invoice_count: int               # type-5 records of the file


def build_subject(subject: Subject) -> str:
    text = (f"IR{subject.code}/{subject.sender_number}/{subject.stamp}/"
            f"{subject.invoice_count:05d}" if 0 <= subject.invoice_count < 100_000 else "")
    if not _SUBJECT.fullmatch(text):
        raise ValidationError("Objet du courriel : code (6 chiffres), numéro d'émetteur (14), horodatage (19) et "
                              "nombre de factures (0 à 99999) attendus.", code="mail_subject", field="subject")
    return text


def parse_subject(text: object) -> Subject:
    found = _SUBJECT.fullmatch(text.strip()) if isinstance(text, str) else None
    if found is None:
        raise ValidationError(f"Objet de courriel {quoted(text)} : IR……/émetteur/horodatage/nombre attendu.",
                              code="mail_subject", field="subject")
    code, sender, moment, count = found.groups()
    return Subject(code, sender, moment, int(count))


@dataclass(frozen=True)
class ArlSubject:
    """The subject of an ARL mail (feuille's own): the lot mail it answers, and positive or negative."""

    sender_number: str
    stamp: str
    positive: bool


def build_arl_subject(subject: ArlSubject) -> str:
    text = f"ARL/{subject.sender_number}/{subject.stamp}/{'P' if subject.positive else 'N'}"
    if not _ARL_SUBJECT.fullmatch(text):
        raise ValidationError("Objet d'ARL : numéro d'émetteur (14 chiffres) et horodatage (19) attendus.",
                              code="mail_subject", field="subject")
    return text


def parse_arl_subject(text: object) -> ArlSubject:
    found = _ARL_SUBJECT.fullmatch(text.strip()) if isinstance(text, str) else None
    if found is None:
        raise ValidationError(f"Objet de courriel {quoted(text)} : ARL/émetteur/horodatage/P ou N attendu.",
                              code="mail_subject", field="subject")
    sender, moment, result = found.groups()
    return ArlSubject(sender, moment, result == "P")


@dataclass(frozen=True)
class Description:
    """What a ``Content-Description`` says: the kind of content (B2, ARL), test or production, gzipped."""

    kind: str
    test: bool
    compressed: bool


def content_description(description: Description) -> str:
    """``IRIS/B2``, ``IRISTEST/B2``, ``IRIS/B2/Z``…"""
    if description.kind not in KINDS:
        raise ValidationError(f"Contenu {quoted(description.kind)} inconnu : B2, ARL, NOEMIE ou SCOR attendu.",
                              code="content_description", field="kind")
    prefix = "IRISTEST" if description.test else "IRIS"
    return f"{prefix}/{description.kind}{'/Z' if description.compressed else ''}"


def parse_content_description(text: object) -> Description:
    found = _DESCRIPTION.fullmatch(text.strip()) if isinstance(text, str) else None
    if found is None:
        raise ValidationError(f"Description de contenu {quoted(text)} inconnue (IRIS/B2, IRISTEST/B2, /Z…).",
                              code="content_description", field="Content-Description")
    prefix, kind, compressed = found.groups()
    return Description(kind, prefix == "IRISTEST", compressed is not None)

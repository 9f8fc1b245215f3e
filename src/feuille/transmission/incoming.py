"""A mail from the professional's mailbox, read: its Message-ID, what it carries (ARL, NOEMIE, other) and, for an
ARL, the lot mail it answers and what it says. Pure (the standard library's ``email``), never raises on junk.

Sourced (FORMATS.md §2): returns come back by mail; the readable part is the ``application/EDI-consent`` part,
base64, gzipped when its ``Content-Description`` ends with ``/Z``; the description names the kind of return.
**feuille's own** (``formats.mail``): the ARL's subject ``ARL/<sender>/<stamp>/P|N`` and the descriptions
``IRIS/ARL``, ``IRIS/NOEMIE``. A mail without a Message-ID is known by the SHA-256 of its bytes, so that fetching it
again is seen as the same mail.
"""

from __future__ import annotations

import email
import email.policy
import gzip
import hashlib
import zlib
from dataclasses import dataclass
from email.message import Message

from feuille.errors import ValidationError
from feuille.formats import arl as arl_format
from feuille.formats import mail as mail_facts

ARL, NOEMIE, OTHER = "arl", "noemie", "autre"
MAX_HEADER = 255


@dataclass(frozen=True)
class Incoming:
    message_id: str
    subject: str
    kind: str                                    # arl, noemie, autre
    arl_subject: mail_facts.ArlSubject | None = None
    arl: arl_format.Arl | None = None
    problem: str | None = None                   # French: why an ARL (or the mail) could not be read


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a malformed header the email package cannot decode: treated as absent
        return ""
    return " ".join(str(value or "").split())[:MAX_HEADER]


def _parts(message: Message) -> list[Message]:
    try:
        return [part for part in message.walk() if part.get_content_type() == "application/edi-consent"]
    except Exception:  # a broken MIME structure: no readable part
        return []


def _payload(part: Message, compressed: bool) -> bytes:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        raise ValueError("no payload")
    return gzip.decompress(data) if compressed else data


def read_incoming(raw: bytes) -> Incoming:
    """What ``raw`` is. An ARL whose subject, part or records cannot be read is an ARL with a ``problem``."""
    try:
        message: Message = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception:  # the email package on junk bytes
        message = Message()
    message_id = _header(message, "Message-ID") or "sha256:" + hashlib.sha256(raw).hexdigest()
    subject = _header(message, "Subject")
    descriptions = []
    for part in _parts(message):
        try:
            descriptions.append((mail_facts.parse_content_description(_header(part, "Content-Description")), part))
        except ValidationError:
            continue
    kinds = {description.kind for description, _ in descriptions}
    if "NOEMIE" in kinds:
        return Incoming(message_id, subject, NOEMIE)
    if "ARL" not in kinds and not subject.startswith("ARL/"):
        return Incoming(message_id, subject, OTHER)
    found = next(((d, p) for d, p in descriptions if d.kind == "ARL"), None)
    if found is None:
        reading = arl_reading(subject, None)
        return Incoming(message_id, subject, ARL, reading.subject, problem=reading.problem
                        or "ARL sans partie EDI-consent IRIS/ARL.")
    try:
        payload = _payload(found[1], found[0].compressed)
    except (ValueError, OSError, EOFError, zlib.error):
        payload = None
    reading = arl_reading(subject, payload)
    return Incoming(message_id, subject, ARL, reading.subject, reading.arl, reading.problem)


@dataclass(frozen=True)
class ArlReading:
    subject: mail_facts.ArlSubject | None
    arl: arl_format.Arl | None
    problem: str | None


def arl_reading(subject: str, payload: bytes | None) -> ArlReading:
    """An ARL mail's subject (the lot mail it answers) and records (what it says), read; a French ``problem``
    instead of an exception when either is unreadable or they disagree."""
    try:
        arl_subject = mail_facts.parse_arl_subject(subject)
    except ValidationError as error:
        return ArlReading(None, None, error.message)
    if payload is None:
        return ArlReading(arl_subject, None, "ARL illisible (contenu absent ou mal encodé).")
    try:
        arl = arl_format.read_arl(payload)
    except ValidationError as error:
        return ArlReading(arl_subject, None, error.message)
    if arl.positive != arl_subject.positive:
        return ArlReading(arl_subject, None, "ARL incohérent : l'objet et le contenu ne disent pas le même résultat.")
    return ArlReading(arl_subject, arl, None)

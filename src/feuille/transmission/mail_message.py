"""The mail of one file and the reading of a mail that comes back (FORMATS.md §2), without any network.

Out: the file gzipped (``mtime`` 0, so the same file gives the same bytes) in an ``application/EDI-consent`` part,
base64, described ``IRIS/B2/Z`` (``IRISTEST/B2/Z`` to a test organism); that part enveloped in S/MIME for the
recipient's certificate (``cryptography``'s PKCS#7 builder, AES-128-CBC as recent public code does); the subject
``IR…`` and the Message-ID ``<stamp@sender domain>`` of ``formats.mail``; a Date taken from the stamp. Only the
S/MIME content key (random by design) differs between two builds of one ``OutgoingFile``.

In: the ``application/EDI-consent`` part, its ``Content-Description`` naming the kind (ARL, NOEMIE…), base64 then
gunzip when ``/Z``. A mail without such a part, with an unknown description or a payload that does not decode is
junk: an ``Incoming`` carrying the French reason, never an exception.
"""

from __future__ import annotations

import email
import email.policy
import gzip
import zlib
from datetime import datetime
from email.message import EmailMessage, Message
from email.utils import format_datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import pkcs7

from feuille.errors import ValidationError
from feuille.formats import mail as mail_facts
from feuille.transmission.transport import Incoming, OutgoingFile, check_outgoing

MAX_DECOMPRESSED = 50 * 1024 * 1024   # feuille's own: a return larger than this once gunzipped is junk
SMTP_POLICY = email.policy.compat32.clone(linesep="\r\n")   # SMTP wants CRLF lines


def sender_domain(sender: str) -> str:
    return sender.rsplit("@", 1)[-1] if "@" in sender else sender


def message_id(item: OutgoingFile, sender: str) -> str:
    return mail_facts.message_id(item.stamp, sender_domain(sender))


def inner_part(item: OutgoingFile) -> bytes:
    """The MIME entity that gets encrypted: the gzipped file, base64, described."""
    part = EmailMessage()
    description = mail_facts.content_description(mail_facts.Description(item.kind, item.test, True))
    part.set_content(gzip.compress(item.payload, mtime=0), maintype="application", subtype="EDI-consent",
                     cte="base64", headers=[f"Content-Description: {description}"])
    return part.as_bytes()


def build_mail(item: OutgoingFile, certificate: x509.Certificate, *, sender: str, subject_code: str) -> bytes:
    """The whole mail, CRLF lines, ready for SMTP."""
    check_outgoing(item)
    envelope = (pkcs7.PKCS7EnvelopeBuilder().set_data(inner_part(item))
                .set_content_encryption_algorithm(algorithms.AES128).add_recipient(certificate))
    message = email.message_from_bytes(envelope.encrypt(serialization.Encoding.SMIME, []),
                                       policy=email.policy.compat32)
    message["From"] = sender
    message["To"] = item.recipient.mail_address
    message["Subject"] = mail_facts.build_subject(
        mail_facts.Subject(subject_code, item.sender_number, item.stamp, item.invoice_count))
    message["Date"] = format_datetime(datetime.strptime(item.stamp[:14], "%Y%m%d%H%M%S"))
    message["Message-ID"] = message_id(item, sender)
    return message.as_bytes(policy=SMTP_POLICY)


def _edi_part(message: Message) -> Message | None:
    for part in message.walk():
        if part.get_content_type() == mail_facts.CONTENT_TYPE.lower():
            return part
    return None


def _junk(mail_id: str, raw: bytes, subject: str, message_id_text: str, problem: str) -> Incoming:
    return Incoming(mail_id, None, False, subject, b"", message_id_text, raw, problem)


def read_incoming(mail_id: str, raw: bytes) -> Incoming:
    """One mail of the mailbox as an ``Incoming``; junk carries its French reason."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        subject = str(message.get("Subject", "") or "")
        found_id = str(message.get("Message-ID", "") or "").strip()
    except (ValueError, LookupError, UnicodeError, IndexError, TypeError):   # malformed headers
        return _junk(mail_id, raw, "", "", "courriel illisible (en-têtes mal formés)")
    part = _edi_part(message)
    if part is None:
        return _junk(mail_id, raw, subject, found_id, "aucune pièce de télétransmission (application/EDI-consent)")
    try:
        description = mail_facts.parse_content_description(str(part.get("Content-Description", "")))
    except ValidationError as error:
        return _junk(mail_id, raw, subject, found_id, error.message)
    try:
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if description.compressed:
            data = _gunzip(data)
    except (ValueError, OSError, EOFError, zlib.error, LookupError) as error:
        return _junk(mail_id, raw, subject, found_id, f"pièce illisible ({type(error).__name__})")
    if not data:
        return _junk(mail_id, raw, subject, found_id, "pièce de télétransmission vide")
    return Incoming(mail_id, description.kind, description.test, subject, data, found_id, raw)


def _gunzip(data: bytes) -> bytes:
    """gunzip with a bound: a small mail must not inflate into gigabytes."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    out = inflater.decompress(data, MAX_DECOMPRESSED + 1)
    if len(out) > MAX_DECOMPRESSED or inflater.unconsumed_tail:
        raise ValueError("too large once decompressed")
    if not inflater.eof:
        raise EOFError("truncated gzip")
    return out

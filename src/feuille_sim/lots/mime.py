"""Opening a lot's mail (FORMATS.md §2): MIME, S/MIME enveloped data, base64, gzip (``/Z``), with the standard
library's ``email`` and ``cryptography``'s PKCS#7 functions.

The S/MIME part (``application/pkcs7-mime``) is decrypted with the organism's test key; what it holds is a MIME
entity: the ``application/EDI-consent`` part described ``IRIS/B2`` or ``IRISTEST/B2`` (``/Z`` when gzipped), alone
or in a ``multipart/mixed`` beside the SCOR pieces; or, in a SCOR lot's own mail, the part described
``IRIS/SCOR`` or ``IRISTEST/SCOR`` (``/Z``) holding the SCOR lot (``feuille.formats.scor``, read by ``scor.py``).
**feuille's own** (no public source gives the SCOR flow's format, FORMATS.md §4): a SCOR piece is a part of that
multipart, JPEG, PNG or PDF, described ``SCOR/<billing number, 9 digits>/<invoice number, 9 digits>``;
``MAX_UNPACKED`` (50 MiB) caps what a gzipped file may grow to.

Everything that goes wrong is an :class:`Unreadable` with a French reason; nothing here raises anything else.
"""

from __future__ import annotations

import email
import email.policy
import re
import zlib
from dataclasses import dataclass, field
from email.message import Message

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7

from feuille.errors import ValidationError, quoted
from feuille.formats import mail as mail_facts

MAX_UNPACKED = 50 * 1024 * 1024
SMIME_TYPES = ("application/pkcs7-mime", "application/x-pkcs7-mime")
SCOR_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n", "application/pdf": b"%PDF-"}
_SCOR = re.compile(r"SCOR/(\d{9})/(\d{9})")
_STAMP_ID = re.compile(r"<(\d{19})@[^>]*>")


class Unreadable(Exception):
    """The mail cannot be opened: ``message`` says why, in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Envelope:
    """What the outer mail says, read before anything is decrypted (each part may be missing in junk)."""

    message_id: str
    subject: mail_facts.Subject | None
    stamp: str | None                # the lot mail's stamp (subject, else Message-ID)
    sender_address: str


@dataclass(frozen=True)
class ScorPiece:
    billing_number: str
    invoice_number: int
    content_type: str
    size: int


@dataclass(frozen=True)
class Opened:
    b2: bytes                        # empty for a SCOR lot's mail
    description: mail_facts.Description
    scor: tuple[ScorPiece, ...] = field(default_factory=tuple)
    scor_lot: bytes | None = None    # the SCOR lot (``formats/scor.py``) of a mail described ``IRIS/SCOR``


def parse(raw: bytes) -> Message:
    return email.message_from_bytes(raw, policy=email.policy.compat32)


def envelope(message: Message) -> Envelope:
    def header(name: str) -> str:
        try:
            value = message.get(name)
        except Exception:  # a header email cannot even render: treat as absent
            return ""
        # one line: a folded or junk header must not break the answer's headers
        return " ".join(str(value).split()) if value is not None else ""

    message_id = header("Message-ID")[:200]
    try:
        subject: mail_facts.Subject | None = mail_facts.parse_subject(header("Subject"))
    except ValidationError:
        subject = None
    found = _STAMP_ID.fullmatch(message_id)
    stamp = subject.stamp if subject else (found.group(1) if found else None)
    return Envelope(message_id, subject, stamp, header("From")[:200])


def open_lot(message: Message, certificate: x509.Certificate, key: rsa.RSAPrivateKey) -> Opened:
    """The B2 file, its description and the SCOR pieces of a lot's mail; :class:`Unreadable` otherwise."""
    try:
        return _open(message, certificate, key)
    except Unreadable:
        raise
    except Exception as exc:  # the email package on junk: any failure is an unreadable mail, never a crash
        raise Unreadable(f"courriel illisible ({type(exc).__name__}).") from exc


def _open(message: Message, certificate: x509.Certificate, key: rsa.RSAPrivateKey) -> Opened:
    smime = [part for part in message.walk() if part.get_content_type() in SMIME_TYPES]
    if not smime:
        raise Unreadable("aucune pièce chiffrée S/MIME (application/pkcs7-mime) dans le courriel.")
    der = smime[0].get_payload(decode=True)
    if not isinstance(der, bytes) or not der:
        raise Unreadable("pièce chiffrée S/MIME vide.")
    try:
        inner = pkcs7.pkcs7_decrypt_der(der, certificate, key, [])
    except (ValueError, TypeError) as exc:
        raise Unreadable("déchiffrement S/MIME impossible avec le certificat de l'organisme (courriel chiffré pour "
                         f"un autre destinataire, ou données abîmées : {str(exc)[:80]}).") from exc
    entity = parse(inner)
    parts = [part for part in entity.walk() if not part.is_multipart()]
    b2_parts = [part for part in parts if part.get_content_type() == mail_facts.CONTENT_TYPE.lower()]
    if len(b2_parts) != 1:
        raise Unreadable(f"une pièce {mail_facts.CONTENT_TYPE} attendue dans le contenu chiffré, "
                         f"{len(b2_parts)} trouvée(s).")
    part = b2_parts[0]
    try:
        description = mail_facts.parse_content_description(part.get("Content-Description"))
    except ValidationError as exc:
        raise Unreadable(exc.message) from exc
    if description.kind not in ("B2", "SCOR"):
        raise Unreadable(f"pièce décrite {quoted(part.get('Content-Description'))} : un fichier B2 ou un lot SCOR "
                         "attendu.")
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        raise Unreadable(f"pièce du {'lot SCOR' if description.kind == 'SCOR' else 'fichier B2'} illisible.")
    if description.compressed:
        data = gunzip(data)
    if description.kind == "SCOR":
        return Opened(b"", description, (), data)
    return Opened(data, description, tuple(_scor(parts)))


def gunzip(data: bytes) -> bytes:
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, MAX_UNPACKED)
    except zlib.error as exc:
        raise Unreadable(f"fichier décrit compressé (/Z) mais pas au format gzip ({exc}).") from exc
    if inflater.unconsumed_tail:
        raise Unreadable(f"fichier décompressé de plus de {MAX_UNPACKED // (1024 * 1024)} Mio : refusé.")
    if not inflater.eof:
        raise Unreadable("fichier gzip tronqué.")
    return out


def _scor(parts: list[Message]) -> list[ScorPiece]:
    out = []
    for part in parts:
        found = _SCOR.fullmatch(str(part.get("Content-Description") or "").strip())
        magic = SCOR_TYPES.get(part.get_content_type())
        if found is None or magic is None:
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes) and data.startswith(magic):
            out.append(ScorPiece(found.group(1), int(found.group(2)), part.get_content_type(), len(data)))
    return out

"""The SCOR lot: the scanned pieces of one FSE lot's invoices, sent in their own mail beside the lot.

FORMATS.md §4: « Scanned prescriptions and care sheets travel in their own flow beside the FSE lots, [...] and are
acknowledged by their own ARL »; « **feuille's own:** the SCOR lot format and its link to the FSE lot ». So the
whole of this module is **feuille's own** (docs/teletransmission.md « SCOR », docs/caisse-de-test.md):

- the SCOR lot is one MIME ``multipart/mixed`` entity (what the transport gzips into the mail's
  ``application/EDI-consent`` part described ``IRIS/SCOR/Z``, ``IRISTEST/SCOR/Z`` to a test organism): first
  the **index**, a ``text/plain`` part described ``SCOR/INDEX``, then one part per piece, its own media type
  (``application/pdf``, ``image/png``, ``image/jpeg``), base64, described ``SCOR/<billing number 9>/<invoice
  number 9>`` (the description the caisse de test already reads for pieces inside a lot mail, ``mime.py``);
- the index is fixed-width records of 128 characters, no separator, like the B2 file: a head ``SCRE`` naming the
  FSE lot it belongs to (sender, partner, lot number and date, organism) and the piece count, then one ``SCRP``
  per piece in the order of the parts (billing and invoice numbers, kind, media, pages, size, SHA-256).

The same lot gives the same bytes (the boundary comes from the lot's identity), so a SCOR lot re-sent after a
crash is the mail the caisse already has. Reading refuses in French (:class:`ValidationError`), never raises
anything else.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
from dataclasses import dataclass
from datetime import date
from email.message import Message

from feuille.errors import ValidationError, quoted
from feuille.formats.b2_file import line
from feuille.formats.fixed_width import Field, Kind, Layout, read

N, A, D = Kind.NUMERIC, Kind.ALPHA, Kind.DATE
RECORD = 128
INDEX_DESCRIPTION = "SCOR/INDEX"
#: Piece kinds on 4 characters: ``ORDN`` is manual 003 IV's code of the prescription; ``FSOI`` (care sheet) is
#: feuille's own (no public source names one).
KIND_CODES = {"ordonnance": "ORDN", "feuille_de_soins": "FSOI"}
MEDIA_CODES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}
MAGIC = {"application/pdf": b"%PDF-", "image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
MAX_PIECES = 99_999

SCOR_HEAD = Layout("SCRE", RECORD, (
    Field("type", 1, 4, A, constant="SCRE"),
    Field("sender_number", 5, 14, N),      # the FSE lot's B2 sender (000, 6-19)
    Field("file_id", 19, 6, N),            # the SCOR lot's identifier, unique per sender
    Field("partner", 25, 9, A),            # the FSE lot's partner (1, 2-10): the billing number
    Field("fse_lot", 34, 3, A),            # the FSE lot's number (1, 20-22)
    Field("fse_lot_date", 37, 6, D),       # its date (1, 72-77)
    Field("regime", 43, 2, N), Field("caisse", 45, 3, N),
    Field("piece_count", 48, 5, N),
    Field("created", 53, 6, D),
))
SCOR_PIECE = Layout("SCRP", RECORD, (
    Field("type", 1, 4, A, constant="SCRP"),
    Field("sequence", 5, 5, N),
    Field("billing_number", 10, 9, A),
    Field("invoice_number", 19, 9, N),
    Field("kind", 28, 4, A),
    Field("media", 32, 4, A),
    Field("pages", 36, 3, N),
    Field("size", 39, 9, N),
    Field("sha256", 48, 64, A),
))


@dataclass(frozen=True)
class Piece:
    billing_number: str
    invoice_number: int
    kind: str                         # ordonnance / feuille_de_soins
    media_type: str
    pages: int
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class ScorLot:
    sender_number: str
    file_id: str
    partner: str
    fse_lot: str
    fse_lot_date: date
    regime: str
    caisse: str
    created: date
    pieces: tuple[Piece, ...]


def _refuse(message: str, field: str = "scor") -> ValidationError:
    return ValidationError(f"Lot SCOR : {message}", code="scor_format", field=field)


def index_text(lot: ScorLot) -> str:
    """The index records (no separator)."""
    if not 1 <= len(lot.pieces) <= MAX_PIECES:
        raise _refuse(f"de 1 à {MAX_PIECES} pièces attendues, {len(lot.pieces)} données.", "pieces")
    head = line(SCOR_HEAD, {"sender_number": lot.sender_number, "file_id": lot.file_id, "partner": lot.partner,
                            "fse_lot": lot.fse_lot, "fse_lot_date": lot.fse_lot_date, "regime": lot.regime,
                            "caisse": lot.caisse, "piece_count": len(lot.pieces), "created": lot.created})
    records = [head]
    for number, piece in enumerate(lot.pieces, start=1):
        if piece.kind not in KIND_CODES or piece.media_type not in MEDIA_CODES:
            raise _refuse(f"pièce {number} : type {quoted(piece.kind)} ou format {quoted(piece.media_type)} "
                          "inconnu.", "pieces")
        records.append(line(SCOR_PIECE, {
            "sequence": number, "billing_number": piece.billing_number, "invoice_number": piece.invoice_number,
            "kind": KIND_CODES[piece.kind], "media": MEDIA_CODES[piece.media_type], "pages": min(piece.pages, 999),
            "size": len(piece.content), "sha256": piece.sha256.upper()}))
    return "".join(records)


def piece_description(billing_number: str, invoice_number: int) -> str:
    return f"SCOR/{billing_number}/{invoice_number:09d}"


def write_lot(lot: ScorLot) -> bytes:
    """The SCOR lot as one MIME entity (CRLF lines), the same bytes for the same lot."""
    boundary = f"scor-{lot.sender_number}-{lot.file_id}"
    out = [f"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n"]
    parts = [("text/plain; charset=us-ascii", INDEX_DESCRIPTION, index_text(lot).encode("ascii"))]
    parts += [(piece.media_type, piece_description(piece.billing_number, piece.invoice_number), piece.content)
              for piece in lot.pieces]
    for content_type, description, data in parts:
        encoded = base64.encodebytes(data).decode("ascii").replace("\n", "\r\n")
        out.append(f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: base64\r\n"
                   f"Content-Description: {description}\r\n\r\n{encoded}")
    out.append(f"--{boundary}--\r\n")
    return "".join(out).encode("ascii")


# --- reading ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReadPiece:
    """A piece as received: what the index says of it and its bytes (``problem``: why it is not readable)."""

    billing_number: str
    invoice_number: int
    kind: str
    media_type: str
    pages: int
    content: bytes
    problem: str | None


def _index(text: str) -> tuple[dict[str, object], list[dict[str, object]]]:
    if len(text) % RECORD or not text:
        raise _refuse(f"index de {len(text)} caractères : des enregistrements de {RECORD} attendus.", "index")
    records = [text[i:i + RECORD] for i in range(0, len(text), RECORD)]
    head = read(SCOR_HEAD, records[0])
    pieces = [read(SCOR_PIECE, record) for record in records[1:]]
    if int(str(head["piece_count"])) != len(pieces):
        raise _refuse(f"{head['piece_count']} pièces annoncées, {len(pieces)} décrites.", "piece_count")
    for number, values in enumerate(pieces, start=1):
        if int(str(values["sequence"])) != number:
            raise _refuse(f"pièce n° {number} attendue, n° {values['sequence']} lue.", "sequence")
    return head, pieces


def _date(value: object, field: str) -> date:
    text = str(value)
    try:
        return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:]))
    except ValueError:
        raise _refuse(f"date {quoted(text)} inexistante.", field) from None


def read_lot(data: bytes) -> tuple[ScorLot, tuple[ReadPiece, ...]]:
    """The lot's head (``pieces`` empty) and each piece as received, checked against the index (count, order,
    description, media type, size, SHA-256). An unreadable index refuses the whole lot; a bad piece is returned
    with its ``problem``."""
    try:
        message = email.message_from_bytes(data, policy=email.policy.compat32)
        parts = [part for part in message.walk() if not part.is_multipart()]
    except Exception as exc:  # the email package on junk: an unreadable lot, never a crash
        raise _refuse(f"contenu MIME illisible ({type(exc).__name__}).") from None
    if not parts or str(parts[0].get("Content-Description") or "").strip() != INDEX_DESCRIPTION:
        raise _refuse(f"la première partie doit être l'index ({INDEX_DESCRIPTION}).", "index")
    raw_index = parts[0].get_payload(decode=True)
    if not isinstance(raw_index, bytes):
        raise _refuse("index illisible.", "index")
    head, described = _index(raw_index.decode("ascii", errors="replace"))
    if len(parts) - 1 != len(described):
        raise _refuse(f"{len(described)} pièces décrites, {len(parts) - 1} parties reçues.", "piece_count")
    medias = {code: media for media, code in MEDIA_CODES.items()}
    kinds = {code: kind for kind, code in KIND_CODES.items()}
    pieces = []
    for values, part in zip(described, parts[1:], strict=True):
        billing, number = str(values["billing_number"]), int(str(values["invoice_number"]))
        media = medias.get(str(values["media"]).strip(), "")
        content = part.get_payload(decode=True)
        content = content if isinstance(content, bytes) else b""
        problem = _piece_problem(values, part, billing, number, media, content)
        pieces.append(ReadPiece(billing, number, kinds.get(str(values["kind"]).strip(), ""), media,
                                int(str(values["pages"])), content, problem))
    lot = ScorLot(str(head["sender_number"]), str(head["file_id"]), str(head["partner"]).strip(),
                  str(head["fse_lot"]), _date(head["fse_lot_date"], "fse_lot_date"), str(head["regime"]),
                  str(head["caisse"]), _date(head["created"], "created"), ())
    return lot, tuple(pieces)


def _piece_problem(values: dict[str, object], part: Message, billing: str, number: int, media: str,
                   content: bytes) -> str | None:
    where = f"pièce n° {values['sequence']} (facture {number}) : "
    if str(values["kind"]).strip() not in KIND_CODES.values():
        return where + f"type {quoted(values['kind'])} inconnu."
    if str(part.get("Content-Description") or "").strip() != piece_description(billing, number):
        return where + "description de la partie différente de l'index."
    if not media or part.get_content_type() != media:
        return where + f"format {quoted(part.get_content_type())} différent de l'index (PDF, PNG ou JPEG)."
    if not content.startswith(MAGIC[media]):
        return where + "fichier illisible (en-tête du format absent)."
    if len(content) != int(str(values["size"])) or hashlib.sha256(content).hexdigest().upper() != values["sha256"]:
        return where + "taille ou empreinte SHA-256 différente de l'index (pièce abîmée)."
    return None


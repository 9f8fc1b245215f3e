"""A B2 file as typed models (file → lots → invoices → lines), and the writer that lays them out.

The models hold what a writer decides; every count and control total (record 5, lot trailer 6, file trailer
999) is computed by :func:`write_b2`, never given. The reader (``b2_reader.read_b2``) gives these models back.

Values are kept in the form the reader returns, so that writing then reading gives equal models: codes of
numeric fields are strings of exactly their field's width (``regime="01"``; ``""`` for an absent optional one),
alphanumeric fields upper case without accents or trailing spaces, amounts ``Decimal``, counts ``int``, dates
``date`` (a birth date's century is the latest one not after the file's creation date: the record has two digits).

Pure: no I/O, no clock. Bad models are refused with a French :class:`~feuille.errors.ValidationError` naming
the record and the field (the engine's, or ``b2_invoice``/``b2_signature`` for what the structure forbids).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache

from feuille.errors import ValidationError
from feuille.formats import b2
from feuille.formats.fixed_width import Kind, Layout, write

ZERO = Decimal("0.00")
MAX_CCAM = 26    # FIDES: up to 26 × 4M per line
MAX_LINES = 999  # FIDES: 1 to 999 lines per invoice


@dataclass(frozen=True)
class FileHeader:
    """Record 000 (the 999 trailer repeats its parties and file id)."""

    sender_type: str                 # TP, TE, SI, OT
    sender_number: str               # 14 digits
    recipient_type: str              # b2.recipient_type(régime)
    recipient_number: str            # 14 digits: b2.recipient_number(...)
    file_id: str                     # 6 digits, unique per sender
    created: date
    norme: str = "CP"
    reception_date: str = ""         # left blank by the sender
    message: str = ""


@dataclass(frozen=True)
class LotHeader:
    """Record 1."""

    partner_number: str              # 9 digits: billing number + key
    organism: str                    # caisse, 3 digits
    lot_number: str                  # 3 characters
    lot_date: date
    partner_name: str = ""
    category: str = ""
    legal_status: str = ""
    tariff_mode: str = ""
    norme_code: str = ""
    certification: str = ""          # "", S, F, D
    norme_version: str = ""


@dataclass(frozen=True)
class LotClosing:
    """What record 6 carries besides its counts and totals."""

    marking: str = "R"               # R real, T test, D demo
    sesam: str = "F"                 # F SESAM, blank outside
    software_approval: str = ""
    reader_approval: str = ""
    substitute_number: str = ""
    certification_zone: str = ""


@dataclass(frozen=True)
class InvoiceHeader:
    """Record 2's own fields (the prefix is the invoice's)."""

    regime: str
    caisse: str
    centre: str
    insurance_nature: str            # 10, 13, 30, 41, 90
    proof: str = "0"
    exoneration: str = "0"
    accident: str = ""
    amc_separate: str = ""           # "F" when the AMC is billed separately
    top_m: str = ""                  # "M": the AMO forwards the AMC part to the complementary (feuille's own column)
    birth_date: date | None = None
    birth_rank: str = "1"
    contract_type: str = ""
    amc_number: str = ""
    dre: str = ""                    # feuille's own: "D" when the invoice also goes to the AMC in a DRE lot
    pec_number: str = ""             # feuille's own: the AMC's prise en charge (number, date AAMMJJ)
    pec_date: str = ""
    convention_type: str = ""        # feuille's own: the AMC convention (type, secondary criterion)
    secondary_criterion: str = ""


@dataclass(frozen=True)
class InvoiceDetail:
    """Record 2S."""

    certified_nir: str = ""
    certified_nir_key: str = ""
    doctor_declared: str = ""
    doctor_name: str = ""
    doctor_first_name: str = ""
    doctor_number: str = ""
    ips: str = ""


@dataclass(frozen=True)
class Act:
    """Record 4: one line of the invoice."""

    care_date: date
    act_code: str
    quantity: int
    coefficient: Decimal
    unit_price: Decimal
    base: Decimal
    rate: int
    amo: Decimal
    fees: Decimal
    amc: Decimal = ZERO
    count: int = 1
    prescriber_number: str = ""
    exoneration: str = "0"
    performer_number: str = ""
    performer_specialty: str = ""
    qualifier: str = ""


@dataclass(frozen=True)
class ActDetail:
    """Record 4S."""

    request_date: date | None = None
    agreement: str = ""
    activity_domain: str = ""


@dataclass(frozen=True)
class ActRpps:
    """Record 4E."""

    prescriber_rpps: str = ""
    performer_rpps: str = ""


@dataclass(frozen=True)
class CcamAct:
    """Record 4M: one session of a CCAM act (its sequence is its place in the line)."""

    ccam_code: str
    session_date: date
    activity: str = "1"
    phase: str = "0"
    extension: str = ""
    modifier_1: str = ""
    modifier_2: str = ""
    modifier_3: str = ""
    modifier_4: str = ""
    association: str = ""
    conditional: str = ""
    teeth: str = ""


@dataclass(frozen=True)
class Line:
    act: Act
    detail: ActDetail | None = None
    rpps: ActRpps | None = None
    ccam: tuple[CcamAct, ...] = ()

    @property
    def record_count(self) -> int:
        return 1 + (self.detail is not None) + (self.rpps is not None) + len(self.ccam)


class Signer(StrEnum):
    CPS = "C"
    CPE = "E"
    VITALE = "V"


#: The cards' algorithm names (feuille.cards.port) and their 5-letter names in record 7 (RFC 7518).
SIGNATURE_ALGORITHMS = {"ECDSA-P256-SHA256": "ES256", "RSA-PKCS1v15-SHA256": "RS256"}


@dataclass(frozen=True)
class InvoiceSignature:
    """Record 7 (feuille's own): a card's signature over :func:`signed_message` of its invoice: its records 2 to 5
    (content ``B``), or those followed by a line feed and the hexadecimal SHA-256 ``content_digest`` of what the
    sender keeps beside them (content ``D``: feuille's invoice as JSON, docs/formats-b2.md)."""

    signer: Signer
    algorithm: str                   # ES256 or RS256
    key_fingerprint: str             # key_fingerprint(DER public key)
    value: bytes
    content_digest: bytes | None = None   # 32 bytes: content D; None: content B

    @property
    def content(self) -> str:
        return "B" if self.content_digest is None else "D"


@dataclass(frozen=True)
class Invoice:
    """An invoice: records 2, 2S, its lines, 5, then its signature records 7."""

    billing_number: str              # 9 digits: the partner's billing number + key
    insured_nir: str                 # 13 characters
    nir_key: str                     # 2 digits
    rank: int
    number: int
    header: InvoiceHeader
    lines: tuple[Line, ...]
    detail: InvoiceDetail | None = None
    signatures: tuple[InvoiceSignature, ...] = ()

    @property
    def fees(self) -> Decimal:
        return sum((line.act.fees for line in self.lines), ZERO)

    @property
    def amo(self) -> Decimal:
        return sum((line.act.amo for line in self.lines), ZERO)

    @property
    def amc(self) -> Decimal:
        return sum((line.act.amc for line in self.lines), ZERO)

    @property
    def line_records(self) -> int:
        """Record 5's count: the line records, subtypes included."""
        return sum(line.record_count for line in self.lines)


@dataclass(frozen=True)
class Lot:
    header: LotHeader
    invoices: tuple[Invoice, ...]
    closing: LotClosing = field(default_factory=LotClosing)


@dataclass(frozen=True)
class B2File:
    header: FileHeader
    lots: tuple[Lot, ...]


def key_fingerprint(public_key: bytes) -> str:
    """Record 7's reference to the signing key: SHA-256 of its DER SubjectPublicKeyInfo, upper-case hex."""
    return hashlib.sha256(public_key).hexdigest().upper()


def model_values(model: object) -> dict[str, object]:
    """A record model's fields by name, as the layout names them."""
    cls: type = type(model)
    names, getter = _getter(cls)
    return dict(zip(names, getter(model), strict=True))


@cache
def _getter(cls: type) -> tuple[tuple[str, ...], Callable[[object], tuple[object, ...]]]:
    """A model class's field names and one getter of them all (a record is written per model: once per class)."""
    names = tuple(f.name for f in dataclasses.fields(cls))
    getter = operator.attrgetter(*names)
    return names, (getter if len(names) > 1 else lambda model: (getter(model),))


def line(layout: Layout, values: dict[str, object]) -> str:
    """One record; a numeric code given as text must have its field's exact width (or be empty)."""
    for f in layout.plan.by_kind[Kind.NUMERIC]:
        value = values.get(f.name)
        if isinstance(value, str) and value and len(value) != f.length:
            raise ValidationError(f"Enregistrement {layout.name}, {f.name} (colonne {f.start}) : {f.length} "
                                  f"chiffres attendus, {len(value)} donnés.", code="format_numeric", field=f.name)
    return write(layout, values)


def _prefix(invoice: Invoice) -> dict[str, object]:
    return {"billing_number": invoice.billing_number, "insured_nir": invoice.insured_nir,
            "nir_key": invoice.nir_key, "invoice_number": invoice.number}


def invoice_records(invoice: Invoice) -> list[str]:
    """Records 2, 2S, 4, 4S, 4E, 4M…, 5 of one invoice (without its signatures)."""
    if not 1 <= len(invoice.lines) <= MAX_LINES:
        raise ValidationError(f"Facture {invoice.number} : 1 à {MAX_LINES} lignes attendues, "
                              f"{len(invoice.lines)} données.", code="b2_invoice", field="lines")
    long = {**_prefix(invoice), "rank": invoice.rank}
    short = _prefix(invoice)
    out = [line(b2.RECORD_2, {**long, **model_values(invoice.header)})]
    if invoice.detail is not None:
        out.append(line(b2.RECORD_2S, {**long, **model_values(invoice.detail)}))
    for item in invoice.lines:
        out.extend(_line_records(invoice, item, long, short))
    out.append(line(b2.RECORD_5, {**long, "line_count": invoice.line_records, "fees": invoice.fees,
                                  "amo": invoice.amo, "amc": invoice.amc}))
    return out


def _line_records(invoice: Invoice, item: Line, long: dict[str, object], short: dict[str, object]) -> list[str]:
    if len(item.ccam) > MAX_CCAM:
        raise ValidationError(f"Facture {invoice.number} : {MAX_CCAM} séances CCAM au plus par ligne, "
                              f"{len(item.ccam)} données.", code="b2_invoice", field="ccam")
    out = [line(b2.RECORD_4, {**long, **model_values(item.act)})]
    if item.detail is not None:
        out.append(line(b2.RECORD_4S, {**short, "sequence": 1, **model_values(item.detail)}))
    if item.rpps is not None:
        out.append(line(b2.RECORD_4E, {**short, "sequence": 1, **model_values(item.rpps)}))
    out.extend(line(b2.RECORD_4M, {**short, "sequence": n, **model_values(act)})
               for n, act in enumerate(item.ccam, start=1))
    return out


def signed_data(invoice: Invoice) -> bytes:
    """What a card signs for record 7 (content ``B``): the invoice's records 2 to 5 as written, in ASCII."""
    return "".join(invoice_records(invoice)).encode("ascii")


def message(records: bytes, content_digest: bytes | None) -> bytes:
    """What a card signed, from the invoice's records 2 to 5 (:func:`signed_data`): those alone (content ``B``),
    or those, a line feed and the digest in lower-case hexadecimal (content ``D``, 64 characters)."""
    if content_digest is None:
        return records
    return records + b"\n" + content_digest.hex().encode("ascii")


def signed_message(invoice: Invoice, signature: InvoiceSignature) -> bytes:
    """What ``signature`` signed of ``invoice`` (its content ``B`` or ``D``)."""
    return message(signed_data(invoice), signature.content_digest)


def b32(data: bytes) -> str:
    """Base32 (RFC 4648) without the final ``=``: its characters belong to the records' alphabet."""
    return base64.b32encode(data).decode("ascii").rstrip("=")


def signature_records(invoice: Invoice, signature: InvoiceSignature) -> list[str]:
    """Record 7: a descriptor (sequence 000), then (content ``D``) the content digest in base32 in the first data
    record, then the value in base32 across data records of 86 characters."""
    digest = signature.content_digest
    if (signature.algorithm not in SIGNATURE_ALGORITHMS.values() or not signature.value
            or (digest is not None and len(digest) != b2.DIGEST_LENGTH)):
        raise ValidationError(f"Facture {invoice.number} : signature {signature.signer.value} sans algorithme "
                              "connu, sans valeur ou d'empreinte de contenu mal formée.", code="b2_signature",
                              field="algorithm")
    text = b32(signature.value)
    chunks = [text[i:i + b2.SIGNATURE_CHUNK] for i in range(0, len(text), b2.SIGNATURE_CHUNK)]
    if digest is not None:
        chunks.insert(0, b32(digest))
    common = {**_prefix(invoice), "signer": signature.signer.value}
    head = line(b2.SIGNATURE_HEAD, {**common, "data_records": len(chunks), "algorithm": signature.algorithm,
                                    "signature_length": len(signature.value), "content": signature.content,
                                    "key_fingerprint": signature.key_fingerprint})
    return [head, *(line(b2.SIGNATURE_DATA, {**common, "sequence": n, "data": chunk})
                    for n, chunk in enumerate(chunks, start=1))]


def lot_records(lot: Lot) -> Iterator[str]:
    """Records 1, every invoice with its signatures, then 6 with the lot's counts and totals."""
    yield line(b2.LOT_HEADER, model_values(lot.header))
    for invoice in lot.invoices:
        yield from invoice_records(invoice)
        for signature in invoice.signatures:
            yield from signature_records(invoice, signature)
    invoices = lot.invoices
    yield line(b2.LOT_TRAILER, {
        **model_values(lot.closing), "partner_number": lot.header.partner_number, "lot_number": lot.header.lot_number,
        "invoice_count": len(invoices), "line_count": sum(len(i.lines) for i in invoices),
        "record_2_count": sum(1 + (i.detail is not None) for i in invoices), "record_5_count": len(invoices),
        "total_fees": sum((i.fees for i in invoices), ZERO), "total_amo": sum((i.amo for i in invoices), ZERO),
        "total_amc": sum((i.amc for i in invoices), ZERO)})


def b2_records(file: B2File) -> list[str]:
    """Every record of the file, 000 first and 999 last, each of 128 characters."""
    header = model_values(file.header)
    records = [line(b2.FILE_HEADER, header)]
    for lot in file.lots:
        records.extend(lot_records(lot))
    parties = {name: header[name] for name in ("sender_type", "sender_number", "recipient_type",
                                                "recipient_number", "file_id")}
    records.append(line(b2.FILE_TRAILER, {**parties, "record_count": len(records) + 1, "lot_count": len(file.lots)}))
    return records


def write_b2(file: B2File, *, separator: str = "") -> str:
    """The B2 file: records with no separator (the norm), or joined by ``separator`` (``"\\r\\n"``) for reading."""
    return separator.join(b2_records(file))

"""The FSE as transmitted: a secured invoice as the B2 model (``feuille.formats.b2_file.Invoice``), and what its
cards sign (docs/formats-b2.md, « Ce que signent les cartes »).

* :func:`invoice_of` maps an invoice row to records 2, 2S, 4, 4M and 5 reading only what is frozen in the row at
  signing: its columns (billing number, insured NIR and rank, number, mode, nature), its stored ``document`` (the
  acts as typed, ``record_rights`` with the beneficiary's AMO and birth date, :class:`~feuille.billing.stored.
  Beneficiary`) and its ``priced`` lines. The same row gives the same records at signing and years later.
* What a card signs (format ``feuille-facture/3``): ``M = records 2-5 + "\\n" + SHA-256 hex of feuille's canonical
  JSON of the invoice`` (:func:`card_message`). A card signs M once; record 7 carries the digest (content ``D``),
  so the caisse verifies M without knowing feuille's JSON. The professional card's signature row stores M, a line
  feed and the JSON (:func:`stored_form`, read back by :func:`split`), so the verification names the field that
  changed; the Vitale card's row stores M alone (:func:`signed_parts` reads either).
* :func:`b2_invoice` / :func:`b2_invoices`: the models of secured invoices with their record-7 signatures, the
  records parsed back from the signed M (so the file carries exactly the signed bytes), in a few statements.

A B2 field with no source in the invoice is left at its empty value; each one is named below where it is left.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from feuille.billing import amc_part
from feuille.billing.document import read_stored
from feuille.billing.sealing import FSE_FORMAT
from feuille.billing.stored import Beneficiary, PricedLine, StoredPriced, read_priced
from feuille.cards.port import CardKind
from feuille.domain.identifiers import compact
from feuille.domain.invoices import NEEDS_VITALE, SecureMode
from feuille.errors import NotFoundError
from feuille.formats import b2_file as m
from feuille.formats.b2_reader import read_invoice
from feuille.storage.models import Invoice, InvoiceSignature

SIGNED_FORMAT = FSE_FORMAT
#: DOMAIN.md « Codes », nature d'assurance (SMG has no sourced code: left empty).
NATURE_CODES = {"maladie": "10", "maternite": "30", "at": "41", "prevention": "90"}
ALSACE_MOSELLE = "13"                # DOMAIN.md: maladie, régime local Alsace-Moselle
#: DOMAIN.md B2 record 2, column 58 (pièce justificative): 0 none, 2 rights certificate, 4 carte Vitale. The card
#: and the app are both the Vitale card here (feuille's own: no public code for the app).
PROOF_VITALE = "4"
PROOF_CODES = {"aucune": "0", "attestation": "2", "carte_vitale": "4"}
#: feuille's own (docs/formats-b2.md): the act code of record 4 for a CCAM act, whose code is in 4M.
CCAM_ACT_CODE = "CCAM"
CCAM_CODE = re.compile(r"[A-Z]{4}\d{3}")
#: feuille's own: the treating-doctor declaration of record 2S, column 71 (the document's ``mt_declaration``).
DOCTOR_DECLARED = {"oui": "O", "non": "N"}
SIGNERS = {CardKind.CPS.value: m.Signer.CPS, CardKind.CPE.value: m.Signer.CPE, CardKind.VITALE.value: m.Signer.VITALE,
           CardKind.APCV.value: m.Signer.VITALE}
CENT = Decimal("0.01")
#: FORMATS.md §1, lot header column 81: the certification of a lot of invoices secured in each mode (one mode
#: per lot: its signatures are those the caisse asks for that certification).
CERTIFICATIONS = {SecureMode.SYNCHRONISE.value: "S", SecureMode.DESYNCHRONISE.value: "S",
                  SecureMode.SANS_VITALE.value: "F", SecureMode.DEGRADE.value: "D"}
#: How many invoices one statement reads in :func:`b2_invoices`.
CHUNK = 1000


class InvoiceRow(Protocol):
    """The invoice columns the mapping reads (an ORM ``Invoice`` or a row of its table)."""

    billing_number: str
    patient_nir: str | None
    patient_rank: int | None
    number: int | None
    invoice_date: date
    nature: str
    document: str
    priced: str
    secure_mode: str | None
    performer_id: int | None


# --- the mapping --------------------------------------------------------------------------------------------------

def invoice_of(row: InvoiceRow, *, number: int | None = None, secure_mode: str | None = None) -> m.Invoice:
    """Records 2 to 5 of the invoice (no signature); ``number`` and ``secure_mode``: those the signing being
    prepared will write (the row keeps its own until the commit)."""
    document = read_stored(row.document)
    content = document.content
    priced = read_priced(row.priced)
    rights = document.record_rights
    beneficiary = rights.beneficiary if rights is not None else None
    nir = compact(row.patient_nir or "")
    rank = row.patient_rank or 1
    mode = secure_mode if secure_mode is not None else row.secure_mode
    header = m.InvoiceHeader(
        regime=_zeros(_digits((beneficiary.amo_regime if beneficiary else None), 2), 2),
        caisse=_zeros(_digits((beneficiary.amo_caisse if beneficiary else None), 3), 3),
        centre=_zeros(_digits((beneficiary.amo_centre if beneficiary else None), 4), 4),
        insurance_nature=_zeros(_nature(row.nature, content, rights.coverage.fields() if rights else {}), 2),
        proof=_proof(mode, beneficiary),
        exoneration=_exoneration(priced),
        # accident (86): the AT number or accident date is not kept in a form the record takes: left empty.
        # amc_separate (95), dre (40), PEC, convention: from the complementary part frozen at the draft (below).
        birth_date=_birth_date(beneficiary),
        birth_rank=_digits(str(rank), 1) or "1",
        contract_type=_contract_type(priced, rights.complementary.contract_type if rights and rights.complementary
                                     else None),
        amc_number=_digits(rights.complementary.organism if rights and rights.complementary else None, 10))
    performer = _performer(row, content)
    prescriber = _prescriber(content)
    lines = tuple(_line(line, act, row.invoice_date, performer, prescriber) for line, act in _matched(priced, content))
    complementary = amc_part.record_2_fields(content, sum((line.act.amc for line in lines), m.ZERO))
    if complementary:   # gestion unique in the FSE, or gestion séparée (with its DRE): docs/dre.md
        header = replace(header, **complementary)
    return m.Invoice(row.billing_number, nir[:13], _zeros(_digits(nir[13:15], 2), 2), rank,
                     number if number is not None else row.number or 0, header, lines,
                     _detail(content, beneficiary, nir))


def _digits(value: str | None, width: int) -> str:
    """A numeric code of exactly ``width`` digits, or empty (what the record leaves at zeros)."""
    text = compact(value or "")
    return text if len(text) == width and text.isdigit() and set(text) != {"0"} else ""


def _zeros(code: str, width: int) -> str:
    """A required numeric code: unknown is zeros, as the record writes it and the reader gives it back."""
    return code or "0" * width


def _nature(nature: str, content: Mapping[str, Any], record: Mapping[str, Any]) -> str:
    code = NATURE_CODES.get(nature, "")
    coverage = content.get("coverage")
    local = coverage.get("regime_local") if isinstance(coverage, Mapping) and "regime_local" in coverage \
        else record.get("regime_local")
    return ALSACE_MOSELLE if code == "10" and local is True else code


def _proof(mode: str | None, beneficiary: Beneficiary | None) -> str:
    if mode in NEEDS_VITALE:
        return PROOF_VITALE
    # Without the card, the record's proof when DOMAIN.md gives its code; else 0 (none).
    proof = PROOF_CODES.get(beneficiary.amo_proof or "", "0") if beneficiary else "0"
    return "0" if proof == PROOF_VITALE else proof  # a card on the record but not read now proves nothing


def _exoneration(priced: StoredPriced) -> str:
    """The invoice's exoneration: its lines' when they all share one, else 0 (each line keeps its own)."""
    found = {line.exoneration or "0" for line in priced.lines}
    only = found.pop() if len(found) == 1 else "0"
    return only if len(only) == 1 else "0"


def _birth_date(beneficiary: Beneficiary | None) -> date | None:
    """AAAAMMJJ of the record; a lunar date (day or month 00) is no date: the record keeps zeros."""
    text = beneficiary.birth_date if beneficiary else ""
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def _contract_type(priced: StoredPriced, complementary: str | None) -> str:
    return _digits(complementary, 2) or _digits(priced.amc_contract_type, 2)


def _detail(content: Mapping[str, Any], beneficiary: Beneficiary | None, insured: str) -> m.InvoiceDetail | None:
    """Record 2S, when the invoice has something for it: the beneficiary's own NIR, the treating-doctor
    declaration, the parcours de soins. The treating doctor's name and number are not in the invoice: left empty."""
    own = compact(beneficiary.beneficiary_nir or "") if beneficiary else ""
    own = own if len(own) == 15 and own != insured else ""
    coverage = content.get("coverage")
    ips = str(coverage.get("parcours") or "").upper() if isinstance(coverage, Mapping) else ""
    declared = DOCTOR_DECLARED.get(str(content.get("mt_declaration") or ""), "")
    if not (own or ips or declared):
        return None
    return m.InvoiceDetail(certified_nir=own[:13], certified_nir_key=_digits(own[13:15], 2),
                           doctor_declared=declared, ips=ips if len(ips) == 1 else "")


def _performer(row: InvoiceRow, content: Mapping[str, Any]) -> str:
    """The performer's billing number: the billing professional's, or the one the document names (a remplaçant);
    a performer named by his id only is not in the invoice: left empty."""
    if row.performer_id is None:
        return _digits(row.billing_number, 9)
    named = content.get("performer")
    if isinstance(named, Mapping):
        named = named.get("billing_number")
    return _digits(named if isinstance(named, str) else None, 9)


def _prescriber(content: Mapping[str, Any]) -> tuple[str, str]:
    """(billing number, RPPS) of the prescriber as the document froze them (an invoice stored before: none)."""
    prescription = content.get("prescription")
    if not isinstance(prescription, Mapping):
        return "", ""
    number, rpps = (str(prescription.get(key) or "") for key in ("prescriber_number", "prescriber_rpps"))
    if len(compact(number)) == 11:   # a prescriber known by his RPPS only
        number, rpps = "", rpps or number
    return _digits(number, 9), _digits(rpps, 11)


def _acts(content: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    acts = content.get("acts")
    return [a for a in acts if isinstance(a, Mapping)] if isinstance(acts, list) else []


def _matched(priced: StoredPriced, content: Mapping[str, Any]) -> Iterable[tuple[PricedLine, Mapping[str, Any]]]:
    """Each priced line with the act it came from: the next act of the same code in input order (identical acts
    grouped in one line: the first of them); a line no act gave (a supplement) gets none."""
    acts = _acts(content)
    used: set[int] = set()
    for line in priced.lines:
        found = next((i for i, act in enumerate(acts) if i not in used
                      and str(act.get("code", "")).upper() == line.code.upper()), None)
        if found is not None:
            used.add(found)
        yield line, acts[found] if found is not None else {}


def _decimal(value: object, default: Decimal) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None and not isinstance(value, bool) else default
    except InvalidOperation:
        return default


def _line(line: PricedLine, act: Mapping[str, Any], invoice_date: date, performer: str,
          prescriber: tuple[str, str]) -> m.Line:
    care = line.date or invoice_date
    quantity = line.quantity or 1
    coefficient = _decimal(act.get("coefficient"), Decimal(1)).quantize(CENT, ROUND_HALF_UP)
    typed = act.get("unit_price")
    # The unit price typed on the act, else the base per unit (the tariff the engine used).
    units = coefficient * quantity
    unit = (_decimal(typed, Decimal(0)) if typed is not None
            else (line.base / units if units else line.base)).quantize(CENT, ROUND_HALF_UP)
    code = line.code.upper()
    ccam = CCAM_CODE.fullmatch(code) is not None
    qualifier = str(act.get("qualifier") or "").upper()
    record = m.Act(
        care_date=care, act_code=CCAM_ACT_CODE if ccam else code, quantity=quantity, coefficient=coefficient,
        unit_price=unit, base=line.base, rate=line.rate, amo=line.amo, fees=line.total, amc=line.amc,
        exoneration=(line.exoneration or "0")[:1], performer_number=performer, prescriber_number=prescriber[0],
        qualifier=qualifier if len(qualifier) == 1 else "")
    # 4E: the prescriber's RPPS when known (the performer's is not kept in the invoice); the performer's
    # specialty and the prior agreement 4S are not kept in the invoice either: left empty.
    rpps = m.ActRpps(prescriber_rpps=prescriber[1]) if prescriber[1] else None
    return m.Line(record, rpps=rpps, ccam=(_ccam(code, act, care),) if ccam else ())


def _ccam(code: str, act: Mapping[str, Any], care: date) -> m.CcamAct:
    modifiers = [str(x).upper() for x in act.get("modifiers") or () if isinstance(x, str) and len(x) == 1][:4]
    modifiers += [""] * (4 - len(modifiers))
    association = str(act.get("association") or "")
    return m.CcamAct(ccam_code=code, session_date=care, activity=_one_digit(act.get("activity"), "1"),
                     phase=_one_digit(act.get("phase"), "0"), modifier_1=modifiers[0], modifier_2=modifiers[1],
                     modifier_3=modifiers[2], modifier_4=modifiers[3],
                     association=association if len(association) == 1 and association.isdigit()
                     and association != "0" else "")


def _one_digit(value: object, default: str) -> str:
    text = str(value) if value is not None else default
    return text if len(text) == 1 and text.isdigit() else default


# --- what a card signs ------------------------------------------------------------------------------------------

def content_digest(content: bytes) -> bytes:
    return hashlib.sha256(content).digest()


def card_message(invoice: m.Invoice, content: bytes) -> bytes:
    """M: the invoice's records 2 to 5, a line feed, the SHA-256 of feuille's canonical JSON in hexadecimal."""
    return m.message(m.signed_data(invoice), content_digest(content))


def stored_form(message: bytes, content: bytes) -> bytes:
    """What a signature row keeps: M, a line feed, the JSON whose digest M carries."""
    return message + b"\n" + content


def split_message(message: bytes) -> tuple[bytes, bytes] | None:
    """M's records and digest; None for what is not an M (a ``/2`` preparation: the JSON alone)."""
    records, _, digest = message.partition(b"\n")
    if records[:1] != b"2" or len(digest) != 64:
        return None
    try:
        return records, bytes.fromhex(digest.decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass(frozen=True)
class Signed:
    """A stored ``/3`` signed form, split: M (records, digest) and the JSON."""

    records: bytes
    digest: bytes
    content: bytes

    @property
    def message(self) -> bytes:
        return m.message(self.records, self.digest)


def split(stored: bytes) -> Signed | None:
    """The parts of a stored ``/3`` form; None for anything else (a ``/2`` signature: the JSON alone)."""
    message, _, content = stored.rpartition(b"\n") if stored.count(b"\n") >= 2 else (b"", b"", b"")
    found = split_message(message)
    # Canonical JSON has sorted keys: "format" comes first; the verification parses the whole content.
    head = len(_CONTENT_HEAD)
    if found is None or not content.startswith(_CONTENT_HEAD) or content[head:head + 1] not in (b",", b"}"):
        return None
    return Signed(found[0], found[1], content)


_CONTENT_HEAD = b'{"format":' + json.dumps(SIGNED_FORMAT).encode("ascii")


def signed_parts(stored: bytes | None) -> tuple[bytes, bytes] | None:
    """Records and digest of what a ``/3`` signature row keeps: M and the JSON (the professional card's row), or
    M alone (the Vitale card's row, whose JSON is its sibling's); None for a ``/2`` row."""
    if stored is None:
        return None
    found = split(stored)
    return (found.records, found.digest) if found is not None else split_message(stored)


# --- secured invoices as B2 models ----------------------------------------------------------------------------------

def b2_invoice(session: Session, invoice_id: int) -> m.Invoice:
    """The invoice's B2 model with its record-7 signatures (:func:`b2_invoices`)."""
    found = b2_invoices(session, [invoice_id])
    if invoice_id not in found:
        raise NotFoundError(f"Facture n° {invoice_id} introuvable.", code="invoice_not_found", field="id")
    return found[invoice_id]


def b2_invoices(session: Session, invoice_ids: Sequence[int]) -> dict[int, m.Invoice]:
    """The B2 models of many invoices, two statements per thousand: their records as the cards signed them (parsed
    back from the stored M), else mapped now (an invoice not signed in format ``/3``: a third statement reads
    those rows), with one record 7 per ``/3`` signature in signing order (a ``/2`` signature covers feuille's JSON
    alone: no record 7 carries it)."""
    out: dict[int, m.Invoice] = {}
    ids = list(dict.fromkeys(invoice_ids))
    table, signatures = Invoice.__table__, InvoiceSignature.__table__
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        dates = {row.id: row.invoice_date
                 for row in session.execute(select(table.c.id, table.c.invoice_date).where(table.c.id.in_(chunk)))}
        signed: dict[int, list[Any]] = {}
        for sig in session.execute(select(signatures).where(signatures.c.invoice_id.in_(chunk))
                                   .order_by(signatures.c.invoice_id, signatures.c.id)):
            signed.setdefault(sig.invoice_id, []).append(sig)
        found = {invoice_id: _signed_invoice(dates[invoice_id], signed.get(invoice_id, []))
                 for invoice_id in chunk if invoice_id in dates}
        unsigned = [invoice_id for invoice_id, (invoice, _) in found.items() if invoice is None]
        rows = ({row.id: row for row in session.execute(select(table).where(table.c.id.in_(unsigned)))}
                if unsigned else {})   # a third statement only for invoices without /3 records to read back
        for invoice_id, (invoice, records_7) in found.items():
            out[invoice_id] = replace(invoice or invoice_of(rows[invoice_id]), signatures=records_7)
    return out


def _signed_invoice(day: date, rows: list[Any]) -> tuple[m.Invoice | None, tuple[m.InvoiceSignature, ...]]:
    """The invoice read back from the records its cards signed (None: none signed M), and its records 7."""
    records: bytes | None = None
    found: list[m.InvoiceSignature] = []
    for sig in rows:
        parts = signed_parts(sig.signed_data)
        if parts is None:
            continue
        records = records or parts[0]
        found.append(m.InvoiceSignature(SIGNERS.get(sig.card_kind, m.Signer.CPS),
                                        m.SIGNATURE_ALGORITHMS.get(sig.algorithm, sig.algorithm),
                                        m.key_fingerprint(sig.public_key), sig.value, parts[1]))
    return (_read_records(records, day) if records is not None else None), tuple(found)


def _read_records(records: bytes, pivot: date) -> m.Invoice | None:
    invoice, problems = read_invoice(records, pivot)
    return invoice if not problems else None

"""The B2 invoice file as layout tables: one :class:`~feuille.formats.fixed_width.Layout` per record.

Sources, field by field (1-based columns, as the specifications number them):

* **FIDES** — the public FIDES specification of norme B2 (GIE SESAM-Vitale), as DOMAIN.md "B2 invoice file"
  collects it: the invoice records 2, 2S, 4, 4S, 4E, 4M, 5.
* **FORMATS** — FORMATS.md §1, from public open-source B2 code: the envelope 000, 1, 6, 999.
* **feuille's own** — what no public source gives (FORMATS.md, DOMAIN.md): the signature record ``7``
  (docs/formats-b2.md), which record counts a lot trailer means, the act code of a CCAM line.

A licensed deployment corrects a position here, in one place: the writer and the reader both use these tables.
Record 2 exists in two forms (FORMATS.md §1): the establishment ``CP`` form puts the invoice number at 30-38
(DOMAIN.md's common prefix, the one feuille writes and reads), the generic form at 27-35; both are tables here.
"""

from __future__ import annotations

from enum import StrEnum

from feuille.formats.fixed_width import Field, Kind, Layout

N, A, D, M = Kind.NUMERIC, Kind.ALPHA, Kind.DATE, Kind.AMOUNT
RECORD_LENGTH = 128


def _prefix(kind: str) -> tuple[Field, ...]:
    """Common prefix of types 2, 2S, 4, 5 (FIDES): type, partner, NIR + key, rank, invoice number (CP form)."""
    return (Field("type", 1, 1, N, constant=kind), Field("billing_number", 2, 9, N),
            Field("insured_nir", 12, 13, A), Field("nir_key", 25, 2, N), Field("rank", 27, 3, N),
            Field("invoice_number", 30, 9, N))


def _short_prefix(kind: str, subtype: str) -> tuple[Field, ...]:
    """Short prefix of 4S, 4E, 4M (FIDES): the same to column 26, then invoice number, subtype, sequence."""
    return (Field("type", 1, 1, N, constant=kind), Field("billing_number", 2, 9, N),
            Field("insured_nir", 12, 13, A), Field("nir_key", 25, 2, N), Field("invoice_number", 27, 9, N),
            Field("subtype", 36, 1, A, constant=subtype), Field("sequence", 37, 2, N))


def _envelope_parties() -> tuple[Field, ...]:
    """Columns 4-41 of 000 and 999 (FORMATS): sender type and number, recipient type and number."""
    return (Field("sender_type", 4, 2, A), Field("sender_number", 6, 14, N),
            Field("recipient_type", 26, 2, A), Field("recipient_number", 28, 14, N))


FILE_HEADER = Layout("000", RECORD_LENGTH, (
    Field("type", 1, 3, N, constant="000"), *_envelope_parties(),
    Field("reception_date", 42, 6, A),          # FORMATS: left blank, the insurer fills it
    Field("application", 48, 2, A, constant="TR"),
    Field("file_id", 50, 6, N),                 # FORMATS: unique per sender
    Field("created", 56, 6, D),
    Field("norme", 62, 4, A),                   # FORMATS: e.g. "CP  "
    Field("file_kind", 66, 2, A, constant="B2"),
    Field("record_length", 83, 3, N, constant="128"),
    Field("message", 92, 37, A),                # FORMATS: free message
))

LOT_HEADER = Layout("1", RECORD_LENGTH, (
    Field("type", 1, 1, N, constant="1"),
    Field("partner_number", 2, 9, N),           # FORMATS: partner number + key
    Field("organism", 17, 3, N),                # FORMATS: recipient caisse
    Field("lot_number", 20, 3, A),              # FORMATS: previous + 1 per recipient (AMC lots use letters)
    Field("category", 23, 3, N),
    Field("legal_status", 26, 2, N),
    Field("tariff_mode", 28, 2, N),
    Field("partner_name", 30, 40, A),
    Field("file_kind", 70, 2, A, constant="B2"),
    Field("lot_date", 72, 6, D),
    Field("norme_code", 79, 2, A),
    Field("certification", 81, 1, A),          # FORMATS: blank unsecured, S SESAM-Vitale, F sans Vitale, D degraded
    Field("norme_version", 82, 6, A),
    Field("currency", 88, 1, A, constant="U"),  # FORMATS: U euro
))

INVOICE_NUMBER_FORMS = {
    "CP": Field("invoice_number", 30, 9, N),       # FORMATS / FIDES: establishment form, DOMAIN.md's prefix
    "generic": Field("invoice_number", 27, 9, N),  # FORMATS: generic form (no rank on the record)
}


def _record_2_body() -> tuple[Field, ...]:
    return (
        Field("operation", 39, 1, N, constant="1"),    # FIDES: nature d'opération
        Field("dre", 40, 1, A),                        # feuille's own (docs/dre.md): D when a DRE goes to the AMC
        Field("top_m", 41, 1, A),                      # feuille's own (docs/dre.md): M asks the AMO to forward
        Field("regime", 49, 2, N), Field("caisse", 51, 3, N), Field("centre", 54, 4, N),   # FIDES
        Field("proof", 58, 1, N),                      # FIDES: pièce justificative (0, 1, 2, 4 carte Vitale, …)
        Field("pec_number", 59, 18, A),                # feuille's own: the AMC's prise en charge number
        Field("insurance_nature", 77, 2, N),           # FIDES: 10, 13, 30, 41, 90
        Field("exoneration", 79, 1, A),                # FIDES: invoice-level exoneration (0-9, C, X)
        Field("pec_date", 80, 6, A),                   # feuille's own: its date AAMMJJ (A: blank when none)
        Field("accident", 86, 9, N),                   # FIDES: AT number or accident date 000AAMMJJ
        Field("amc_separate", 95, 1, A),               # FIDES: F when the AMC is billed separately
        Field("birth_date", 96, 6, D),                 # FIDES
        Field("birth_rank", 102, 1, N),                # FIDES
        Field("convention_type", 103, 5, A),           # feuille's own: the AMC convention's type
        Field("secondary_criterion", 108, 9, A),       # feuille's own: and its secondary criterion
        Field("contract_type", 117, 2, N),             # FIDES: 89 = C2S
        Field("amc_number", 119, 10, N),               # FIDES
    )


RECORD_2 = Layout("2", RECORD_LENGTH, (*_prefix("2"), *_record_2_body()))
RECORD_2_GENERIC = Layout("2", RECORD_LENGTH, (
    *_prefix("2")[:4], INVOICE_NUMBER_FORMS["generic"], *_record_2_body()))

RECORD_2S = Layout("2S", RECORD_LENGTH, (
    *_prefix("2"),
    Field("subtype", 39, 1, A, constant="S"), Field("sequence", 40, 2, N, constant="01"),   # FIDES
    Field("certified_nir", 50, 13, A), Field("certified_nir_key", 63, 2, N),                # FIDES
    Field("doctor_declared", 71, 1, A),                # FIDES: treating doctor declared
    Field("doctor_name", 72, 25, A), Field("doctor_first_name", 97, 15, A),                 # FIDES
    Field("doctor_number", 112, 9, N),                 # FIDES: his billing number
    Field("ips", 121, 1, A),                           # FIDES: parcours de soins
))

RECORD_4 = Layout("4", RECORD_LENGTH, (
    *_prefix("4"),
    Field("prescriber_number", 44, 9, N),              # FIDES: prescriber number + key
    Field("exoneration", 54, 1, A),                    # FIDES: line exoneration
    Field("performer_number", 57, 9, N), Field("performer_specialty", 68, 2, N),            # FIDES
    Field("care_date", 70, 6, D),                      # FIDES
    Field("act_code", 76, 5, A),                       # FIDES (feuille's own for a CCAM act: see 4M)
    Field("quantity", 81, 2, N),                       # FIDES
    Field("coefficient", 83, 6, M),                    # FIDES: 4+2, written like an amount
    Field("count", 89, 2, N),                          # FIDES: dénombrement
    Field("unit_price", 91, 7, M), Field("base", 98, 7, M),                                 # FIDES
    Field("rate", 105, 3, N),                          # FIDES: percent
    Field("amo", 108, 7, M), Field("fees", 115, 7, M),                                      # FIDES [04108] [04115]
    Field("qualifier", 122, 1, A),                     # FIDES: qualificatif de dépense
    Field("amc", 123, 6, M),                           # FIDES [04123]: 4+2
))

RECORD_4S = Layout("4S", RECORD_LENGTH, (
    *_short_prefix("4", "S"),
    Field("request_date", 49, 6, D),                   # FIDES: prior-approval request date
    Field("agreement", 55, 1, A),                      # FIDES: entente préalable code
    Field("activity_domain", 124, 1, A),               # FIDES
))

RECORD_4E = Layout("4E", RECORD_LENGTH, (
    *_short_prefix("4", "E"),
    Field("prescriber_rpps", 39, 11, N), Field("performer_rpps", 64, 11, N),               # FIDES
))

RECORD_4M = Layout("4M", RECORD_LENGTH, (
    *_short_prefix("4", "M"),
    Field("ccam_code", 43, 13, A),                     # FIDES: 7 characters padded to 13
    Field("extension", 56, 1, A), Field("activity", 57, 1, N), Field("phase", 58, 1, N),   # FIDES
    Field("modifier_1", 59, 1, A), Field("modifier_2", 60, 1, A),                           # FIDES
    Field("modifier_3", 61, 1, A), Field("modifier_4", 62, 1, A),                           # FIDES
    Field("association", 63, 1, N),                    # FIDES: association code
    Field("conditional", 64, 1, A),                    # FIDES: remboursement sous condition
    Field("session_date", 65, 6, D),                   # FIDES
    Field("teeth", 71, 32, A),                         # FIDES: 16 × 2
))

RECORD_5 = Layout("5", RECORD_LENGTH, (
    *_prefix("5"),
    Field("line_count", 39, 3, N),                     # FIDES: line records, subtypes included
    Field("fees", 58, 8, M), Field("amo", 66, 8, M), Field("amc", 90, 8, M),                # FIDES
))

#: feuille's own (docs/formats-b2.md): the descriptor (sequence 000) and data records of one signature.
SIGNATURE_HEAD = Layout("7", RECORD_LENGTH, (
    Field("type", 1, 1, N, constant="7"), Field("billing_number", 2, 9, N), Field("insured_nir", 12, 13, A),
    Field("nir_key", 25, 2, N), Field("invoice_number", 27, 9, N),
    Field("signer", 36, 1, A),                         # C CPS, E CPE, V Vitale card or app
    Field("sequence", 37, 3, N, constant="000"),
    Field("data_records", 40, 3, N),                   # how many data records follow
    Field("algorithm", 43, 5, A),                      # ES256 or RS256 (RFC 7518 names)
    Field("signature_length", 48, 4, N),               # bytes of the signature value
    Field("content", 52, 1, A),                        # B: records 2 to 5; D: those, then a content digest
    Field("key_fingerprint", 53, 64, A),               # SHA-256 of the DER public key, upper-case hex
))
SIGNATURE_DATA = Layout("7", RECORD_LENGTH, (
    Field("type", 1, 1, N, constant="7"), Field("billing_number", 2, 9, N), Field("insured_nir", 12, 13, A),
    Field("nir_key", 25, 2, N), Field("invoice_number", 27, 9, N), Field("signer", 36, 1, A),
    Field("sequence", 37, 3, N),                       # 001, 002, …
    Field("data", 43, 86, A),                          # base32 (RFC 4648) without padding, left-aligned
))
SIGNATURE_CHUNK = 86
#: What a card signed (SIGNATURE_HEAD column 52): ``B`` the invoice's records 2 to 5 as written; ``D`` those, a
#: line feed and the 64 hexadecimal digits of a 32-byte content digest the first data record carries (base32).
SIGNED_CONTENTS = ("B", "D")
DIGEST_LENGTH = 32

LOT_TRAILER = Layout("6", RECORD_LENGTH, (
    Field("type", 1, 1, N, constant="6"),
    Field("partner_number", 2, 9, N),                  # FORMATS
    Field("invoice_count", 11, 3, N),                  # FORMATS: invoices (type-5 records)
    Field("line_count", 14, 4, N),                     # FORMATS "act lines": feuille counts type-4 records
    Field("record_2_count", 18, 4, N),                 # FORMATS "type-2 records": feuille counts 2 and 2S
    Field("record_5_count", 22, 3, N),                 # FORMATS
    Field("total_fees", 25, 9, M), Field("total_amo", 34, 9, M), Field("total_amc", 43, 9, M),   # FORMATS
    Field("lot_number", 52, 3, A),                     # FORMATS
    Field("marking", 55, 1, A),                        # FORMATS: R real, T test, D demo
    Field("sesam", 56, 1, A),                          # FORMATS: blank outside SESAM, F SESAM
    Field("software_approval", 61, 12, A), Field("reader_approval", 73, 12, A),             # FORMATS
    Field("substitute_number", 88, 9, N),              # FORMATS: substitute professional
    Field("certification_zone", 97, 32, A),            # FORMATS
))

FILE_TRAILER = Layout("999", RECORD_LENGTH, (
    Field("type", 1, 3, N, constant="999"), *_envelope_parties(),
    Field("application", 48, 2, A, constant="TR"),
    Field("file_id", 50, 6, N),
    Field("record_count", 56, 8, N),                   # FORMATS: including 000 and 999
    Field("lot_count", 83, 3, N),                      # FORMATS
))


class RecordKind(StrEnum):
    FILE_HEADER = "000"
    LOT_HEADER = "1"
    INVOICE = "2"
    INVOICE_DETAIL = "2S"
    LINE = "4"
    LINE_DETAIL = "4S"
    LINE_RPPS = "4E"
    LINE_CCAM = "4M"
    INVOICE_TRAILER = "5"
    LOT_TRAILER = "6"
    SIGNATURE = "7"
    FILE_TRAILER = "999"


LAYOUTS: dict[RecordKind, Layout] = {
    RecordKind.FILE_HEADER: FILE_HEADER, RecordKind.LOT_HEADER: LOT_HEADER, RecordKind.INVOICE: RECORD_2,
    RecordKind.INVOICE_DETAIL: RECORD_2S, RecordKind.LINE: RECORD_4, RecordKind.LINE_DETAIL: RECORD_4S,
    RecordKind.LINE_RPPS: RECORD_4E, RecordKind.LINE_CCAM: RECORD_4M, RecordKind.INVOICE_TRAILER: RECORD_5,
    RecordKind.LOT_TRAILER: LOT_TRAILER, RecordKind.FILE_TRAILER: FILE_TRAILER,
}


def record_kind(line: str) -> RecordKind | None:
    """Which record a 128-character line is, from its type and subtype columns; None when unknown."""
    if line[:3] in ("000", "999"):
        return RecordKind(line[:3])
    first = line[:1]
    if first == "2":
        return RecordKind.INVOICE_DETAIL if line[38:39] == "S" else RecordKind.INVOICE
    if first == "4":
        subtype = line[35:36]
        return {"S": RecordKind.LINE_DETAIL, "E": RecordKind.LINE_RPPS,
                "M": RecordKind.LINE_CCAM}.get(subtype, RecordKind.LINE)
    kinds = {"1": RecordKind.LOT_HEADER, "5": RecordKind.INVOICE_TRAILER, "6": RecordKind.LOT_TRAILER,
             "7": RecordKind.SIGNATURE}
    return kinds.get(first)


#: FORMATS §1: recipient type of the 000 header from the grand régime.
RECIPIENT_TYPES = {"01": "CT", "02": "MA", "03": "SR", "04": "CF", "05": "RP", "06": "EN", "07": "RM", "08": "CM",
                   "10": "CE", "12": "CI", "14": "AN", "15": "SE", "16": "PB", "90": "CC",
                   **{str(n): "SM" for n in range(91, 100)}}


def recipient_type(regime: str) -> str | None:
    """The 000 header's recipient type for a grand régime (``"01"`` → ``"CT"``); None when FORMATS.md has none."""
    return RECIPIENT_TYPES.get(regime)


def recipient_number(regime: str, computer_centre: str, caisse: str) -> str:
    """The 000 header's recipient number (FORMATS §1): ``000000`` + régime (2) + computer centre (3) + caisse (3)."""
    return f"000000{regime}{computer_centre}{caisse}"

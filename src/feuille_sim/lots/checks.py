"""The caisse de test's checks of a lot the B2 reader found nothing wrong with.

Each check gives :class:`Problem` s (record number in the file, a problem code of ``formats/data/arl_codes.json``,
French words): the organism addressed, the lot number, the signatures, the NIR keys, the rights on each date of
care, invoice numbers already received, care more than a year old, degraded invoices without their care sheet.

**feuille's own** rules (docs/caisse-de-test.md, « Réception des lots »):

- signatures required by the lot's certification (record 1, column 81): ``S`` (SESAM-Vitale) a CPS (``C``) and a
  Vitale card or app (``V``); ``F`` (SESAM sans Vitale) and ``D`` (degraded) a CPS; blank (unsecured) none. Every
  signature present must come from a known card of its kind and verify over what its record 7 says was signed:
  the invoice's records 2 to 5 as received (content ``B``), or those, a line feed and the content digest the
  record carries in hexadecimal (content ``D``, docs/formats-b2.md); one CPS must be the billing professional's
  (its holder's billing number is the invoice's, or the substitute's of the lot trailer 6, columns 88-96) — another
  PS's CPS may add the first signature of a desynchronised invoice —, the Vitale card or app the insured person's
  (same 13-character NIR).
- a degraded invoice (lot certification ``D``) needs its care sheet as a SCOR piece (``mime.py``) received in the
  same mail or an earlier one, for the same billing number and invoice number.
- care is too old when its date is before the same day one year before the caisse's date.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from feuille.cards.port import ECDSA_P256_SHA256, RSA_PKCS1_SHA256, CardKind, Signature
from feuille.cards.signatures import verify
from feuille.domain.identifiers import validate_nir
from feuille.errors import ValidationError, quoted
from feuille.formats import b2
from feuille.formats import b2_file as m
from feuille_sim.lots import references

REQUIRED_SIGNERS = {"S": (m.Signer.CPS, m.Signer.VITALE), "F": (m.Signer.CPS,), "D": (m.Signer.CPS,), "": ()}
ALGORITHMS = {"ES256": ECDSA_P256_SHA256, "RS256": RSA_PKCS1_SHA256}
SIGNER_NAMES = {m.Signer.CPS: "CPS", m.Signer.CPE: "CPE", m.Signer.VITALE: "carte Vitale"}
SIGNER_KINDS = {m.Signer.CPS: CardKind.CPS, m.Signer.CPE: CardKind.CPE, m.Signer.VITALE: CardKind.VITALE}


@dataclass(frozen=True)
class Problem:
    record: int | None
    code: str
    message: str


@dataclass(frozen=True)
class PlacedInvoice:
    """An invoice and where it is in the file: its record 2's number and its records 2 to 5 as received."""

    invoice: m.Invoice
    record: int
    signed: bytes


@dataclass(frozen=True)
class PlacedLot:
    lot: m.Lot
    record: int                      # its record 1's number
    text: str                        # its records 1 to 6 as received
    invoices: tuple[PlacedInvoice, ...]


def place(file: m.B2File, lines: list[str]) -> list[PlacedLot]:
    """Record numbers and received text of each lot and invoice, counted as the writer lays them out (the file
    read well: its records are in the order the reader checked)."""
    number = 2                       # 000 is record 1
    out = []
    for lot in file.lots:
        start = number
        number += 1
        invoices = []
        for invoice in lot.invoices:
            size = 2 + (invoice.detail is not None) + invoice.line_records
            signed = "".join(lines[number - 1:number - 1 + size]).encode("ascii", errors="replace")
            invoices.append(PlacedInvoice(invoice, number, signed))
            number += size
            while number <= len(lines) and lines[number - 1].startswith("7"):   # its signature records
                number += 1
        number += 1                  # record 6
        out.append(PlacedLot(lot, start, "".join(lines[start - 1:number - 1]), tuple(invoices)))
    return out


def _records(placed: PlacedLot) -> range:
    return range(placed.record, placed.record + len(placed.text) // b2.RECORD_LENGTH)


def problems_of(placed: PlacedLot, lots: list[PlacedLot], found: list[Problem]) -> list[Problem]:
    """The reader's problems in this lot's records, and those of the file as a whole (in no lot's records)."""
    def in_a_lot(record: int | None) -> bool:
        return record is not None and any(record in _records(lot) for lot in lots)

    return [p for p in found if (p.record is not None and p.record in _records(placed)) or not in_a_lot(p.record)]


@dataclass(frozen=True)
class Context:
    """What the checks read: the organism addressed, the caisse's date, the known cards, what was received."""

    regime: str
    caisse: str
    today: date
    cards: dict[str, references.KnownCard]
    expected_lot: str | None
    known_invoices: set[tuple[str, int]]
    scor: set[tuple[str, int]]


def check_envelope(file: m.B2File, regime: str, caisse: str) -> list[Problem]:
    """The file and its lots are addressed to the organism whose mailbox received them."""
    recipient = file.header.recipient_number
    if recipient[6:8] != regime or recipient[11:14] != caisse:
        return [Problem(1, "unknown_organism", f"fichier adressé à l'organisme {recipient[6:8]} {recipient[11:14]}, "
                        f"reçu dans la boîte de l'organisme {regime} {caisse}.")]
    return []


def check_lot(placed: PlacedLot, context: Context) -> list[Problem]:
    lot = placed.lot
    problems = []
    if lot.header.organism != context.caisse:
        problems.append(Problem(placed.record, "unknown_organism", f"lot pour la caisse {lot.header.organism}, "
                                f"reçu par la caisse {context.caisse}."))
    expected = context.expected_lot
    if expected is not None and lot.header.lot_number != expected:
        problems.append(Problem(placed.record, "lot_number_sequence",
                                f"lot n° {quoted(lot.header.lot_number)} reçu, lot n° {expected} attendu "
                                "(le précédent lot accepté + 1)."))
    seen: set[tuple[str, int]] = set()
    for item in placed.invoices:
        key = (item.invoice.billing_number, item.invoice.number)
        if key in context.known_invoices or key in seen:
            problems.append(Problem(item.record, "duplicate_invoice", f"facture n° {item.invoice.number} déjà reçue "
                                    f"pour le professionnel {item.invoice.billing_number}."))
        seen.add(key)
        problems.extend(check_invoice(item, lot.header.certification, lot.closing.substitute_number, context))
    return problems


def check_invoice(item: PlacedInvoice, certification: str, substitute: str, context: Context) -> Iterator[Problem]:
    invoice, record = item.invoice, item.record
    where = f"facture n° {invoice.number} : "
    try:
        validate_nir(invoice.insured_nir + invoice.nir_key)
    except ValidationError as exc:
        yield Problem(record, "nir_key", where + exc.message)
    yield from _rights(item, context)
    oldest = _year_before(context.today)
    for line in invoice.lines:
        if line.act.care_date < oldest:
            yield Problem(record, "care_too_old", where + f"soins du {line.act.care_date:%d/%m/%Y}, plus d'un an "
                          f"avant le {context.today:%d/%m/%Y}.")
            break
    if certification == "D" and (invoice.billing_number, invoice.number) not in context.scor:
        yield Problem(record, "degraded_without_care_sheet", where + "facture en mode dégradé sans sa feuille de "
                      "soins (pièce SCOR « SCOR/numéro de facture » absente).")
    yield from _signatures(item, certification, substitute, context)


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:               # 29 February
        return day.replace(year=day.year - 1, day=28)


def _rights(item: PlacedInvoice, context: Context) -> Iterator[Problem]:
    invoice = item.invoice
    known, person = references.beneficiary(invoice.insured_nir, invoice.header.birth_date, invoice.rank)
    if not known:
        return
    where = f"facture n° {invoice.number} : "
    if person is None:
        yield Problem(item.record, "rights_closed", where + "bénéficiaire inconnu de cet assuré (date de naissance, "
                      "rang).")
        return
    for day in sorted({line.act.care_date for line in invoice.lines}):
        if not references.has_rights(person, day):
            yield Problem(item.record, "rights_closed", where + f"droits fermés le {day:%d/%m/%Y}.")
            return


def _signatures(item: PlacedInvoice, certification: str, substitute: str, context: Context) -> Iterator[Problem]:
    invoice = item.invoice
    where = f"facture n° {invoice.number} : "
    present = {s.signer for s in invoice.signatures}
    for signer in REQUIRED_SIGNERS.get(certification, (m.Signer.CPS,)):
        if signer not in present:
            yield Problem(item.record, "signature_missing", where + f"signature {SIGNER_NAMES[signer]} absente "
                          f"(lot en certification {quoted(certification or 'non sécurisé')}).")
    cps_holders = []
    for signature in invoice.signatures:
        card = context.cards.get(signature.key_fingerprint)
        name = SIGNER_NAMES[signature.signer]
        if card is None or card.signer is not signature.signer:
            yield Problem(item.record, "signature_unknown_card", where + f"signature {name} d'une carte inconnue "
                          f"de la caisse (empreinte {signature.key_fingerprint[:16]}…).")
            continue
        if signature.signer is m.Signer.CPS:
            cps_holders.append(card.billing_number)
        if signature.signer is m.Signer.VITALE and card.insured_nir != invoice.insured_nir:
            yield Problem(item.record, "signature_unknown_card", where + "carte Vitale d'un autre assuré (NIR "
                          f"{card.insured_nir or 'absent'}, facture pour le NIR {invoice.insured_nir}).")
            continue
        checked = Signature(card_serial=card.name, card_kind=SIGNER_KINDS[signature.signer],
                            algorithm=ALGORITHMS.get(signature.algorithm, ""), value=signature.value,
                            public_key=card.public_key)
        if not verify(checked, m.message(item.signed, signature.content_digest)):
            yield Problem(item.record, "signature_invalid", where + f"signature {name} fausse (la facture a changé "
                          "après sa signature, ou la signature n'est pas de cette carte).")
    if cps_holders and not any(holder in (invoice.billing_number, substitute) for holder in cps_holders):
        yield Problem(item.record, "signature_unknown_card", where + f"CPS d'un autre professionnel (numéro "
                      f"{cps_holders[-1] or 'absent'}, facture au numéro {invoice.billing_number}).")


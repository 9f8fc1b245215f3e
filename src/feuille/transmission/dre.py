"""DRE lots: the invoices whose complementary part goes to the complementary itself, grouped per professional and
AMC, and their B2 file (issue 12 point 7; manual 003 sections V and VI, where lot ``AAE`` goes to ``1100000…``).

An invoice with a DRE is signed once: its records 2 to 5 (which say ``F`` in column 95 and ``D`` in column 40,
see :mod:`feuille.billing.amc_part`) travel unchanged, with their signatures, in the FSE lot to the AMO **and**
in a DRE lot to the complementary. The lot side (states, numbers ``AAA`` … ``ZZZ`` per professional and AMC) is
``feuille.domain.lots`` (``LotKind.DRE``, ``RecipientKind.AMC``); this module says which invoices have a DRE, to
whom, and writes the envelope of a DRE file. **feuille's own** (docs/dre.md): the 000 header's recipient type
``OC`` (organisme complémentaire, a type the NOEMIE headers use) and number (the AMC number on 14 digits), the
lot header's organism ``000`` (a complementary has no caisse).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from feuille.billing import amc_part
from feuille.errors import ValidationError, quoted
from feuille.formats import b2_file as m

RECIPIENT_TYPE = "OC"
LOT_ORGANISM = "000"
MAX_INVOICES = 999  # FORMATS.md §1: the lot trailer counts its invoices on 3 digits


@dataclass(frozen=True)
class DreRecipient:
    """Where an invoice's DRE goes: the complementary's AMC number (as record 2 carries it, 10 digits)."""

    amc_number: str


def recipient(document: Mapping[str, Any], amc_total: Decimal) -> DreRecipient | None:
    """The DRE recipient of a signed invoice (its stored document and its AMC total), None when it has no DRE."""
    if not amc_part.has_dre(document, amc_total):
        return None
    part = amc_part.read(document)
    assert part is not None  # has_dre read it
    return DreRecipient(part.amc_number.zfill(10))


@dataclass(frozen=True)
class DreItem:
    """One invoice to put in a DRE lot."""

    professional_id: int
    recipient: DreRecipient
    invoice_id: int


@dataclass(frozen=True)
class DreGroup:
    professional_id: int
    recipient: DreRecipient
    invoice_ids: tuple[int, ...]


def group(items: Iterable[DreItem], limit: int = MAX_INVOICES) -> list[DreGroup]:
    """Lots of at most ``limit`` invoices per professional and complementary, in the order the items came (the
    caller orders them, by invoice number for instance); the groups in the order of their first invoice."""
    if limit < 1:
        raise ValueError("limit must be positive")
    by_key: dict[tuple[int, str], list[int]] = {}
    for item in items:
        by_key.setdefault((item.professional_id, item.recipient.amc_number), []).append(item.invoice_id)
    out: list[DreGroup] = []
    for (professional, number), ids in by_key.items():
        out.extend(DreGroup(professional, DreRecipient(number), tuple(ids[start:start + limit]))
                   for start in range(0, len(ids), limit))
    return out


def recipient_number(amc_number: str) -> str:
    """The 000 header's recipient number of a DRE file: the AMC number right-aligned on 14 digits."""
    if not (amc_number.isdigit() and len(amc_number) <= 10 and int(amc_number)):
        raise ValidationError(f"N° AMC {quoted(amc_number)} : 10 chiffres au plus pour une DRE.",
                              code="b2_invoice", field="amc_number")
    return amc_number.zfill(14)


def check_invoices(amc_number: str, invoices: Iterable[m.Invoice]) -> None:
    """Every invoice of a DRE lot says, in its signed record 2, that its DRE goes to this complementary."""
    for invoice in invoices:
        header = invoice.header
        if header.dre != "D" or header.amc_separate != "F" or header.amc_number != amc_number.zfill(10) \
                or invoice.amc <= 0:
            raise ValidationError(f"Facture {invoice.number} : pas de DRE pour la complémentaire {amc_number} "
                                  "(enregistrement 2 : colonnes 40, 95 et 119, ou part AMC nulle).",
                                  code="b2_invoice", field="amc_number")


def dre_file(*, sender_number: str, file_id: str, created: date, lot: m.LotHeader, amc_number: str,
             invoices: tuple[m.Invoice, ...], closing: m.LotClosing | None = None, message: str = "") -> m.B2File:
    """One DRE lot in its B2 file (one lot per file, as the public implementations do): the envelope addressed
    to the complementary, the lot header's organism ``000``, the invoices as signed."""
    check_invoices(amc_number, invoices)
    if lot.organism != LOT_ORGANISM:
        raise ValidationError(f"Lot DRE : organisme {quoted(lot.organism)} au lieu de {LOT_ORGANISM}.",
                              code="b2_invoice", field="organism")
    header = m.FileHeader("TP", sender_number, RECIPIENT_TYPE, recipient_number(amc_number), file_id, created,
                          message=message)
    return m.B2File(header, (m.Lot(lot, invoices, closing or m.LotClosing()),))

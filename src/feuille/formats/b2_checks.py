"""The B2 reader's checks of counts and control totals: invoice trailer 5, lot trailer 6, file trailer 999.

Each check compares what a trailer says with what its records add up to and returns the French problems;
the reader (:mod:`feuille.formats.b2_reader`) keeps the models whatever these find.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from feuille.errors import quoted
from feuille.formats import b2_file as m


@dataclass(frozen=True)
class B2Problem:
    """One thing wrong with a B2 file: where (record number, 1-based; field), a stable code, French words."""

    record: int | None               # None: the file as a whole
    field: str | None
    code: str
    message: str


def _said(number: int, field: str, code: str, what: str, said: object, counted: object) -> B2Problem:
    return B2Problem(number, field, code, f"Enregistrement {number} : {what} {_shown(said)} annoncé, "
                                          f"{_shown(counted)} trouvé.")


def _shown(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",") + " €"
    return quoted(value) if isinstance(value, str) else str(value)


def _compare(number: int, values: Mapping[str, object], expected: Mapping[str, tuple[str, str, object]]
             ) -> list[B2Problem]:
    """``expected``: field → (code, French name, value computed from the records)."""
    out = []
    for name, (code, what, counted) in expected.items():
        said = values[name]
        if isinstance(counted, int) and not isinstance(said, Decimal):
            said = int(str(said))
        if said != counted:
            out.append(_said(number, name, code, what, said, counted))
    return out


def invoice_trailer(invoice: m.Invoice, number: int, values: Mapping[str, object]) -> list[B2Problem]:
    """Record 5: its count of line records and its three sums."""
    return _compare(number, values, {
        "line_count": ("invoice_line_count", "nombre d'enregistrements de ligne", invoice.line_records),
        "fees": ("invoice_total", "total des honoraires", invoice.fees),
        "amo": ("invoice_total", "total AMO", invoice.amo),
        "amc": ("invoice_total", "total AMC", invoice.amc)})


def lot_trailer(lot: m.Lot, number: int, values: Mapping[str, object]) -> list[B2Problem]:
    """Record 6: counts, totals, and the lot number and partner of its header."""
    invoices = lot.invoices
    return _compare(number, values, {
        "partner_number": ("partner_mismatch", "numéro de partenaire", lot.header.partner_number),
        "lot_number": ("lot_number_mismatch", "numéro de lot", lot.header.lot_number),
        "invoice_count": ("lot_count", "nombre de factures", len(invoices)),
        "line_count": ("lot_count", "nombre de lignes d'actes", sum(len(i.lines) for i in invoices)),
        "record_2_count": ("lot_count", "nombre d'enregistrements 2",
                           sum(1 + (i.detail is not None) for i in invoices)),
        "record_5_count": ("lot_count", "nombre d'enregistrements 5", len(invoices)),
        "total_fees": ("lot_total", "total facturé", sum((i.fees for i in invoices), m.ZERO)),
        "total_amo": ("lot_total", "total AMO", sum((i.amo for i in invoices), m.ZERO)),
        "total_amc": ("lot_total", "total AMC", sum((i.amc for i in invoices), m.ZERO))})


def file_trailer(file: m.B2File, records: int, number: int, values: Mapping[str, object]) -> list[B2Problem]:
    """Record 999: the header's parties and file id, the record count (000 and 999 included), the lot count."""
    header = file.header
    return _compare(number, values, {
        **{name: ("file_trailer_mismatch", name.replace("_", " "), getattr(header, name))
           for name in ("sender_type", "sender_number", "recipient_type", "recipient_number", "file_id")},
        "record_count": ("file_record_count", "nombre d'enregistrements", records),
        "lot_count": ("file_lot_count", "nombre de lots", len(file.lots))})


def lot_sequence(lots: list[tuple[int, m.Lot]]) -> list[B2Problem]:
    """Lot numbers of one file follow one another (the previous + 1, 999 followed by 001) when numeric."""
    out = []
    for (_, before), (number, after) in itertools.pairwise(lots):
        previous, current = before.header.lot_number, after.header.lot_number
        if previous.isdigit() and current.isdigit() and int(current) != int(previous) % 999 + 1:
            out.append(B2Problem(number, "lot_number", "lot_number_sequence",
                                 f"Enregistrement {number} : lot {quoted(current)} après le lot {quoted(previous)}, "
                                 "numéros non consécutifs."))
    return out


PREFIX = ("billing_number", "insured_nir", "nir_key", "invoice_number")


def prefix(head: Mapping[str, object], number: int, values: Mapping[str, object]) -> list[B2Problem]:
    """A record of an invoice repeats the prefix of its record 2 (invoice number compared as a number)."""
    out = []
    for name in (*PREFIX, "rank"):
        if name not in values:
            continue
        said, expected = values[name], head[name]
        if name == "invoice_number":
            said, expected = int(str(said)), int(str(expected))
        if said != expected:
            out.append(B2Problem(number, name, "prefix_mismatch", f"Enregistrement {number} : {name} "
                                 f"{_shown(said)} différent de celui de l'enregistrement 2 ({_shown(expected)})."))
    return out

"""Any list view written as CSV a French spreadsheet opens as is: the one CSV writer of the command line's
``--csv FICHIER`` and of the web's « Exporter (CSV) » links.

French spreadsheets (LibreOffice Calc, Excel in a French locale) read ``;`` as the separator, because the
comma is the decimal mark, and need the UTF-8 byte order mark to show accents right. So every file written
here is: UTF-8 with BOM, ``;`` between cells, French headers, amounts ``1234,56`` (a comma, no thousands
separator, two decimals, so the cell is a number), dates ``JJ/MM/AAAA``, instants ``JJ/MM/AAAA HH:MM``,
booleans ``oui`` / ``non``, nothing for an absent value, CRLF line ends (RFC 4180).

A column reads an attribute (dataclass, pydantic view) or a key (mapping) by name, or calls a function of the
row. The rows are an iterable, written as they come: :func:`csv_chunks` yields the text a few rows at a time,
so a long list is streamed and never held in memory. Pure: stdlib and ``money`` only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import IO

from feuille.money import format_amount_fr

__all__ = ["BOM", "SEPARATOR", "Column", "csv_cell", "csv_chunks", "csv_text", "write_rows"]

SEPARATOR = ";"
BOM = "\ufeff"
# Leading characters a spreadsheet takes as the start of a formula (OWASP « CSV injection »): a text cell
# starting with one of them gets a quote, so a patient named "=HYPERLINK(...)" stays text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 200    # rows per streamed piece: small enough for flat memory, large enough for few writes


@dataclass(frozen=True)
class Column:
    """One column: its French header and how to read the cell from a row (attribute/key name or function)."""

    header: str
    value: str | Callable[[object], object]

    def read(self, row: object) -> object:
        if callable(self.value):
            return self.value(row)
        if isinstance(row, Mapping):
            return row.get(self.value)
        return getattr(row, self.value)


def csv_cell(value: object) -> str:
    """The text of one cell, French spreadsheet conventions (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Decimal):
        return format_amount_fr(value)
    if isinstance(value, float):
        # money is never a float: a float here is a bug upstream, not something to round silently
        raise TypeError("float in a CSV export: use Decimal")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Enum):
        label = getattr(value, "label", None)
        return csv_cell(label if isinstance(label, str) else value.value)
    if isinstance(value, (list, tuple)):
        return ", ".join(csv_cell(item) for item in value)
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def _writer(stream: IO[str]) -> Callable[[Iterable[object]], object]:
    return csv.writer(stream, delimiter=SEPARATOR, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").writerow


def write_rows(stream: IO[str], rows: Iterable[object], columns: Sequence[Column]) -> int:
    """Write the byte order mark, the headers and every row to ``stream``; return how many rows."""
    count = 0
    for chunk in _pieces(rows, columns):
        stream.write(chunk[0])
        count += chunk[1]
    return count


def csv_chunks(rows: Iterable[object], columns: Sequence[Column]) -> Iterator[str]:
    """The CSV text piece by piece (the first piece is the byte order mark and the headers): what a web answer
    streams while the rows are still being read."""
    for text, _ in _pieces(rows, columns):
        yield text


def _pieces(rows: Iterable[object], columns: Sequence[Column]) -> Iterator[tuple[str, int]]:
    buffer = io.StringIO(newline="")
    write = _writer(buffer)
    buffer.write(BOM)
    write([column.header for column in columns])
    pending = 0
    for row in rows:
        write([csv_cell(column.read(row)) for column in columns])
        pending += 1
        if pending == CHUNK_ROWS:
            yield buffer.getvalue(), pending
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue(), pending


def csv_text(rows: Iterable[object], columns: Sequence[Column]) -> str:
    """The whole CSV as text (byte order mark included): for tests and small downloads."""
    return "".join(csv_chunks(rows, columns))

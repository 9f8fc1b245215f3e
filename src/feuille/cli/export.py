"""Any list view written as a CSV file a French spreadsheet opens as is (``--csv FICHIER`` of every list).

French spreadsheets (LibreOffice Calc, Excel in a French locale) read ``;`` as the separator, because the
comma is the decimal mark, and need the UTF-8 byte order mark to show accents right. So every file written
here is: UTF-8 with BOM, ``;`` between cells, French headers, amounts ``1234,56`` (a comma, no thousands
separator, two decimals, so the cell is a number), dates ``JJ/MM/AAAA``, instants ``JJ/MM/AAAA HH:MM``,
booleans ``oui`` / ``non``, nothing for an absent value, CRLF line ends (RFC 4180).

Usage from a command::

    COLUMNS = (Column("N° facture", "number"), Column("Mt payé", "paid"),
               Column("Patient", lambda row: f"{row.last_name} {row.first_name}"))

    @handle_errors
    def liste(..., csv: str | None = CSV_OPTION) -> None:
        rows = service.list_something(ctx, ...)
        if csv is not None:
            count = write_csv(csv, rows, COLUMNS)
            ...

A column reads an attribute (dataclass, pydantic view) or a key (mapping) by name, or calls a function of the
row. The rows are an iterable, written as they come (a long list need not be held in memory). The file is
written to a temporary file beside the target and renamed at the end: an interrupted export leaves the old
file, never half a file. ``-`` writes to standard output (with the byte order mark, nothing to rename).

Imports stay light (stdlib, ``money``, ``errors``): list commands import it at module level.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import IO

import typer

from feuille.errors import ValidationError, quoted
from feuille.money import format_amount_fr

__all__ = ["CSV_OPTION", "Column", "csv_cell", "csv_text", "write_csv"]

SEPARATOR = ";"
BOM = "\ufeff"
# Leading characters a spreadsheet takes as the start of a formula (OWASP « CSV injection »): a text cell
# starting with one of them gets a quote, so a patient named "=HYPERLINK(...)" stays text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_OPTION = typer.Option(None, "--csv", metavar="FICHIER",
                          help="Écrire aussi la liste dans ce fichier CSV (« ; », UTF-8 avec BOM, pour un "
                               "tableur français ; « - » : sortie standard).")


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


def _write(stream: IO[str], rows: Iterable[object], columns: Sequence[Column]) -> int:
    writer = csv.writer(stream, delimiter=SEPARATOR, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    stream.write(BOM)
    writer.writerow([column.header for column in columns])
    count = 0
    for row in rows:
        writer.writerow([csv_cell(column.read(row)) for column in columns])
        count += 1
    return count


def csv_text(rows: Iterable[object], columns: Sequence[Column]) -> str:
    """The whole CSV as text (byte order mark included): for tests and for an API's download."""
    buffer = io.StringIO(newline="")
    _write(buffer, rows, columns)
    return buffer.getvalue()


def write_csv(target: str | Path, rows: Iterable[object], columns: Sequence[Column],
              field: str = "--csv") -> int:
    """Write ``rows`` to ``target`` (``-``: standard output); return how many rows were written.

    A target that cannot be written is a French ``ValidationError`` naming ``field`` (code
    ``file_unwritable``); the previous content of the file is kept in that case.
    """
    text_target = str(target)
    if not text_target.strip():
        raise ValidationError(f"{field} : nom de fichier vide.", code="file_unwritable", field=field)
    if text_target == "-":
        return _write_stdout(rows, columns)
    path = Path(text_target)
    if "\x00" in text_target:
        raise _unwritable(field, path, ValueError("NUL"))
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "c'est un dossier")
        handle, temporary = tempfile.mkstemp(prefix=".export-", suffix=".csv", dir=path.parent or Path("."))
    except (OSError, ValueError) as exc:
        raise _unwritable(field, path, exc) from None
    try:
        _readable_by_all(handle)
        # errors="replace": a text the terminal smuggled in as a lone surrogate must not stop the export
        with os.fdopen(handle, "w", encoding="utf-8", errors="replace", newline="") as stream:
            count = _write(stream, rows, columns)
        os.replace(temporary, path)
    except OSError as exc:
        _remove(temporary)
        raise _unwritable(field, path, exc) from None
    except BaseException:
        _remove(temporary)
        raise
    return count


def _write_stdout(rows: Iterable[object], columns: Sequence[Column]) -> int:
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a captured stdout (tests) has no bytes underneath: it takes text
        return _write(sys.stdout, rows, columns)
    sys.stdout.flush()
    out = io.TextIOWrapper(buffer, encoding="utf-8", errors="replace", newline="", write_through=True)
    try:
        return _write(out, rows, columns)
    finally:
        out.flush()
        out.detach()  # leave sys.stdout's buffer open


def _unwritable(field: str, path: Path, exc: Exception) -> ValidationError:
    reason = getattr(exc, "strerror", None) or "chemin invalide"
    if isinstance(exc, IsADirectoryError):
        reason = "c'est un dossier"
    elif isinstance(exc, FileNotFoundError):
        reason = "dossier introuvable"
    elif isinstance(exc, PermissionError):
        reason = "accès refusé"
    return ValidationError(f"{field} : écriture impossible de {quoted(str(path), 80)} ({reason}).",
                           code="file_unwritable", field=field)


def _readable_by_all(handle: int) -> None:
    """Give the file the mode an ordinary file gets (``mkstemp`` makes it private to its owner)."""
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(handle, 0o666 & ~umask)


def _remove(temporary: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(temporary)

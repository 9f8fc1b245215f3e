"""``--csv FICHIER`` of every list: the rows written by :mod:`feuille.formats.csv_export` (the one CSV writer,
shared with the web's « Exporter (CSV) » links) to a file or to the standard output.

Usage from a command::

    COLUMNS = (Column("N° facture", "number"), Column("Mt payé", "paid"),
               Column("Patient", lambda row: f"{row.last_name} {row.first_name}"))

    @handle_errors
    def liste(..., csv: str | None = CSV_OPTION) -> None:
        rows = service.list_something(ctx, ...)
        if csv is not None:
            count = write_csv(csv, rows, COLUMNS)
            ...

The file is written to a temporary file beside the target and renamed at the end: an interrupted export
leaves the old file, never half a file. ``-`` writes to standard output (with the byte order mark, nothing to rename).

Imports stay light (stdlib, ``typer``, ``money``, ``errors``): list commands import it at module level.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

import typer

from feuille.errors import ValidationError, quoted
from feuille.formats.csv_export import Column, csv_cell, csv_text, write_rows

__all__ = ["CSV_OPTION", "Column", "csv_cell", "csv_text", "write_csv"]

CSV_OPTION = typer.Option(None, "--csv", metavar="FICHIER",
                          help="Écrire aussi la liste dans ce fichier CSV (« ; », UTF-8 avec BOM, pour un "
                               "tableur français ; « - » : sortie standard).")


def _write(stream: IO[str], rows: Iterable[object], columns: Sequence[Column]) -> int:
    return write_rows(stream, rows, columns)


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

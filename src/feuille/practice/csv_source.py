"""Reading a CSV exported by another billing software: encoding, separator, header, column mapping.

Exports found in practices come as UTF-8 (with or without BOM) or Windows-1252, separated by ``;``
(French Excel) or ``,`` or tabs. We sniff both, then map the file's column titles to feuille's field
names, automatically when a title is a known synonym, explicitly with ``champ=TITRE`` otherwise.
Rows are yielded one by one so memory does not grow with the file.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from feuille.errors import ValidationError

ENCODINGS = ("utf-8-sig", "cp1252")


def normalise_title(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return "".join(ch if ch.isalnum() else "_" for ch in text).strip("_")


@dataclass(frozen=True)
class CsvFormat:
    encoding: str
    delimiter: str


def detect_format(path: Path, encoding: str | None = None, delimiter: str | None = None) -> CsvFormat:
    with path.open("rb") as handle:
        sample_bytes = handle.read(64 * 1024)
    if not sample_bytes.strip():
        raise ValidationError("Le fichier est vide.", code="import_empty", field="fichier")
    if b"\x00" in sample_bytes:
        raise ValidationError("Le fichier n'est pas un fichier texte CSV.", code="import_binary", field="fichier")
    chosen = encoding
    if chosen is None:
        for candidate in ENCODINGS:
            try:
                sample_bytes.decode(candidate)
            except UnicodeDecodeError:
                continue
            chosen = candidate
            break
    assert chosen is not None  # cp1252 decodes almost anything; the loop always picks one
    sample = sample_bytes.decode(chosen, errors="replace")
    if delimiter is None:
        first_line = sample.splitlines()[0] if sample.splitlines() else ""
        counts = {d: first_line.count(d) for d in (";", ",", "\t", "|")}
        delimiter = max(counts, key=lambda d: counts[d])
        if counts[delimiter] == 0:
            raise ValidationError("Séparateur introuvable sur la ligne d'en-tête (attendu « ; », « , » ou "
                                  "tabulation).", code="import_separator", field="fichier")
    return CsvFormat(chosen, delimiter)


@dataclass(frozen=True)
class SourceRow:
    line: int                 # 1-based line number in the file (the header is line 1)
    values: dict[str, str]    # feuille field -> raw text


def resolve_mapping(headers: list[str], synonyms: Mapping[str, tuple[str, ...]],
                    explicit: Mapping[str, str]) -> dict[str, int]:
    """Field name -> column index. Explicit ``champ=TITRE`` pairs win over synonyms."""
    by_title = {normalise_title(h): i for i, h in enumerate(headers)}
    mapping: dict[str, int] = {}
    for field_name, title in explicit.items():
        if field_name not in synonyms:
            known = ", ".join(sorted(synonyms))
            raise ValidationError(f"Champ « {field_name} » inconnu dans la correspondance (champs : {known}).",
                                  code="import_mapping", field="colonne")
        index = by_title.get(normalise_title(title))
        if index is None:
            raise ValidationError(f"Colonne « {title} » absente de l'en-tête du fichier.",
                                  code="import_mapping", field="colonne")
        mapping[field_name] = index
    for field_name, names in synonyms.items():
        if field_name in mapping:
            continue
        for name in (field_name, *names):
            if normalise_title(name) in by_title:
                mapping[field_name] = by_title[normalise_title(name)]
                break
    return mapping


def read_rows(path: Path, synonyms: Mapping[str, tuple[str, ...]], explicit: Mapping[str, str],
              fmt: CsvFormat) -> tuple[dict[str, int], Iterator[SourceRow]]:
    """Open the file, map its header, and return the mapping and a lazy iterator of rows."""
    # Closed by the row generator below (or here on a bad header): it outlives this function.
    handle = open(path, encoding=fmt.encoding, errors="strict", newline="")  # noqa: SIM115
    reader = csv.reader(handle, delimiter=fmt.delimiter)
    try:
        headers = next(reader)
    except (StopIteration, UnicodeDecodeError, csv.Error) as exc:
        handle.close()
        raise ValidationError("En-tête illisible.", code="import_header", field="fichier") from exc
    mapping = resolve_mapping(headers, synonyms, explicit)

    def rows() -> Iterator[SourceRow]:
        with handle:
            try:
                for record in reader:
                    if not any(cell.strip() for cell in record):
                        continue
                    values = {f: record[i].strip() if i < len(record) else "" for f, i in mapping.items()}
                    yield SourceRow(reader.line_num, values)
            except (UnicodeDecodeError, csv.Error) as exc:
                raise ValidationError(f"Ligne {reader.line_num} illisible : {exc}.", code="import_unreadable",
                                      field="fichier") from exc

    return mapping, rows()


def count_data_lines(path: Path) -> int:
    """For the progress bar: a cheap line count (quoted multi-line cells make it an upper bound)."""
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)

"""Importing patients from another software's CSV export (issue 2, item 8).

The whole file is one transaction: either the valid rows are all imported, or (on an unexpected failure, or
with ``strict`` when a row is refused) nothing is. Refused rows are not an error: each is written to the report
(line, column, reason in French) as it is met, so memory holds one batch at a time whatever the file's size.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.domain import patients as dom
from feuille.errors import ValidationError
from feuille.practice.csv_source import CsvFormat, SourceRow, count_data_lines, detect_format, read_rows
from feuille.practice.patient_bulk import RowProblem, insert_batch
from feuille.practice.patients import check_not_future
from feuille.storage.retry import use_case

BATCH = 1000

# feuille field -> titles other software commonly use for it (compared without case, accents or punctuation)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "last_name": ("nom", "nom_patient", "nom_usage", "nom_beneficiaire", "patient_nom"),
    "first_name": ("prenom", "prenom_patient", "prenom_beneficiaire", "patient_prenom"),
    "birth_date": ("date_naissance", "date_de_naissance", "ddn", "naissance", "ne_le", "date_naiss"),
    "lunar": ("lunaire", "date_lunaire"),
    "rank": ("rang", "rang_naissance", "rang_gemellaire"),
    "quality": ("qualite", "qualite_beneficiaire"),
    "beneficiary_nir": ("nir_beneficiaire",),
    "phone": ("telephone", "tel", "telephone_1", "tel1", "portable", "mobile"),
    "phone2": ("telephone_2", "tel2"),
    "address": ("adresse", "adresse_1", "rue"),
    "postcode": ("cp", "code_postal", "codepostal"),
    "town": ("ville", "commune", "localite"),
    "extra_info": ("commentaire", "remarque", "informations"),
    "ik": ("distance_ik", "km"),
    "ikm": ("distance_ikm",),
    "iks": ("distance_iks",),
    "insured_last_name": ("nom_assure",),
    "insured_first_name": ("prenom_assure",),
    "insured_nir": ("nir", "nir_assure", "numero_ss", "num_ss", "numero_securite_sociale", "secu", "insee"),
    "amo_regime": ("regime", "grand_regime"),
    "amo_caisse": ("caisse",),
    "amo_centre": ("centre", "centre_gestionnaire"),
    "amo_management_code": ("code_gestion",),
    "exoneration": ("exo", "code_exoneration"),
    "ald": ("affection_longue_duree",),
    "alsace_moselle": ("regime_local",),
}
NIR_KEY_TITLES = ("cle", "cle_nir", "cle_ss", "cle_securite_sociale")

REPORT_HEADER = ["ligne", "champ", "motif"]


@dataclass(frozen=True)
class ImportReport:
    imported: int
    refused: int
    rows: int
    mapping: dict[str, str]         # feuille field -> column title of the file
    report_path: Path | None
    format: CsvFormat
    dry_run: bool


ProgressCallback = Callable[[int], None]


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """``["last_name=NOM", "nom=NOM_PAT"]`` -> field -> title; French field aliases accepted."""
    aliases = {"nom": "last_name", "prenom": "first_name", "naissance": "birth_date", "nir": "insured_nir",
               "rang": "rank", "qualite": "quality", "telephone": "phone", "adresse": "address",
               "cp": "postcode", "ville": "town", "commune": "town"}
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, title = pair.partition("=")
        if not sep or not field.strip() or not title.strip():
            raise ValidationError(f"Correspondance « {pair} » : la forme attendue est champ=TITRE_DE_COLONNE.",
                                  code="import_mapping", field="colonne")
        field = field.strip().lower()
        mapping[aliases.get(field, field)] = title.strip()
    return mapping


def _with_key(values: dict[str, str], key: str | None) -> dict[str, str]:
    """Exports often split the NIR into 13 characters and a 2-digit key column."""
    nir = values.get("insured_nir", "")
    if key and nir and len("".join(nir.split())) == 13:
        values["insured_nir"] = nir + key
    return values


def _validate(row: SourceRow, key: str | None, today_check: Callable[[dom.PatientRecord], None]
              ) -> dom.PatientRecord:
    values = {f: v for f, v in row.values.items() if f in dom.PATIENT_FIELDS and v != ""}
    record = dom.validate_patient(_with_key(values, key))
    today_check(record)
    return record


class _Report:
    """Refused rows, written as they come (never held in memory)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.count = 0
        self._handle: TextIO | None = None
        self._writer: csv.writer | None = None  # type: ignore[valid-type]

    def add(self, line: int, field: str | None, message: str) -> None:
        self.count += 1
        if self.path is None:
            return
        if self._writer is None:
            self._handle = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._handle, delimiter=";")
            self._writer.writerow(REPORT_HEADER)
        label = dom.FIELD_LABELS.get(field or "", field or "")
        self._writer.writerow([line, label, message])

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


@use_case
def import_patients_csv(ctx: Context, path: Path, *, mapping: Mapping[str, str] | None = None,
                        encoding: str | None = None, delimiter: str | None = None, report_path: Path | None = None,
                        progress: ProgressCallback | None = None, strict: bool = False,
                        dry_run: bool = False) -> ImportReport:
    require(ctx, Permission.PATIENT_IMPORT)
    if not path.is_file():
        raise ValidationError(f"Fichier « {path} » introuvable.", code="import_missing", field="fichier")
    fmt = detect_format(path, encoding, delimiter)
    found, rows = read_rows(path, {**SYNONYMS, "_nir_key": NIR_KEY_TITLES}, mapping or {}, fmt)
    for required in ("last_name", "birth_date"):
        if required not in found:
            raise ValidationError(f"Colonne « {dom.FIELD_LABELS[required]} » introuvable : indiquez-la avec "
                                  f"--colonne {required}=TITRE.", code="import_mapping", field="colonne")
    report = _Report(report_path)
    try:
        imported, total = _import_all(ctx, path, rows, report, progress, strict, dry_run)
    finally:
        report.close()
    titles = _titles(path, fmt)
    return ImportReport(imported, report.count, total, {f: titles[i] for f, i in found.items() if i < len(titles)},
                        report_path if report.count else None, fmt, dry_run)


class _DryRun(Exception):
    """Raised inside the transaction to roll back a trial import after counting."""

    def __init__(self, imported: int, total: int) -> None:
        self.imported, self.total = imported, total


def _import_all(ctx: Context, path: Path, rows: Iterator[SourceRow], report: _Report,
                progress: ProgressCallback | None, strict: bool, dry_run: bool) -> tuple[int, int]:
    try:
        with ctx.db.transaction() as session:
            imported, total = _run(ctx, session, rows, report, progress)
            if strict and report.count:
                raise ValidationError(f"Import annulé : {report.count} ligne(s) refusée(s) en mode strict "
                                      "(voir le rapport).", code="import_refused_rows", field="fichier")
            audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="patient.import", entity="import",
                         entity_id=path.name[:64], data={"file": path.name, "imported": imported,
                                                          "refused": report.count, "rows": total})
            if dry_run:
                raise _DryRun(imported, total)
    except _DryRun as trial:
        return trial.imported, trial.total
    return imported, total


def _run(ctx: Context, session: Session, rows: Iterator[SourceRow], report: _Report,
         progress: ProgressCallback | None) -> tuple[int, int]:
    today = ctx.clock().date()
    imported = total = 0
    batch: list[tuple[int, dom.PatientRecord, object]] = []

    def flush() -> int:
        ids = insert_batch(session, ctx, batch, "import",
                           lambda p: report.add(p.index, p.field, p.message))
        session.expunge_all()  # keep the identity map from growing with the file
        batch.clear()
        return len(ids)

    for row in rows:
        total += 1
        try:
            record = _validate(row, row.values.get("_nir_key"), lambda r: check_not_future(r, today))
        except ValidationError as error:
            report.add(row.line, error.field, error.message)
        else:
            batch.append((row.line, record, None))
        if len(batch) >= BATCH:
            imported += flush()
        if progress is not None and total % 500 == 0:
            progress(total)
    if batch:
        imported += flush()
    if progress is not None:
        progress(total)
    return imported, total


def _titles(path: Path, fmt: CsvFormat) -> list[str]:
    with path.open(encoding=fmt.encoding, newline="") as handle:
        return next(csv.reader(handle, delimiter=fmt.delimiter), [])


def estimate_rows(path: Path) -> int:
    return count_data_lines(path)


__all__ = ["ImportReport", "RowProblem", "estimate_rows", "import_patients_csv", "parse_mapping"]

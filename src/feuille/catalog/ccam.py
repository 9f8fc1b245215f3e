"""CCAM in the database: import a published table, replacing the previous one atomically.

``import_ccam`` reads the file first (outside any transaction, with the pure readers of
``feuille.nomenclature``), refuses it with every problem listed if it is not clean, then writes the new
version, switches the active version and deletes the previous version's acts in ONE transaction: a
failure anywhere leaves the previous table active and untouched. Searches and the pricing port live in
``feuille.catalog.ccam_search`` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select, text, update
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.catalog.ccam_search import (
    ActDetail,
    ActSummary,
    DbCcamTariffs,
    PriceLine,
    VersionInfo,
    acts_for_keyword,
    current_version,
    forget,
    get_act,
    search,
    search_code_prefix,
    search_keywords,
    search_words,
    sql_acts_for_keyword,
    sql_search_code_prefix,
    sql_search_keywords,
    sql_search_words,
)
from feuille.errors import ValidationError
from feuille.nomenclature.ccam import CcamAct, CcamError, CcamTable, ParseResult, fold, keywords_of
from feuille.nomenclature.ccam_json import ACTS_FILE, DETAILED_FILE, TARIFFS_FILE, parse_nomensland
from feuille.nomenclature.ccam_listing import parse_listing
from feuille.storage.models import CcamActRow, CcamKeywordRow, CcamModifierRow, CcamPriceRow, CcamVersion

BATCH = 1000
IMPORT_LOCK = 0xCCA4  # PostgreSQL advisory lock taken by every CCAM import
MAX_LISTED_ERRORS = 10

Progress = Callable[[int, int], None]  # (steps done, steps in all): two steps per act


class CcamFormat(StrEnum):
    LISTING = "listing"
    JSON = "json"


@dataclass(frozen=True)
class ImportSummary:
    version: str
    applicable_from: date
    source_file: str
    source_format: str
    acts: int
    prices: int
    modifiers: int
    keywords: int
    skipped_rows: int
    replaced_version: str | None  # the version that was active before, if any
    version_id: int


class CcamFileError(ValidationError):
    """A CCAM file that cannot be imported; ``errors`` holds every problem found, line by line."""

    def __init__(self, message: str, errors: Sequence[CcamError]) -> None:
        super().__init__(message, code="ccam_file", field="fichier")
        self.errors = list(errors)


def sample_ccam_path() -> Path:
    """The small CCAM listing shipped for the tests and the demo (real acts of version 67)."""
    return Path(str(resources.files("feuille.nomenclature") / "data" / "ccam_sample.csv"))


def detect_format(path: Path) -> CcamFormat:
    name = path.name.lower()
    if path.is_dir() or name.endswith((".json", ".json.gz")):
        return CcamFormat.JSON
    return CcamFormat.LISTING


def _json_files(path: Path) -> tuple[Path, Path, Path | None]:
    """The nomensland files beside ``path`` (a folder, or any of the files)."""
    folder = path if path.is_dir() else path.parent
    acts, tariffs, detailed = folder / ACTS_FILE, folder / TARIFFS_FILE, folder / DETAILED_FILE
    for needed in (acts, tariffs):
        if not needed.is_file():
            raise ValidationError(f"Fichier « {needed.name} » introuvable dans « {folder} » (format JSON : "
                                  f"{ACTS_FILE} et {TARIFFS_FILE} côte à côte).", code="ccam_file",
                                  field="fichier")
    return acts, tariffs, detailed if detailed.is_file() else None


def read_table(path: Path, fmt: CcamFormat | str | None = None, *, version: str | None = None,
               applicable_from: date | None = None) -> ParseResult:
    """Read a CCAM file into a table (nothing is written). Raises ValidationError when it is unreadable."""
    if not path.exists():
        raise ValidationError(f"Fichier « {path} » introuvable.", code="file_not_found", field="fichier")
    try:
        kind = CcamFormat(fmt) if fmt else detect_format(path)
    except ValueError:
        raise ValidationError(f"Format « {fmt} » inconnu (choix : listing, json).", code="ccam_format",
                              field="format") from None
    try:
        if kind is CcamFormat.JSON:
            acts, tariffs, detailed = _json_files(path)
            options: dict[str, Any] = {"applicable_from": applicable_from}
            if version:
                options["version"] = version
            return parse_nomensland(acts.read_bytes(), tariffs.read_bytes(),
                                    detailed.read_bytes() if detailed else None, **options)
        if path.is_dir():
            raise ValidationError(f"« {path} » est un dossier : le format listing attend un fichier CSV.",
                                  code="ccam_file", field="fichier")
        result = parse_listing(path.read_bytes())
    except OSError as exc:
        raise ValidationError(f"Lecture de « {path} » impossible : {exc.strerror or exc}.", code="file_unreadable",
                              field="fichier") from None
    if result.table is not None and (version or applicable_from):
        table = result.table
        result.table = CcamTable(version=version or table.version,
                                 applicable_from=applicable_from or table.applicable_from,
                                 acts=table.acts, source=table.source)
    return result


def _refuse(path: Path, result: ParseResult) -> None:
    if result.table is not None and not result.errors and result.table.acts:
        return
    errors = list(result.errors)
    if not errors:
        errors.append(CcamError(0, "au moins un acte CCAM", "aucun"))
    listed = " ; ".join(str(e) for e in errors[:MAX_LISTED_ERRORS])
    more = f" (et {len(errors) - MAX_LISTED_ERRORS} autres)" if len(errors) > MAX_LISTED_ERRORS else ""
    raise CcamFileError(f"Le fichier CCAM « {path.name} » n'est pas importable : {len(errors)} erreur(s) : "
                        f"{listed}{more}.", errors)


def import_ccam(ctx: Context, path: Path | str, *, fmt: CcamFormat | str | None = None, version: str | None = None,
                applicable_from: date | None = None, progress: Progress | None = None) -> ImportSummary:
    """Import a CCAM table and make it the active one, in one transaction."""
    require(ctx, Permission.NOMENCLATURE_IMPORT)
    path = Path(path)
    if version is not None and not (0 < len(version.strip()) <= 16):
        raise ValidationError("Version : 1 à 16 caractères (par exemple 78.10).", code="ccam_version",
                              field="version")
    result = read_table(path, fmt, version=version.strip() if version else None, applicable_from=applicable_from)
    _refuse(path, result)
    assert result.table is not None
    table = result.table
    now = ctx.clock()
    with ctx.db.transaction() as session:
        if session.connection().dialect.name == "postgresql":
            # Two imports at once would each deactivate the other's version: the second waits for the first.
            # (SQLite has one writer at a time already: the second fails on its stale snapshot instead.)
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK})
        previous = session.scalar(select(CcamVersion).where(CcamVersion.active.is_(True)))
        row = CcamVersion(version=table.version, applicable_from=table.applicable_from, imported_at=now,
                          imported_by=ctx.actor.login, source_file=path.name[:255], source_format=table.source,
                          act_count=len(table.acts), active=False)
        session.add(row)
        session.flush()
        counts = _write_acts(session, row.id, table.acts, progress)
        session.execute(update(CcamVersion).where(CcamVersion.id != row.id, CcamVersion.active.is_(True))
                        .values(active=False).execution_options(synchronize_session=False))
        row.active = True
        _delete_other_versions(session, row.id)
        if session.connection().dialect.name == "postgresql":  # fresh statistics, or the planner guesses 1 row
            session.execute(text("ANALYZE ccam_acts, ccam_prices, ccam_modifiers, ccam_keywords"))
        summary = ImportSummary(version=table.version, applicable_from=table.applicable_from, source_file=path.name,
                                source_format=table.source, acts=len(table.acts), prices=counts[0],
                                modifiers=counts[1], keywords=counts[2], skipped_rows=result.skipped,
                                replaced_version=previous.version if previous else None, version_id=row.id)
        audit.record(session, actor=ctx.actor.login, at=now, action="ccam.import", entity="ccam_version",
                     entity_id=str(row.id),
                     data={"version": table.version, "applicable_from": table.applicable_from,
                           "source_file": path.name, "format": table.source, "acts": len(table.acts),
                           "prices": counts[0], "replaced_version": summary.replaced_version})
    forget(ctx.db)
    return summary


def _batches(items: Sequence[CcamAct], size: int) -> Iterable[Sequence[CcamAct]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _bulk_insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows: COPY on PostgreSQL (ten times faster than an executemany), executemany elsewhere."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    columns = list(rows[0])
    names = ", ".join(f'"{name}"' for name in columns)
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[name] for name in columns])


def _act_row(version_id: int, act: CcamAct) -> dict[str, Any]:
    return {"version_id": version_id, "code": act.code, "label": act.label, "label_folded": fold(act.label),
            "short_label": act.short_label[:255], "not_covered": act.not_covered,
            "reimbursement_conditions": act.reimbursement_conditions, "prior_agreement": act.prior_agreement,
            "exo_tm": act.exo_tm[:8], "grouping": act.grouping[:8], "valid_from": act.valid_from,
            "valid_to": act.valid_to, "source_line": act.line}


def _write_acts(session: Session, version_id: int, acts: Sequence[CcamAct], progress: Progress | None
                ) -> tuple[int, int, int]:
    """Acts first, then (knowing their ids) their prices, modifiers and keywords, batch by batch.

    ``progress`` counts two steps per act (the act, then what hangs on it): total = 2 × acts.
    """
    total = 2 * len(acts)
    done = 0
    if progress:
        progress(0, total)
    for batch in _batches(acts, BATCH):
        _bulk_insert(session, CcamActRow.__table__, [_act_row(version_id, act) for act in batch])
        done += len(batch)
        if progress:
            progress(done, total)
    ids = {code: act_id for code, act_id in
           session.execute(select(CcamActRow.code, CcamActRow.id).where(CcamActRow.version_id == version_id))}
    counts = [0, 0, 0]
    for batch in _batches(acts, BATCH):
        prices: list[dict[str, Any]] = []
        modifiers: list[dict[str, Any]] = []
        keywords: list[dict[str, Any]] = []
        for act in batch:
            act_id = ids[act.code]
            prices.extend({"act_id": act_id, "activity": p.activity, "phase": p.phase, "sector1": p.sector1,
                           "non_sector1": p.non_sector1, "valid_from": p.valid_from} for p in act.prices)
            modifiers.extend({"act_id": act_id, "modifier": m, "position": i} for i, m in enumerate(act.modifiers))
            keywords.extend({"version_id": version_id, "act_id": act_id, "word": word[:64], "word_folded": folded}
                            for folded, word in keywords_of(act.label).items())
        for model, values, index in ((CcamPriceRow, prices, 0), (CcamModifierRow, modifiers, 1),
                                     (CcamKeywordRow, keywords, 2)):
            _bulk_insert(session, model.__table__, values)
            counts[index] += len(values)
        done += len(batch)
        if progress:
            progress(done, total)
    return counts[0], counts[1], counts[2]


def _delete_other_versions(session: Session, keep: int) -> None:
    """Only the active version keeps its acts; the version rows stay as the record of past imports."""
    acts, keywords = cast(Table, CcamActRow.__table__), cast(Table, CcamKeywordRow.__table__)
    modifiers, prices = cast(Table, CcamModifierRow.__table__), cast(Table, CcamPriceRow.__table__)
    old_acts = select(acts.c.id).where(acts.c.version_id != keep).scalar_subquery()
    session.execute(delete(keywords).where(keywords.c.version_id != keep))
    session.execute(delete(modifiers).where(modifiers.c.act_id.in_(old_acts)))
    session.execute(delete(prices).where(prices.c.act_id.in_(old_acts)))
    session.execute(delete(acts).where(acts.c.version_id != keep))


__all__ = [
    "ActDetail", "ActSummary", "CcamFileError", "CcamFormat", "DbCcamTariffs", "ImportSummary", "PriceLine",
    "VersionInfo", "acts_for_keyword", "current_version", "get_act", "import_ccam", "read_table",
    "sample_ccam_path", "search", "search_code_prefix", "search_keywords", "search_words", "sql_acts_for_keyword",
    "sql_search_code_prefix", "sql_search_keywords", "sql_search_words",
]

"""The AMC conventions directory: import a CSV file, add, edit, disable or delete one convention, list (paged), and
the one search the invoice uses.

The search (:func:`search`) is the manual's « Choix de la convention AMC/Mutuelle » (manual 003 section V): by AMC
number (n° préfectoral), narrowed by the type of convention and the secondary criterion of the carte mutuelle.
One convention: it is the one; several: the user chooses (paged); more than ``SEARCH_LIMIT``: refused with the
manual's advice (code ``amc_conventions_too_many``), and the refined search is asked. The draft's checks
(``billing.amc_transmission``) and the wizard call it; nothing else searches conventions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.domain import conventions as dom
from feuille.domain.identifiers import validate_amc_number
from feuille.errors import ConflictError, NotFoundError, Problems, ValidationError
from feuille.practice.csv_source import detect_format, read_rows
from feuille.storage.models import AmcConvention
from feuille.storage.retry import use_case

#: A file with more refused rows than this is refused without listing the rest (the message would be unreadable).
MAX_REPORTED = 20


@dataclass(frozen=True)
class ConventionView:
    id: int
    signatory_id: str
    signatory_label: str | None
    group_convention: str | None
    convention_type: str
    secondary_criterion: str | None
    agreement_type: str | None
    amc_number: str
    amc_label: str | None
    disabled: bool
    dre: bool
    pec_required: bool
    demo: bool

    @classmethod
    def of(cls, row: AmcConvention) -> ConventionView:
        values = {name: getattr(row, name) for name in cls.__dataclass_fields__}
        values["secondary_criterion"] = row.secondary_criterion or None
        return cls(**values)

    def label(self) -> str:
        return self.convention_type + (f" / {self.secondary_criterion}" if self.secondary_criterion else "")


@dataclass(frozen=True)
class Search:
    """What a search found: every match (at most ``SEARCH_LIMIT``), and the page asked."""

    amc_number: str
    convention_type: str | None
    criterion: str | None
    matches: tuple[ConventionView, ...]
    page: int

    @property
    def total(self) -> int:
        return len(self.matches)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // dom.PAGE_SIZE))

    @property
    def shown(self) -> tuple[ConventionView, ...]:
        start = (self.page - 1) * dom.PAGE_SIZE
        return self.matches[start:start + dom.PAGE_SIZE]


def _row_values(record: dom.ConventionRecord) -> dict[str, object]:
    values = asdict(record)
    values["secondary_criterion"] = record.secondary_criterion or ""  # "" takes part in the unique key
    return values


def _key(record: dom.ConventionRecord) -> tuple[str, str, str, str]:
    return record.amc_number, record.convention_type, record.secondary_criterion or "", record.signatory_id


def _find(session: Session, record: dom.ConventionRecord) -> AmcConvention | None:
    number, kind, criterion, signatory = _key(record)
    return session.scalar(select(AmcConvention).where(
        AmcConvention.amc_number == number, AmcConvention.convention_type == kind,
        AmcConvention.secondary_criterion == criterion, AmcConvention.signatory_id == signatory))


def add_convention(ctx: Context, data: Mapping[str, object]) -> int:
    """Type one convention (« ajouter »); the same signatory, AMC, type and criterion twice is refused."""
    require(ctx, Permission.ORGANISM_WRITE)
    record = dom.validate_convention(data)
    with ctx.db.transaction() as session:
        found = _find(session, record)
        if found is not None:
            raise ConflictError(f"La convention {record.label()} du signataire {record.signatory_id} pour l'AMC "
                                f"{record.amc_number} est déjà dans l'annuaire (n° {found.id}).",
                                code="amc_convention_exists", field="convention_type")
        now = ctx.clock()
        row = AmcConvention(**_row_values(record), created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        audit.record(session, actor=ctx.actor.login, at=now, action="amc_convention.create",
                     entity="amc_convention", entity_id=str(row.id), data=asdict(record))
        return row.id


def _get(session: Session, convention_id: object) -> AmcConvention:
    row = None
    if isinstance(convention_id, int) and not isinstance(convention_id, bool) and 0 < convention_id < 2**31:
        row = session.get(AmcConvention, convention_id)
    if row is None:
        raise NotFoundError(f"Convention AMC n° {str(convention_id)[:20]} introuvable.",
                            code="amc_convention_unknown", field="convention")
    return row


def get_convention(ctx: Context, convention_id: int) -> ConventionView:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return ConventionView.of(_get(session, convention_id))


@use_case
def update_convention(ctx: Context, convention_id: int, changes: Mapping[str, object]) -> bool:
    """Change some fields of one convention (the others are kept; French errors name the field); True when it
    changed. Another convention with the same signatory, AMC, type and criterion is refused, as when adding."""
    require(ctx, Permission.ORGANISM_WRITE)
    with ctx.db.transaction() as session:
        row = _get(session, convention_id)
        current = asdict(ConventionView.of(row))
        merged = {k: v for k, v in current.items() if k in dom.FIELDS and v is not None}
        record = dom.validate_convention({**merged, **changes})
        other = _find(session, record)
        if other is not None and other.id != row.id:
            raise ConflictError(f"La convention {record.label()} du signataire {record.signatory_id} pour l'AMC "
                                f"{record.amc_number} est déjà dans l'annuaire (n° {other.id}).",
                                code="amc_convention_exists", field="convention_type")
        values = _row_values(record)
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        if not changed:
            return False
        for key, value in changed.items():
            setattr(row, key, value)
        row.updated_at = ctx.clock()
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="amc_convention.update",
                     entity="amc_convention", entity_id=str(row.id), data=changed)
        return True


@use_case
def set_convention_active(ctx: Context, convention_id: int, active: bool) -> bool:
    """Disable a convention (the search no longer offers it; the invoices made under it keep it) or enable it
    again; True when it changed."""
    require(ctx, Permission.ORGANISM_WRITE)
    with ctx.db.transaction() as session:
        row = _get(session, convention_id)
        if row.disabled != active:
            return False
        row.disabled = not active
        row.updated_at = ctx.clock()
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(),
                     action="amc_convention.enable" if active else "amc_convention.disable",
                     entity="amc_convention", entity_id=str(row.id), data={"label": _described(row)})
        return True


@use_case
def delete_convention(ctx: Context, convention_id: int) -> None:
    """Remove a convention from the directory. Invoices keep what they were made with (the routing is copied into
    the invoice's document, no row refers to the directory), so nothing forbids it."""
    require(ctx, Permission.ORGANISM_WRITE)
    with ctx.db.transaction() as session:
        row = _get(session, convention_id)
        data = {name: getattr(row, name) for name in dom.FIELDS}
        session.delete(row)
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="amc_convention.delete",
                     entity="amc_convention", entity_id=str(convention_id), data=data)


def _described(row: AmcConvention) -> str:
    return f"{ConventionView.of(row).label()} {row.signatory_id} AMC {row.amc_number}"


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def _read_file(path: Path) -> list[dom.ConventionRecord]:
    """Every row of the file, validated; refused as a whole (French, line by line) when one row is wrong."""
    if not path.is_file():
        raise ValidationError(f"Fichier « {path} » introuvable.", code="import_missing", field="fichier")
    fmt = detect_format(path)
    found, rows = read_rows(path, dom.CSV_TITLES, {}, fmt)
    for required in ("signatory_id", "convention_type", "amc_number"):
        if required not in found:
            raise ValidationError(f"Colonne « {dom.CSV_TITLES[required][0]} » introuvable dans l'en-tête.",
                                  code="import_mapping", field="colonne")
    records: list[dom.ConventionRecord] = []
    problems = Problems()
    seen: dict[tuple[str, str, str, str], int] = {}
    for row in rows:
        try:
            record = dom.validate_convention({k: v for k, v in row.values.items() if v != ""})
        except ValidationError as exc:
            problems.add(exc.field or "fichier", f"ligne {row.line} : {exc.message}", exc.code)
            continue
        if _key(record) in seen:
            problems.add("fichier", f"ligne {row.line} : même convention que la ligne {seen[_key(record)]}.",
                         "import_duplicate")
            continue
        seen[_key(record)] = row.line
        records.append(record)
    if len(problems.items) > MAX_REPORTED:
        more = len(problems.items) - MAX_REPORTED
        problems.items[MAX_REPORTED:] = []
        problems.add("fichier", f"et {more} autre(s) ligne(s) refusée(s).", "import_rows")
    problems.raise_if_any()
    if not records:
        raise ValidationError("Le fichier ne contient aucune convention.", code="import_empty", field="fichier")
    return records


@use_case
def import_conventions(ctx: Context, path: Path) -> ImportResult:
    """« importer »: the whole file or nothing; a convention already there is updated in place (importing the
    same file twice changes nothing). One audit entry names the file (its SHA-256) and the counts."""
    require(ctx, Permission.ORGANISM_WRITE)
    records = _read_file(path)
    created = updated = 0
    with ctx.db.transaction() as session:
        now = ctx.clock()
        for record in records:
            row = _find(session, record)
            values = _row_values(record)
            if row is None:
                session.add(AmcConvention(**values, created_at=now, updated_at=now))
                created += 1
            elif any(getattr(row, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(row, key, value)
                row.updated_at = now
                updated += 1
        session.flush()
        result = ImportResult(created, updated, len(records) - created - updated)
        audit.record(session, actor=ctx.actor.login, at=now, action="amc_convention.import",
                     entity="amc_convention", entity_id="*",
                     data={"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                           **asdict(result)})
        return result


def _listing(amc_number: str | None, include_disabled: bool) -> Select[AmcConvention]:
    query = select(AmcConvention)
    if amc_number not in (None, ""):
        query = query.where(AmcConvention.amc_number == validate_amc_number(amc_number, field="amc_number"))
    if not include_disabled:
        query = query.where(AmcConvention.disabled.is_(False))
    return query


_ORDER = (AmcConvention.amc_number, AmcConvention.convention_type, AmcConvention.secondary_criterion,
          AmcConvention.signatory_id, AmcConvention.id)


def list_conventions(ctx: Context, amc_number: str | None = None, *, include_disabled: bool = True
                     ) -> list[ConventionView]:
    """The directory (or one AMC's part of it), ordered by AMC number, type, criterion, signatory."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return [ConventionView.of(row) for row in session.scalars(_listing(amc_number, include_disabled)
                                                                  .order_by(*_ORDER))]


@dataclass(frozen=True)
class ConventionPage:
    rows: tuple[ConventionView, ...]
    total: int
    page: int
    pages: int


def page_conventions(ctx: Context, amc_number: str | None = None, page: int = 1, size: int = 100
                     ) -> ConventionPage:
    """One page of the directory (an imported one may hold thousands of conventions), in the order of
    :func:`list_conventions`; a page past the last shows the last."""
    require(ctx, Permission.READ)
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= 1_000_000:
        raise ValidationError("Page : un entier de 1 à 1 000 000 est attendu.", code="page", field="page")
    query = _listing(amc_number, True)
    with ctx.db.read() as session:
        total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
        pages = max(1, -(-total // size))
        page = min(page, pages)
        rows = session.scalars(query.order_by(*_ORDER).offset((page - 1) * size).limit(size))
        return ConventionPage(tuple(ConventionView.of(row) for row in rows), total, page, pages)


def search(session: Session, amc_number: str, convention_type: str | None = None, criterion: str | None = None,
           *, page: int = 1, field: str = "amc_number") -> Search:
    """The active conventions of an AMC number, narrowed by type and criterion; more than ``SEARCH_LIMIT`` is
    refused (``amc_conventions_too_many``: refine with the carte mutuelle's type and criterion)."""
    number = validate_amc_number(amc_number, field=field)
    query = select(AmcConvention).where(AmcConvention.amc_number == number, AmcConvention.disabled.is_(False))
    if convention_type:
        query = query.where(AmcConvention.convention_type == convention_type)
    if criterion:
        query = query.where(AmcConvention.secondary_criterion == criterion)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if total > dom.SEARCH_LIMIT:
        raise dom.too_many(number, int(total), field)
    rows = session.scalars(query.order_by(AmcConvention.convention_type, AmcConvention.secondary_criterion,
                                          AmcConvention.signatory_id))
    found = Search(number, convention_type, criterion, tuple(ConventionView.of(row) for row in rows), 1)
    if not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= found.pages:
        raise ValidationError(f"page : entre 1 et {found.pages} attendue, {page} reçue.", code="search_page",
                              field="page")
    return Search(found.amc_number, convention_type, criterion, found.matches, page)


def search_conventions(ctx: Context, amc_number: object, convention_type: object = None, criterion: object = None,
                       page: int = 1) -> Search:
    """For an interface: the search of :func:`search`, the refinement typed as on the carte mutuelle."""
    require(ctx, Permission.READ)
    kind, secondary = dom.refinement(convention_type, criterion)
    if amc_number in (None, ""):
        raise ValidationError("N° AMC : champ obligatoire.", code="required", field="amc_number")
    with ctx.db.read() as session:
        return search(session, str(amc_number), kind, secondary, page=page)

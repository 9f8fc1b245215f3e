"""Searching the active CCAM table like the manual's screens, and the CCAM tariffs for the pricing engine.

Three ways in, as on the "Sélectionner un acte CCAM" screens:

- by the start of a code: ``AFL`` → AFLA003, AFLB001, …;
- by words of the label, in any order and without accents: ``inj peridur`` → the acts whose label has a
  word starting with ``inj`` and one starting with ``peridur``;
- by keyword: ``Péri`` → the keywords starting with it (``péridural``, ``péridurale``, …), then a keyword →
  its acts.

Searches are answered from an in-memory index of the active version (``feuille.nomenclature.ccam_index``),
loaded once per database handle and re-validated against the active version at most every
``REFRESH_SECONDS`` (at once after an import through the same handle): a search then takes microseconds,
where even an indexed query costs a round trip. The same searches exist in SQL (``sql_*``): every prefix is
a ``LIKE 'x%'`` (PostgreSQL, on ``text_pattern_ops`` indexes) or a range ``>= 'x' AND < 'y'`` (SQLite, whose
``LIKE`` ignores a binary index) on folded columns; the tests check that both give the same answers, and
the benchmark times both.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from feuille.auth import Context, Permission, require
from feuille.errors import NotFoundError, ValidationError
from feuille.nomenclature.ccam import MIN_KEYWORD, STOPWORDS, fold, fold_code
from feuille.nomenclature.ccam_index import CcamSearchIndex, IndexedAct
from feuille.nomenclature.tariffs import CcamTariff, normal_exo_tm
from feuille.storage import Database
from feuille.storage.models import CcamActRow, CcamKeywordRow, CcamModifierRow, CcamPriceRow, CcamVersion

ACTS = CcamActRow.__table__
KEYWORDS = CcamKeywordRow.__table__
PRICES = CcamPriceRow.__table__
MODIFIERS = CcamModifierRow.__table__
VERSIONS = CcamVersion.__table__
DEFAULT_LIMIT = 50
MAX_WORDS = 8
REFRESH_SECONDS = 1.0  # how stale an index may be when another process imports a new version


@dataclass(frozen=True)
class ActSummary:
    code: str
    label: str
    short_label: str
    not_covered: bool


@dataclass(frozen=True)
class PriceLine:
    activity: str
    phase: str
    sector1: Decimal | None
    non_sector1: Decimal | None
    valid_from: date | None


@dataclass(frozen=True)
class ActDetail:
    code: str
    label: str
    short_label: str
    not_covered: bool
    reimbursement_conditions: bool
    prior_agreement: bool
    exo_tm: str
    grouping: str
    valid_from: date | None
    valid_to: date | None
    prices: tuple[PriceLine, ...]
    modifiers: tuple[str, ...]
    version: str


@dataclass(frozen=True)
class VersionInfo:
    id: int
    version: str
    applicable_from: date
    imported_at: datetime
    imported_by: str
    source_file: str
    source_format: str
    act_count: int


def _active_version() -> Any:
    return select(VERSIONS.c.id).where(VERSIONS.c.active.is_(True)).scalar_subquery()


def _starts_with(column: Any, prefix: str, dialect: str) -> ColumnElement[bool]:
    """``column`` starts with ``prefix`` (letters and digits only, so no LIKE wildcard can slip in)."""
    if dialect == "postgresql":
        return column.like(prefix + "%")  # type: ignore[no-any-return]
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return (column >= prefix) & (column < upper)  # type: ignore[no-any-return]


def _summaries(ctx: Context, statement: Select[Any]) -> list[ActSummary]:
    with ctx.db.engine.connect() as connection:
        return [ActSummary(code, label, short or "", bool(nc)) for code, label, short, nc in
                connection.execute(statement)]


def _acts() -> Select[Any]:
    return select(ACTS.c.code, ACTS.c.label, ACTS.c.short_label, ACTS.c.not_covered)


def _limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise ValidationError("Nombre de résultats : entre 1 et 1000.", code="limit", field="limite")
    return limit


def _code_prefix(text: str) -> str:
    prefix = fold_code(text if isinstance(text, str) else "")
    if not prefix:
        raise ValidationError("Saisissez le début d'un code CCAM (par exemple AFL).", code="ccam_query",
                              field="texte")
    return prefix


def _words(text: str) -> list[str]:
    words = list(dict.fromkeys(fold(text if isinstance(text, str) else "").split()))[:MAX_WORDS]
    if not words:
        raise ValidationError("Saisissez un ou plusieurs mots du libellé.", code="ccam_query", field="texte")
    return words


def _keyword(text: str, what: str) -> str:
    folded = fold(text if isinstance(text, str) else "").replace(" ", "")
    if not folded:
        raise ValidationError(f"Saisissez {what} (par exemple Péri).", code="ccam_query", field="texte")
    return folded


# --- the searches, from the in-memory index of the active version ------------------------------------------

def search_code_prefix(ctx: Context, text: str, limit: int = DEFAULT_LIMIT) -> list[ActSummary]:
    """The acts whose code starts with ``text`` (``AFL``, ``afl b``...), in code order."""
    require(ctx, Permission.READ)
    prefix, limit = _code_prefix(text), _limit(limit)
    index = _index(ctx.db)
    if index is None:
        return sql_search_code_prefix(ctx, prefix, limit)
    return [_summary(act) for act in index.by_code_prefix(prefix, limit)]


def search_words(ctx: Context, text: str, limit: int = DEFAULT_LIMIT) -> list[ActSummary]:
    """The acts whose label holds every word typed (each as the start of a word; short words anywhere)."""
    require(ctx, Permission.READ)
    words, limit = _words(text), _limit(limit)
    index = _index(ctx.db)
    if index is None:
        return sql_search_words(ctx, " ".join(words), limit)
    return [_summary(act) for act in index.by_words(" ".join(words), limit)]


def search_keywords(ctx: Context, prefix: str, limit: int = 100) -> list[str]:
    """The keywords starting with ``prefix`` (``Péri`` → ``péridural``, ``péridurale``, …), accents ignored."""
    require(ctx, Permission.READ)
    folded, limit = _keyword(prefix, "le début d'un mot-clé"), _limit(limit)
    index = _index(ctx.db)
    if index is None:
        return sql_search_keywords(ctx, folded, limit)
    return index.keywords(folded, limit)


def acts_for_keyword(ctx: Context, keyword: str, limit: int = 200) -> list[ActSummary]:
    """The acts of one keyword (``péridurale`` → AFLB001, AFLB007, …)."""
    require(ctx, Permission.READ)
    folded, limit = _keyword(keyword, "un mot-clé"), _limit(limit)
    index = _index(ctx.db)
    if index is None:
        return sql_acts_for_keyword(ctx, folded, limit)
    return [_summary(act) for act in index.by_keyword(folded, limit)]


def _summary(act: IndexedAct) -> ActSummary:
    return ActSummary(act.code, act.label, act.short_label, act.not_covered)


@dataclass
class _Loaded:
    stamp: tuple[int, datetime] | None  # the active version (id, imported_at) the index was built from
    checked: float  # time.monotonic() of the last check
    index: CcamSearchIndex | None


_INDEXES: weakref.WeakKeyDictionary[Database, _Loaded] = weakref.WeakKeyDictionary()
_GENERATIONS: weakref.WeakKeyDictionary[Database, int] = weakref.WeakKeyDictionary()  # bumped by forget()
_LOCK = threading.Lock()


def _active_stamp(connection: Any) -> tuple[int, datetime] | None:
    row = connection.execute(select(VERSIONS.c.id, VERSIONS.c.imported_at).where(VERSIONS.c.active.is_(True))).first()
    return (row.id, row.imported_at) if row else None


def _index(db: Database) -> CcamSearchIndex | None:
    """The index of the active version, rebuilt when the active version changed (checked every second).

    None on the first search through a handle (and when nothing is imported): loading the index costs about
    half a second, worth it from the second search on, not for a one-shot command; the caller then asks SQL.
    """
    now = time.monotonic()
    loaded = _INDEXES.get(db)
    if loaded is None:
        _INDEXES[db] = _Loaded(None, float("-inf"), None)
        return None
    if now - loaded.checked < REFRESH_SECONDS:
        return loaded.index
    with _LOCK, db.engine.connect() as connection:
        stamp = _active_stamp(connection)
        if stamp != loaded.stamp or (stamp is not None and loaded.index is None):
            loaded = _Loaded(stamp, now, _load(connection, stamp[0]) if stamp else None)
        else:
            loaded.checked = now
        _INDEXES[db] = loaded
        return loaded.index


def _load(connection: Any, version_id: int) -> CcamSearchIndex:
    acts = [IndexedAct(code, label, short or "", bool(nc), folded) for code, label, short, nc, folded in
            connection.execute(_acts().add_columns(ACTS.c.label_folded).where(ACTS.c.version_id == version_id)).all()]
    rows = connection.execute(select(ACTS.c.code, KEYWORDS.c.word, KEYWORDS.c.word_folded)
                              .join(ACTS, ACTS.c.id == KEYWORDS.c.act_id)
                              .where(KEYWORDS.c.version_id == version_id)).all()  # fetchall: twice as fast
    return CcamSearchIndex(acts, ((code, word, folded) for code, word, folded in rows))


def forget(db: Database) -> None:
    """Drop the cached index and tariffs of a database handle (after an import through it)."""
    with _LOCK:
        _INDEXES.pop(db, None)
        _GENERATIONS[db] = _GENERATIONS.get(db, 0) + 1


# --- the same searches in SQL, on the prefix indexes (cross-checked by the tests, timed by the benchmark) ---

def sql_search_code_prefix(ctx: Context, text: str, limit: int = DEFAULT_LIMIT) -> list[ActSummary]:
    require(ctx, Permission.READ)
    prefix, limit = _code_prefix(text), _limit(limit)
    statement = (_acts().where(ACTS.c.version_id == _active_version(),
                               _starts_with(ACTS.c.code, prefix, ctx.db.dialect))
                 .order_by(ACTS.c.code).limit(limit))
    return _summaries(ctx, statement)


def sql_search_words(ctx: Context, text: str, limit: int = DEFAULT_LIMIT) -> list[ActSummary]:
    require(ctx, Permission.READ)
    words, limit = _words(text), _limit(limit)
    dialect = ctx.db.dialect
    version = _active_version()
    conditions: list[ColumnElement[bool]] = [ACTS.c.version_id == version]
    for word in words:
        if len(word) >= MIN_KEYWORD and word not in STOPWORDS:
            conditions.append(ACTS.c.id.in_(
                select(KEYWORDS.c.act_id).where(KEYWORDS.c.version_id == version,
                                                _starts_with(KEYWORDS.c.word_folded, word, dialect))))
        else:  # shorter than a keyword, or a stopword ("os", "avec"): anywhere in the label
            conditions.append(ACTS.c.label_folded.like(f"%{word}%"))
    return _summaries(ctx, _acts().where(*conditions).order_by(ACTS.c.code).limit(limit))


def sql_search_keywords(ctx: Context, prefix: str, limit: int = 100) -> list[str]:
    require(ctx, Permission.READ)
    folded, limit = _keyword(prefix, "le début d'un mot-clé"), _limit(limit)
    statement = (select(func.min(KEYWORDS.c.word))
                 .where(KEYWORDS.c.version_id == _active_version(),
                        _starts_with(KEYWORDS.c.word_folded, folded, ctx.db.dialect))
                 .group_by(KEYWORDS.c.word_folded).order_by(KEYWORDS.c.word_folded).limit(limit))
    with ctx.db.engine.connect() as connection:
        return list(connection.execute(statement).scalars())


def sql_acts_for_keyword(ctx: Context, keyword: str, limit: int = 200) -> list[ActSummary]:
    require(ctx, Permission.READ)
    folded, limit = _keyword(keyword, "un mot-clé"), _limit(limit)
    version = _active_version()
    statement = (_acts().where(ACTS.c.version_id == version, ACTS.c.id.in_(
        select(KEYWORDS.c.act_id).where(KEYWORDS.c.version_id == version, KEYWORDS.c.word_folded == folded)))
        .order_by(ACTS.c.code).limit(limit))
    return _summaries(ctx, statement)


def guess_mode(text: str) -> str:
    """``code`` when the text looks like the start of a code (``AFL``, ``AFLB0``, ``aflb001``), else ``mots``."""
    compact = text.strip()
    letters = compact[:4]
    digits = compact[4:]
    if (compact and compact.isascii() and compact.isalnum() and letters.isalpha() and len(compact) <= 7
            and (letters.isupper() or (len(letters) == 4 and digits != "")) and (not digits or digits.isdigit())):
        return "code"
    return "mots"


def search(ctx: Context, text: str, mode: str = "auto", limit: int = DEFAULT_LIMIT) -> list[ActSummary]:
    """Acts by code prefix (``code``), label words (``mots``) or one keyword (``motcle``)."""
    if mode == "auto":
        mode = guess_mode(text or "")
    if mode == "code":
        return search_code_prefix(ctx, text, limit)
    if mode == "mots":
        return search_words(ctx, text, limit)
    if mode == "motcle":
        return acts_for_keyword(ctx, text, limit)
    raise ValidationError(f"Mode de recherche « {mode} » inconnu (choix : code, mots, motcle).",
                          code="ccam_mode", field="mode")


def current_version(ctx: Context) -> VersionInfo | None:
    """The active CCAM version, or None when no table has been imported."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        row = session.execute(select(VERSIONS).where(VERSIONS.c.active.is_(True))).first()
    if row is None:
        return None
    return VersionInfo(id=row.id, version=row.version, applicable_from=row.applicable_from,
                       imported_at=row.imported_at, imported_by=row.imported_by, source_file=row.source_file,
                       source_format=row.source_format, act_count=row.act_count)


def get_act(ctx: Context, code: str) -> ActDetail:
    """One act of the active table with its prices and modifiers."""
    require(ctx, Permission.READ)
    wanted = fold_code(code or "")
    with ctx.db.read() as session:
        row = session.execute(
            select(ACTS, VERSIONS.c.version).join(VERSIONS, VERSIONS.c.id == ACTS.c.version_id)
            .where(VERSIONS.c.active.is_(True), ACTS.c.code == wanted)).first()
        if row is None:
            raise NotFoundError(f"Acte CCAM « {code} » absent de la table CCAM active.", code="ccam_unknown",
                                field="code")
        prices = session.execute(select(PRICES).where(PRICES.c.act_id == row.id)
                                 .order_by(PRICES.c.activity, PRICES.c.phase, PRICES.c.valid_from)).all()
        modifiers = session.scalars(select(MODIFIERS.c.modifier).where(MODIFIERS.c.act_id == row.id)
                                    .order_by(MODIFIERS.c.position)).all()
    return ActDetail(code=row.code, label=row.label, short_label=row.short_label, not_covered=row.not_covered,
                     reimbursement_conditions=row.reimbursement_conditions, prior_agreement=row.prior_agreement,
                     exo_tm=row.exo_tm, grouping=row.grouping, valid_from=row.valid_from, valid_to=row.valid_to,
                     prices=tuple(PriceLine(p.activity, p.phase, p.sector1, p.non_sector1, p.valid_from)
                                  for p in prices),
                     modifiers=tuple(modifiers), version=row.version)


@dataclass(frozen=True)
class _CachedAct:
    label: str
    valid_from: date | None
    valid_to: date | None
    prices: tuple[PriceLine, ...]
    modifiers: tuple[str, ...]
    exo_tm: str | None = None


class DbCcamTariffs:
    """The ``CcamTariffs`` port of the pricing engine, read from the active imported table.

    Acts are read once and cached for the active version; the active version is re-checked at most every
    ``REFRESH_SECONDS``, and at once after an import through the same database handle. A price is chosen
    among the act's prices for the activity and phase: the latest ``valid_from`` on or before the date (a
    listing's prices have none and hold for the whole version). ``price`` is None for an act "non pris en
    charge" and for a tariff the table does not publish.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._stamp: tuple[int, datetime] | None = None
        self._checked = float("-inf")
        self._generation = -1
        self._acts: dict[str, _CachedAct | None] = {}

    def ccam_tariff(self, code: str, on: date, activity: str = "1", phase: str = "0",
                    sector: int = 1) -> CcamTariff | None:
        wanted = fold_code(code if isinstance(code, str) else "")
        act = self._act(wanted) if wanted else None
        if act is None:
            return None
        if (act.valid_from and on < act.valid_from) or (act.valid_to and on > act.valid_to):
            return None
        candidates = [p for p in act.prices if p.activity == str(activity) and p.phase == str(phase)
                      and (p.valid_from is None or p.valid_from <= on)]
        if not candidates:
            return None
        chosen = max(candidates, key=lambda p: p.valid_from or date.min)
        price = chosen.sector1 if sector == 1 else chosen.non_sector1
        return CcamTariff(code=wanted, label=act.label, activity=str(activity), phase=str(phase), price=price,
                          modifiers=act.modifiers, exo_tm=act.exo_tm)

    def _act(self, code: str) -> _CachedAct | None:
        now = time.monotonic()
        generation = _GENERATIONS.get(self.db, 0)
        fresh = generation == self._generation and now - self._checked < REFRESH_SECONDS
        if fresh and code in self._acts:
            return self._acts[code]
        with self.db.engine.connect() as connection:
            if not fresh:
                stamp = _active_stamp(connection)
                if stamp != self._stamp:
                    self._stamp, self._acts = stamp, {}
                self._checked, self._generation = now, generation
            if self._stamp is None:
                return None
            if code not in self._acts:
                self._acts[code] = _read_act(connection, self._stamp[0], code)
            return self._acts[code]


_SHARED_TARIFFS: weakref.WeakKeyDictionary[Database, DbCcamTariffs] = weakref.WeakKeyDictionary()


def ccam_tariffs(db: Database) -> DbCcamTariffs:
    """The tariffs port of this database, shared by every use case: its cache of acts then outlives one invoice
    (a new ``DbCcamTariffs`` per invoice read each CCAM act from the database again, four queries a line)."""
    tariffs = _SHARED_TARIFFS.get(db)
    if tariffs is None:
        tariffs = _SHARED_TARIFFS[db] = DbCcamTariffs(db)
    return tariffs


def _read_act(connection: Any, version_id: int, code: str) -> _CachedAct | None:
    row = connection.execute(select(ACTS.c.id, ACTS.c.label, ACTS.c.valid_from, ACTS.c.valid_to, ACTS.c.exo_tm)
                             .where(ACTS.c.version_id == version_id, ACTS.c.code == code)).first()
    if row is None:
        return None
    prices = connection.execute(select(PRICES).where(PRICES.c.act_id == row.id)).all()
    modifiers = connection.execute(select(MODIFIERS.c.modifier).where(MODIFIERS.c.act_id == row.id)
                                   .order_by(MODIFIERS.c.position)).scalars().all()
    return _CachedAct(row.label, row.valid_from, row.valid_to,
                      tuple(PriceLine(p.activity, p.phase, p.sector1, p.non_sector1, p.valid_from) for p in prices),
                      tuple(modifiers), normal_exo_tm(row.exo_tm))

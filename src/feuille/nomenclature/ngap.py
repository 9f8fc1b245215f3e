"""NGAP and COx acts valid by date, read from the versioned data files in ``data/``.

A code may appear several times when its tariff depends on the profession (IK is 0.61 for a
doctor and 0.35 for a nurse): an entry is found by (code, profession). Each entry carries dated
tariffs; the one applied is the one valid on the date of care, bounds included. Every period names
its public source (a key of the document's ``sources``); a period whose amount no source gives has
``price`` null, so the user types the price. Values a source gives without dates are kept apart
(``undated``): shown to the user, never used to price.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from feuille.money import MoneyError, parse_amount
from feuille.nomenclature.periods import period_problems

PROFESSIONS = frozenset(
    {"medecin", "sage_femme", "infirmier", "kinesitherapeute", "chirurgien_dentiste", "opticien"}
)
DEFAULT_FILES = ("ngap.json", "ngap_cox.json")


class TableError(ValueError):
    """A data file that does not describe a valid table (a bug in the shipped data, not user input)."""


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    title: str
    url: str
    date: str  # the date of the text or page (AAAA-MM-JJ)
    kind: str  # "texte officiel", "site syndical", "table d'éditeur"...


@dataclass(frozen=True, slots=True)
class Tariff:
    valid_from: date
    valid_to: date | None  # inclusive; None: still valid
    price: Decimal | None  # None: no source gives the amount of this period (price typed by the user)
    source: str = ""  # key of the document's ``sources``
    note: str | None = None

    def covers(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True, slots=True)
class UndatedValue:
    """An amount a source gives without the dates it applies to: information, never a tariff."""

    price: Decimal
    until: date | None
    source: str
    note: str | None


@dataclass(frozen=True, slots=True)
class NgapAct:
    code: str
    label: str
    table: str  # "ngap" or "cox"
    professions: frozenset[str]
    tariffs: tuple[Tariff, ...]
    prescription: bool
    entente_prealable: bool
    majorations: tuple[str, ...]
    is_majoration: bool
    undated: tuple[UndatedValue, ...] = ()

    def tariff_on(self, on: date) -> Decimal | None:
        """The unit tariff valid on ``on``, or None when no sourced period covers that date."""
        for tariff in self.tariffs:
            if tariff.valid_from <= on and (tariff.valid_to is None or on <= tariff.valid_to):
                return tariff.price
        return None

    def period_on(self, on: date) -> Tariff | None:
        return next((t for t in self.tariffs if t.covers(on)), None)

    @property
    def first_date(self) -> date:
        return self.tariffs[0].valid_from

    def missing_tariff(self, on: date) -> str | None:
        """Why no tariff applies on ``on``, in French (None when one does): the dates the table knows."""
        period = self.period_on(on)
        if period is not None and period.price is not None:
            return None
        if on < self.first_date:
            return (f"le premier tarif connu de {self.code} date du {self.first_date:%d/%m/%Y}, "
                    f"aucun tarif au {on:%d/%m/%Y}")
        if period is not None:
            end = "" if period.valid_to is None else f" au {period.valid_to:%d/%m/%Y}"
            return (f"aucune source ne donne le tarif de {self.code} du {period.valid_from:%d/%m/%Y}{end}"
                    f" ({on:%d/%m/%Y} demandé)")
        last = self.tariffs[-1]
        return f"le tarif de {self.code} n'est plus connu après le {last.valid_to:%d/%m/%Y}"


class NgapTable:
    """Lookup of NGAP / COx acts by code and profession."""

    def __init__(self, acts: Iterable[NgapAct], versions: Mapping[str, str],
                 sources: Mapping[str, Source] | None = None) -> None:
        self.versions = dict(versions)
        self.sources = dict(sources or {})
        self._by_key: dict[tuple[str, str], NgapAct] = {}
        self._by_code: dict[str, list[NgapAct]] = {}
        for act in acts:
            for profession in act.professions:
                key = (act.code, profession)
                if key in self._by_key:
                    raise TableError(f"duplicate act {act.code} for {profession}")
                self._by_key[key] = act
            self._by_code.setdefault(act.code, []).append(act)

    def find(self, code: str, profession: str) -> NgapAct | None:
        """The entry of ``code`` for ``profession``, or None."""
        return self._by_key.get((code, profession))

    def knows(self, code: str) -> bool:
        """True when some profession may bill ``code``."""
        return code in self._by_code

    def bills_ngap(self, profession: str) -> bool:
        """True when the tables hold NGAP / COx codes for ``profession`` (an optician's codes are LPP, not NGAP)."""
        return any(key[1] == profession for key in self._by_key)

    def professions_for(self, code: str) -> frozenset[str]:
        return frozenset(p for act in self._by_code.get(code, ()) for p in act.professions)

    def entries(self, code: str) -> list[NgapAct]:
        """Every entry of ``code`` (one per group of professions sharing its tariffs)."""
        return list(self._by_code.get(code, ()))

    def acts(self) -> list[NgapAct]:
        return [act for acts in self._by_code.values() for act in acts]

    @classmethod
    def from_documents(cls, documents: Iterable[Mapping[str, Any]]) -> NgapTable:
        acts: list[NgapAct] = []
        versions: dict[str, str] = {}
        sources: dict[str, Source] = {}
        for document in documents:
            table = _text(document, "table")
            versions[table] = _text(document, "version")
            _merge_sources(sources, _read_sources(document.get("sources"), table))
            raw_acts = document.get("acts")
            if not isinstance(raw_acts, list):
                raise TableError(f"{table}: 'acts' must be a list")
            for raw in raw_acts:
                act = _read_act(raw, table)
                unknown = {t.source for t in act.tariffs} | {u.source for u in act.undated}
                if not unknown <= sources.keys():
                    raise TableError(f"{act.code}: unknown source {sorted(unknown - sources.keys())}")
                acts.append(act)
        return cls(acts, versions, sources)


def _merge_sources(into: dict[str, Source], found: dict[str, Source]) -> None:
    for key, source in found.items():
        if into.get(key, source) != source:
            raise TableError(f"source {key!r} defined twice differently")
        into[key] = source


def _read_sources(raw: object, table: str) -> dict[str, Source]:
    if not isinstance(raw, dict) or not raw:
        raise TableError(f"{table}: 'sources' must be a non-empty object")
    sources: dict[str, Source] = {}
    for key, item in raw.items():
        if not isinstance(item, dict):
            raise TableError(f"{table}: source {key!r} must be an object")
        _date(item.get("date"), f"source {key}")
        sources[key] = Source(key, _text(item, "title"), _text(item, "url"), _text(item, "date"),
                              _text(item, "kind"))
    return sources


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise TableError(f"missing text field {key!r} in {raw!r:.80}")
    return value


def _optional_text(raw: Mapping[str, Any], key: str) -> str | None:
    return None if raw.get(key) is None else _text(raw, key)


def _flag(raw: Mapping[str, Any], key: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise TableError(f"{key!r} must be true or false in {raw!r:.80}")
    return value


def _date(value: object, what: str) -> date:
    if not isinstance(value, str):
        raise TableError(f"{what}: a date is expected, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise TableError(f"{what}: invalid date {value!r}") from exc


def _price(value: object, code: str) -> Decimal:
    try:
        return parse_amount(value)
    except MoneyError as exc:
        raise TableError(f"{code}: {exc}") from exc


def _read_tariffs(raw: object, code: str) -> tuple[Tariff, ...]:
    if not isinstance(raw, list) or not raw:
        raise TableError(f"{code}: 'tariffs' must be a non-empty list")
    tariffs: list[Tariff] = []
    for item in raw:
        if not isinstance(item, dict):
            raise TableError(f"{code}: a tariff must be an object")
        valid_to = None if item.get("to") is None else _date(item["to"], f"{code}.to")
        price = None if item.get("price", "") is None else _price(item.get("price"), code)
        tariffs.append(Tariff(_date(item.get("from"), f"{code}.from"), valid_to, price,
                              _text(item, "source"), _optional_text(item, "note")))
    problems = period_problems(tariffs)
    if problems:
        raise TableError(f"{code}: " + "; ".join(problems))
    return tuple(tariffs)


def _read_undated(raw: object, code: str) -> tuple[UndatedValue, ...]:
    if not isinstance(raw, list):
        raise TableError(f"{code}: 'undated' must be a list")
    values: list[UndatedValue] = []
    for item in raw:
        if not isinstance(item, dict):
            raise TableError(f"{code}: an undated value must be an object")
        until = None if item.get("until") is None else _date(item["until"], f"{code}.until")
        values.append(UndatedValue(_price(item.get("price"), code), until, _text(item, "source"),
                                   _optional_text(item, "note")))
    return tuple(values)


def _read_act(raw: object, table: str) -> NgapAct:
    if not isinstance(raw, dict):
        raise TableError(f"{table}: an act must be an object")
    code = _text(raw, "code")
    professions = raw.get("professions")
    if not isinstance(professions, list) or not professions or not set(professions) <= PROFESSIONS:
        raise TableError(f"{code}: unknown or missing professions {professions!r}")
    majorations = raw.get("majorations", [])
    if not isinstance(majorations, list) or not all(isinstance(m, str) for m in majorations):
        raise TableError(f"{code}: 'majorations' must be a list of codes")
    return NgapAct(
        code=code,
        label=_text(raw, "label"),
        table=table,
        professions=frozenset(professions),
        tariffs=_read_tariffs(raw.get("tariffs"), code),
        prescription=_flag(raw, "prescription"),
        entente_prealable=_flag(raw, "entente_prealable"),
        majorations=tuple(majorations),
        is_majoration=_flag(raw, "majoration"),
        undated=_read_undated(raw.get("undated", []), code),
    )


def load_document(name: str) -> dict[str, Any]:
    """A JSON data file shipped in ``feuille/nomenclature/data``."""
    text = resources.files("feuille.nomenclature").joinpath("data", name).read_text(encoding="utf-8")
    document = json.loads(text)
    if not isinstance(document, dict):
        raise TableError(f"{name}: a JSON object is expected")
    return document


@lru_cache(maxsize=1)
def default_table() -> NgapTable:
    """The NGAP and COx tables shipped with feuille (read once)."""
    return NgapTable.from_documents(load_document(name) for name in DEFAULT_FILES)

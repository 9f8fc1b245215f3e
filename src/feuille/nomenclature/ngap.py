"""NGAP and COx acts valid by date, read from the versioned data files in ``data/``.

A code may appear several times when its tariff depends on the profession (IK is 0.61 for a
doctor and 0.35 for a nurse): an entry is found by (code, profession). Each entry carries dated
tariffs; the one applied is the one valid on the date of care, bounds included.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from feuille.money import MoneyError, parse_amount

PROFESSIONS = frozenset(
    {"medecin", "sage_femme", "infirmier", "kinesitherapeute", "chirurgien_dentiste", "opticien"}
)
DEFAULT_FILES = ("ngap.json", "ngap_cox.json")


class TableError(ValueError):
    """A data file that does not describe a valid table (a bug in the shipped data, not user input)."""


@dataclass(frozen=True, slots=True)
class Tariff:
    valid_from: date
    valid_to: date | None  # inclusive; None: still valid
    price: Decimal

    def covers(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


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

    def tariff_on(self, on: date) -> Decimal | None:
        """The unit tariff valid on ``on``, or None when no period covers that date."""
        for tariff in self.tariffs:
            if tariff.valid_from <= on and (tariff.valid_to is None or on <= tariff.valid_to):
                return tariff.price
        return None


class NgapTable:
    """Lookup of NGAP / COx acts by code and profession."""

    def __init__(self, acts: Iterable[NgapAct], versions: Mapping[str, str]) -> None:
        self.versions = dict(versions)
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

    def professions_for(self, code: str) -> frozenset[str]:
        return frozenset(p for act in self._by_code.get(code, ()) for p in act.professions)

    def acts(self) -> list[NgapAct]:
        return [act for acts in self._by_code.values() for act in acts]

    @classmethod
    def from_documents(cls, documents: Iterable[Mapping[str, Any]]) -> NgapTable:
        acts: list[NgapAct] = []
        versions: dict[str, str] = {}
        for document in documents:
            table = _text(document, "table")
            versions[table] = _text(document, "version")
            raw_acts = document.get("acts")
            if not isinstance(raw_acts, list):
                raise TableError(f"{table}: 'acts' must be a list")
            acts.extend(_read_act(raw, table) for raw in raw_acts)
        return cls(acts, versions)


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise TableError(f"missing text field {key!r} in {raw!r:.80}")
    return value


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


def _read_tariffs(raw: object, code: str) -> tuple[Tariff, ...]:
    if not isinstance(raw, list) or not raw:
        raise TableError(f"{code}: 'tariffs' must be a non-empty list")
    tariffs: list[Tariff] = []
    for item in raw:
        if not isinstance(item, dict):
            raise TableError(f"{code}: a tariff must be an object")
        valid_to = None if item.get("to") is None else _date(item["to"], f"{code}.to")
        try:
            price = parse_amount(item.get("price"))
        except MoneyError as exc:
            raise TableError(f"{code}: {exc}") from exc
        tariff = Tariff(_date(item.get("from"), f"{code}.from"), valid_to, price)
        if valid_to is not None and valid_to < tariff.valid_from:
            raise TableError(f"{code}: period ends before it starts")
        tariffs.append(tariff)
    tariffs.sort(key=lambda t: t.valid_from)
    for before, after in itertools.pairwise(tariffs):
        if before.valid_to is None or before.valid_to >= after.valid_from:
            raise TableError(f"{code}: overlapping tariff periods")
    return tuple(tariffs)


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

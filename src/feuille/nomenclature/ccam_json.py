"""Reader of the CCAM as clean gzipped JSON arrays (nomensland, derived from the official CCAM NX file).

Three files sit side by side (see ``docs/ccam.md``):

- ``ccam_actes.json.gz``: one object per code, ``code``, ``libelle_court``, ``libelle_long``, ``date_debut``,
  ``date_fin`` (ended acts);
- ``ccam_tarifs.json.gz``: the sector-1 tariff per ``code`` / ``activite`` / ``phase`` / ``date_effet``, with
  its history since 2005;
- ``ccam_tarifs_detailles.json.gz`` (optional): one column per tariff grid; grid 14 ("autres spécialités
  médicales, s2 / non conventionné") is the listing's "hors secteur 1" tariff.

The files carry no version: it comes from the caller (the README of the data says 78.10). Each tariff keeps
its ``date_effet`` so that the tariff of a past date can be found. ``line`` is the 1-based position of the
record in its array.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from feuille.domain.identifiers import CCAM_CODE
from feuille.nomenclature.ccam import (
    CcamAct,
    CcamError,
    CcamPrice,
    CcamTable,
    ParseResult,
    clean_label,
    parse_price,
)

DEFAULT_VERSION = "78.10"
NON_SECTOR1_GRID = "14"
ACTS_FILE = "ccam_actes.json.gz"
TARIFFS_FILE = "ccam_tarifs.json.gz"
DETAILED_FILE = "ccam_tarifs_detailles.json.gz"

_Key = tuple[str, str, str, date]  # code, activity, phase, effective date


def load_array(data: bytes, name: str) -> tuple[list[Any] | None, CcamError | None]:
    """A JSON array from gzipped (or plain) bytes, or why it could not be read."""
    try:
        raw = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
        value = json.loads(raw.decode("utf-8"))
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError) as exc:
        return None, CcamError(0, f"{name} : un tableau JSON (gzip)", f"{type(exc).__name__}: {exc}"[:120])
    if not isinstance(value, list):
        return None, CcamError(0, f"{name} : un tableau JSON", type(value).__name__)
    return value, None


def _date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _amount(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(value)
    return parse_price(str(value))


def _detailed(rows: list[Any], errors: list[CcamError]) -> dict[_Key, Decimal | None]:
    found: dict[_Key, Decimal | None] = {}
    for index, row in enumerate(rows, start=1):
        effective = _date(row.get("date_effet")) if isinstance(row, dict) else None
        if not isinstance(row, dict) or effective is None:
            errors.append(CcamError(index, f"{DETAILED_FILE} : un tarif daté", str(row)[:80]))
            continue
        value = row.get(NON_SECTOR1_GRID)
        try:
            amount = None if value is None else _amount(value)
        except ValueError:
            errors.append(CcamError(index, f"{DETAILED_FILE} : un tarif en euros", str(value)))
            continue
        found[(str(row.get("code")), str(row.get("activite")), str(row.get("phase")), effective)] = amount
    return found


def _prices(rows: list[Any], detailed: dict[_Key, Decimal | None], errors: list[CcamError]
            ) -> dict[str, list[CcamPrice]]:
    by_code: dict[str, list[CcamPrice]] = defaultdict(list)
    for index, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            errors.append(CcamError(index, f"{TARIFFS_FILE} : un objet", str(row)[:80]))
            continue
        code, activity, phase = str(row.get("code", "")), str(row.get("activite", "")), str(row.get("phase", ""))
        effective = _date(row.get("date_effet"))
        if not CCAM_CODE.fullmatch(code) or not activity.isdigit() or not phase.isdigit() or effective is None:
            errors.append(CcamError(index, f"{TARIFFS_FILE} : code, activite, phase, date_effet",
                                    str(row)[:80]))
            continue
        try:
            sector1 = _amount(row.get("tarif"))
        except ValueError:
            errors.append(CcamError(index, f"{TARIFFS_FILE} : un tarif en euros", str(row.get("tarif"))))
            continue
        by_code[code].append(CcamPrice(activity=activity, phase=phase, sector1=sector1,
                                       non_sector1=detailed.get((code, activity, phase, effective)),
                                       valid_from=effective, line=index))
    return by_code


def parse_nomensland(acts_data: bytes, tariffs_data: bytes, detailed_data: bytes | None = None, *,
                     version: str = DEFAULT_VERSION, applicable_from: date | None = None) -> ParseResult:
    """Read the nomensland files. ``applicable_from`` defaults to the latest tariff date found."""
    errors: list[CcamError] = []
    acts_rows, problem = load_array(acts_data, ACTS_FILE)
    tariff_rows, problem2 = load_array(tariffs_data, TARIFFS_FILE)
    detailed_rows: list[Any] | None = None
    problem3 = None
    if detailed_data is not None:
        detailed_rows, problem3 = load_array(detailed_data, DETAILED_FILE)
    problems = [p for p in (problem, problem2, problem3) if p is not None]
    if acts_rows is None or tariff_rows is None or problems:
        return ParseResult(None, problems)
    detailed = _detailed(detailed_rows, errors) if detailed_rows is not None else {}
    prices = _prices(tariff_rows, detailed, errors)

    acts: list[CcamAct] = []
    seen: set[str] = set()
    for index, row in enumerate(acts_rows, start=1):
        code = str(row.get("code", "")) if isinstance(row, dict) else ""
        if not isinstance(row, dict) or not CCAM_CODE.fullmatch(code):
            errors.append(CcamError(index, f"{ACTS_FILE} : un acte avec un code CCAM", str(row)[:80]))
            continue
        if code in seen:
            errors.append(CcamError(index, f"{ACTS_FILE} : un code unique", code))
            continue
        seen.add(code)
        label = clean_label(str(row.get("libelle_long") or row.get("libelle_court") or ""))
        if not label:
            errors.append(CcamError(index, f"le libellé de l'acte {code}", ""))
            continue
        acts.append(CcamAct(code=code, label=label, line=index,
                            short_label=clean_label(str(row.get("libelle_court") or "")),
                            prices=tuple(sorted(prices.get(code, ()), key=_price_order)),
                            valid_from=_date(row.get("date_debut")), valid_to=_date(row.get("date_fin"))))
    for code in sorted(set(prices) - seen):
        errors.append(CcamError(prices[code][0].line, f"{TARIFFS_FILE} : un tarif d'un acte connu", code))
    if applicable_from is None:
        dates = [p.valid_from for act in acts for p in act.prices if p.valid_from is not None]
        applicable_from = max(dates) if dates else date(1970, 1, 1)
    return ParseResult(CcamTable(version=version, applicable_from=applicable_from, acts=tuple(acts), source="json"),
                       errors)


def _price_order(price: CcamPrice) -> tuple[str, str, date]:
    return price.activity, price.phase, price.valid_from or date.min

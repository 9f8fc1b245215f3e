"""Search patients by the first letters of their last or first name, fast on a million rows.

One SQL statement, two index range scans glued by ``UNION ALL``: the patients whose ``last_name_key`` starts with
the prefix (index ``(last_name_key, first_name_key, id)``) and those whose ``first_name_key`` does (index
``(first_name_key, last_name_key, id)``), each ``ORDER BY`` its index and ``LIMIT n``. ``key >= 'DUP' AND key <
'DUQ'`` is what ``LIKE 'DUP%'`` means under a byte-order collation (SQLite; "C" on PostgreSQL), so each branch
reads at most ``n`` index entries whatever the table size. The two sorted lists are merged here: results are ordered
by the name that matched, then the other name, ascending or descending. Statements are built once (bound
parameters) and run on a plain connection: at this speed the ORM's own overhead would dominate.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import bindparam, literal, select, union_all

from feuille.auth import Context, Permission, require
from feuille.domain import fields
from feuille.domain.identifiers import compact
from feuille.errors import ValidationError
from feuille.storage.models import Patient


@dataclass(frozen=True)
class PatientSummary:
    id: int
    last_name: str
    first_name: str | None
    birth_date: str  # JJ/MM/AAAA (may be lunar)
    rank: int
    insured_nir: str | None
    source: str


_SUMMARY = (Patient.id, Patient.last_name, Patient.first_name, Patient.last_name_key, Patient.first_name_key,
            Patient.birth_date, Patient.lunar, Patient.rank, Patient.insured_nir, Patient.source)


def _branch(by_first_name: bool, desc: bool, ranged: bool) -> Any:
    match, other = ((Patient.first_name_key, Patient.last_name_key) if by_first_name
                    else (Patient.last_name_key, Patient.first_name_key))
    query = select(*_SUMMARY, literal(1 if by_first_name else 0).label("branch"))
    if ranged:
        query = query.where(match >= bindparam("low"), match < bindparam("high"))
    columns = (match, other, Patient.id)
    return query.order_by(*(c.desc() if desc else c.asc() for c in columns)).limit(bindparam("n"))


@cache
def _statement(desc: bool, ranged: bool) -> Any:
    if not ranged:
        return _branch(False, desc, False)
    by_last = _branch(False, desc, True).subquery()
    by_first = _branch(True, desc, True).subquery()
    return union_all(select(by_last), select(by_first))


def search_patients(ctx: Context, prefix: str | None = None, *, order: str = "asc",
                    limit: int = 50) -> list[PatientSummary]:
    """Patients whose last name or first name starts with ``prefix`` (case and accents ignored).

    Without a prefix: every patient by last name, then first name. ``limit`` 1 to 1000.
    """
    require(ctx, Permission.READ)
    if order not in ("asc", "desc"):
        raise ValidationError(f"Ordre : « asc » ou « desc » attendu, « {order} » reçu.", code="order", field="order")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise ValidationError(f"Limite : entre 1 et 1000, « {limit} » reçu.", code="limit", field="limit")
    key = fields.search_key(prefix or "")
    desc = order == "desc"
    params: dict[str, object] = {"n": limit}
    if key:
        params.update(low=key, high=fields.prefix_upper_bound(key))
    with ctx.db.engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(_statement(desc, bool(key)), params)]
    return _merge(rows, desc, limit)


def _merge(rows: Sequence[Any], desc: bool, limit: int) -> list[PatientSummary]:
    # Rows are plain tuples in _SUMMARY order + branch: (id, last, first, last_key, first_key, birth, lunar, rank,
    # insured_nir, source, branch). Positional access: this runs for every keystroke of a search box.
    keyed = [((r[4], r[3], r[0]) if r[10] else (r[3], r[4], r[0]), r) for r in rows]
    keyed.sort(key=lambda pair: pair[0], reverse=desc)
    seen: set[int] = set()
    result: list[PatientSummary] = []
    for _, r in keyed:
        if r[0] in seen:
            continue
        seen.add(r[0])
        birth = r[5]
        result.append(PatientSummary(r[0], r[1], r[2], f"{birth[6:]}/{birth[4:6]}/{birth[:4]}", r[7], r[8], r[9]))
        if len(result) == limit:
            break
    return result


# --- the search box: a name, a NIR or a birth date -----------------------------------------------------------------

_BIRTH = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
#: Digits typed before the search reads them as the start of a NIR (fewer could be a house number in a name box).
NIR_PREFIX_MIN = 5


def search_kind(text: str | None) -> str:
    """How the search box reads what was typed: ``naissance`` (JJ/MM/AAAA), ``nir`` (5 digits or more), ``nom``."""
    stripped = (text or "").strip()
    if _BIRTH.match(stripped):
        return "naissance"
    digits = compact(stripped)
    if len(digits) >= NIR_PREFIX_MIN and digits[:5].isdigit():
        return "nir"
    return "nom"


def find_patients(ctx: Context, text: str | None = None, *, order: str = "asc",
                  limit: int = 50) -> list[PatientSummary]:
    """The search box: a birth date JJ/MM/AAAA (lunar dates too), the first digits of the insured's NIR (5 at
    least, spaces ignored), else the first letters of a last or first name (:func:`search_patients`).

    Results by last name, first name (ascending or descending). The NIR search reads the ``insured_nir`` index
    over the prefix's range; the birth date one reads the rows of that date.
    """
    kind = search_kind(text)
    if kind == "nom":
        return search_patients(ctx, text, order=order, limit=limit)
    require(ctx, Permission.READ)
    if order not in ("asc", "desc"):
        raise ValidationError(f"Ordre : « asc » ou « desc » attendu, « {order} » reçu.", code="order", field="order")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise ValidationError(f"Limite : entre 1 et 1000, « {limit} » reçu.", code="limit", field="limit")
    query = select(*_SUMMARY)
    stripped = (text or "").strip()
    if kind == "naissance":
        found = _BIRTH.match(stripped)
        assert found is not None
        day, month, year = (int(part) for part in found.groups())
        query = query.where(Patient.birth_date == f"{year:04d}{month:02d}{day:02d}")
    else:
        prefix = compact(stripped)
        query = query.where(Patient.insured_nir >= prefix,
                            Patient.insured_nir < fields.prefix_upper_bound(prefix))
    columns = (Patient.last_name_key, Patient.first_name_key, Patient.id)
    query = query.order_by(*(c.desc() if order == "desc" else c.asc() for c in columns)).limit(limit)
    with ctx.db.engine.connect() as conn:
        rows = list(conn.execute(query))
    return [PatientSummary(r[0], r[1], r[2], f"{r[5][6:]}/{r[5][4:6]}/{r[5][:4]}", r[7], r[8], r[9]) for r in rows]

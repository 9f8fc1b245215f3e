"""Finding NGAP and COx acts like the CCAM search: by the start of a code or by words of the label.

``AM`` → AMC, AMI, AMK, AMS, AMX; ``indemnite kilo`` → the IK of every profession (words in any order,
each the start of a word of the label, accents ignored). The table is small (a few dozen codes): a scan
of pre-folded labels answers in microseconds, so no index is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from feuille.domain.validators import excerpt
from feuille.errors import NotFoundError, ValidationError
from feuille.nomenclature.ccam import fold, fold_code
from feuille.nomenclature.ngap import PROFESSIONS, NgapAct, NgapTable, Tariff
from feuille.nomenclature.rates import default_rates

MAX_LIMIT = 500
MAX_TEXT = 100


def profession_label(profession: str) -> str:
    return default_rates().professions[profession].label


def check_profession(profession: object) -> str | None:
    """The profession code as typed (``sage-femme`` accepted for ``sage_femme``), or a French refusal."""
    if profession is None:
        return None
    code = profession.strip().lower().replace("-", "_") if isinstance(profession, str) else None
    if code not in PROFESSIONS:
        choices = ", ".join(sorted(PROFESSIONS))
        raise ValidationError(f"Profession « {excerpt(profession)} » inconnue (choix : {choices}).",
                              code="unknown_profession", field="profession")
    return code


@lru_cache(maxsize=4)
def _folded(table: NgapTable) -> tuple[tuple[NgapAct, frozenset[str]], ...]:
    return tuple((act, frozenset(fold(act.label).split())) for act in table.acts())


def search(table: NgapTable, text: object, *, profession: object = None, limit: int = 50) -> list[NgapAct]:
    """Acts whose code starts with ``text``, then those whose label has a word starting with each of its
    words; only those ``profession`` may bill when it is given. Ordered by code, then profession."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        raise ValidationError(f"Texte de recherche : de 1 à {MAX_TEXT} caractères attendus.",
                              code="search_text", field="texte")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"Limite : de 1 à {MAX_LIMIT} résultats.", code="search_limit", field="limite")
    allowed = check_profession(profession)
    code = fold_code(text)
    words = fold(text).split()
    by_code: list[NgapAct] = []
    by_words: list[NgapAct] = []
    for act, label_words in _folded(table):
        if allowed is not None and allowed not in act.professions:
            continue
        if " " not in text.strip() and code and act.code.startswith(code):
            by_code.append(act)
        elif words and all(any(w.startswith(word) for w in label_words) for word in words):
            by_words.append(act)
    order = sorted(by_code, key=_order) + sorted(by_words, key=_order)
    return order[:limit]


@dataclass(frozen=True)
class Page:
    """One page of the table's codes: ``acts`` of page ``number`` (from 1) of ``pages``, ``total`` entries."""

    acts: list[NgapAct]
    number: int
    pages: int
    total: int


def listing(table: NgapTable, *, profession: object = None, page: object = 1, size: int = 50) -> Page:
    """Every entry of the tables in code order (those ``profession`` may bill when it is given), ``size`` a page:
    what a search with no text shows, so that the codes can be browsed."""
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_LIMIT:
        raise ValidationError(f"Limite : de 1 à {MAX_LIMIT} résultats.", code="search_limit", field="limite")
    allowed = check_profession(profession)
    acts = sorted((act for act, _ in _folded(table) if allowed is None or allowed in act.professions), key=_order)
    pages = max(1, -(-len(acts) // size))
    if not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= pages:
        raise ValidationError(f"Page : de 1 à {pages} ({len(acts)} actes, {size} par page), « {excerpt(page)} » "
                              "reçu.", code="search_page", field="page")
    return Page(acts[(page - 1) * size:page * size], page, pages, len(acts))


def _order(act: NgapAct) -> tuple[str, str]:
    return act.code, min(act.professions)


def entries_for(table: NgapTable, code: object, profession: object) -> list[NgapAct]:
    """The entries of ``code`` (for ``profession`` when given), or a French refusal."""
    folded = fold_code(code) if isinstance(code, str) else ""
    if not folded:
        raise ValidationError("Code NGAP : saisissez un code (par exemple AMI).", code="ngap_code", field="code")
    if not table.knows(folded):
        raise NotFoundError(f"Le code {folded} est absent des tables NGAP et COx de feuille : facturé, il "
                            "demandera un prix unitaire saisi.", code="ngap_unknown")
    chosen = check_profession(profession)
    if chosen is None:
        return table.entries(folded)
    entry = table.find(folded, chosen)
    if entry is None:
        allowed = ", ".join(sorted(profession_label(p) for p in table.professions_for(folded)))
        raise ValidationError(f"L'acte {folded} n'est pas autorisé pour un {profession_label(chosen)} "
                              f"(professions : {allowed}).", code="act_not_allowed", field="profession")
    return [entry]


def current(act: NgapAct) -> Tariff:
    """The last period of the act (the one in force when it is open-ended)."""
    return act.tariffs[-1]


def act_view(table: NgapTable, act: NgapAct, on: date | None = None) -> dict[str, Any]:
    """What ``feuille ngap afficher --json`` prints for one entry: every period with its source."""
    view: dict[str, Any] = {
        "code": act.code, "label": act.label, "table": act.table,
        "professions": sorted(act.professions),
        "professions_labels": [profession_label(p) for p in sorted(act.professions)],
        "prescription": act.prescription, "entente_prealable": act.entente_prealable,
        "majoration": act.is_majoration, "majorations": list(act.majorations),
        "tariffs": [{"from": t.valid_from, "to": t.valid_to, "price": t.price, "note": t.note,
                     "source": _source(table, t.source)} for t in act.tariffs],
        "undated": [{"price": u.price, "until": u.until, "note": u.note, "source": _source(table, u.source)}
                    for u in act.undated],
    }
    if on is not None:
        view["on"] = {"date": on, "price": act.tariff_on(on), "reason": act.missing_tariff(on)}
    return view


def _source(table: NgapTable, key: str) -> dict[str, str]:
    source = table.sources[key]
    return {"key": key, "title": source.title, "url": source.url, "date": source.date, "kind": source.kind}

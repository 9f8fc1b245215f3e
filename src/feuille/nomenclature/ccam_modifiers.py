"""CCAM modifiers (F, P, S, U, M, O, A, E, ...): amounts and percentages by specialty, from ``ccam_modifiers.json``.

The file is derived from the listing's modifier chapter (19.03, CCAM v78) by ``scripts/ccam_modifiers.py``:
each modifier has one or more rules, each with its text, the tariff in sector 1 and out of it, and who may bill
it (specialty codes, professions, "every other specialty", sectors). Picking the rule of a professional never
guesses: no rule, two rules, a rule whose condition feuille cannot check (OPTAM) or a value the listing does
not state plainly each give the reason in French, for the engine to refuse the act.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from feuille.nomenclature.ngap import TableError, load_document

DOCTOR = "medecin"


@dataclass(frozen=True, slots=True)
class ModifierRule:
    code: str
    line: int  # line of the listing, for the trace and the source
    text: str
    amount: tuple[Decimal | None, Decimal | None]  # euros added (sector 1, other sectors)
    percent: tuple[Decimal | None, Decimal | None]  # percentage of the act's price (sector 1, other sectors)
    unreadable: str | None
    every: bool  # anyone who bills CCAM acts
    others: bool  # doctors of every specialty no other rule of the modifier names
    specialties: frozenset[str]
    excluded: frozenset[str]
    professions: frozenset[str]
    dental_specialties: frozenset[str]
    sectors: frozenset[int]
    refused: str | None


@dataclass(frozen=True, slots=True)
class Applied:
    """The rule chosen for a professional and its value in the professional's sector."""

    rule: ModifierRule
    amount: Decimal | None
    percent: Decimal | None


class ModifierTable:
    def __init__(self, version: str, rules: Mapping[str, tuple[ModifierRule, ...]]) -> None:
        self.version = version
        self.rules = rules

    def apply(self, code: str, profession: str, specialty: str | None, sector: int,
              label: str = "") -> Applied | str:
        """The rule of ``code`` for this professional, or why none can be chosen (French; ``label``: the
        profession as the message names it)."""
        rules = self.rules.get(code)
        if rules is None:
            return f"le modificateur {code} n'existe pas dans la CCAM v{self.version} (chapitre 19.03)"
        named = frozenset().union(*(rule.specialties | rule.excluded for rule in rules if not rule.every))
        needs_specialty = profession == DOCTOR and any(not rule.every for rule in rules)
        if needs_specialty and not specialty:
            return (f"le modificateur {code} dépend de la spécialité du médecin : indiquez-la "
                    "(professional.specialty)")
        billed = [rule for rule in rules if _bills(rule, named, profession, specialty)]
        found = [rule for rule in billed if not rule.sectors or sector in rule.sectors]
        if billed and not found:
            sectors = sorted({s for rule in billed for s in rule.sectors})
            return f"le modificateur {code} ne s'applique, pour ce professionnel, qu'en secteur " \
                   f"{', '.join(str(s) for s in sectors)} : saisissez le total de l'acte"
        if not found:
            who = f"{label or profession}, spécialité {specialty}" if specialty else label or profession
            return f"le modificateur {code} ne s'applique pas à ce professionnel ({who}) (CCAM, chapitre 19.03)"
        if len(found) > 1:
            return f"le modificateur {code} a plusieurs valeurs pour ce professionnel (lignes " \
                   f"{', '.join(str(rule.line) for rule in found)} de la liste) : saisissez le total de l'acte"
        rule = found[0]
        if rule.refused or rule.unreadable is not None:
            return f"le modificateur {code} : " + (rule.refused or f"la valeur publiée « {rule.unreadable} » ne "
                                                   "dit pas s'il s'agit d'euros ou d'un pourcentage : saisissez "
                                                   "le total de l'acte")
        column = 0 if sector == 1 else 1
        return Applied(rule, rule.amount[column], rule.percent[column])


def _bills(rule: ModifierRule, named: frozenset[str], profession: str, specialty: str | None) -> bool:
    if rule.every or (profession in rule.professions and (not rule.dental_specialties
                                                          or specialty in rule.dental_specialties)):
        return True
    if profession != DOCTOR or specialty is None:
        return False
    if specialty in rule.specialties:
        return True
    return rule.others and specialty not in named and specialty not in rule.excluded


def _value(raw: Mapping[str, Any], key: str) -> Decimal | None:
    value = raw.get(key)
    return None if value is None else Decimal(str(value))


def _rule(code: str, raw: Mapping[str, Any]) -> ModifierRule:
    sector1, other = raw.get("sector1") or {}, raw.get("other") or {}
    unreadable = sector1.get("unreadable", other.get("unreadable"))
    try:
        return ModifierRule(
            code=code, line=int(raw["line"]), text=str(raw["text"]),
            amount=(_value(sector1, "amount"), _value(other, "amount")),
            percent=(_value(sector1, "percent"), _value(other, "percent")),
            unreadable=None if unreadable is None else str(unreadable),
            every=bool(raw.get("all")), others=bool(raw.get("others")),
            specialties=frozenset(raw.get("specialties", ())), excluded=frozenset(raw.get("except", ())),
            professions=frozenset(raw.get("professions", ())),
            dental_specialties=frozenset(raw.get("dental_specialties", ())),
            sectors=frozenset(int(s) for s in raw.get("sectors", ())),
            refused=raw.get("refused"))
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise TableError(f"ccam_modifiers: {code}: {exc}") from exc


@lru_cache(maxsize=1)
def default_modifiers() -> ModifierTable:
    """The modifier table shipped with feuille (read once)."""
    doc = load_document("ccam_modifiers.json")
    rules = {code: tuple(_rule(code, raw) for raw in entries) for code, entries in doc["modifiers"].items()}
    return ModifierTable(str(doc.get("version", "")), rules)

"""The fee (DR) and the base (TR) of one act: tariff lookup, coefficient, CCAM rules, manual total.

NGAP and COx tariffs come from the shipped tables, valid on the date of care; CCAM tariffs from the
``CcamTariffs`` port (the imported table). A price typed by the user wins over the table. Amounts are
rounded half-up to the cent once, per line.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from feuille.errors import ValidationError
from feuille.money import ZERO, round_cents
from feuille.nomenclature.ngap import NgapTable
from feuille.nomenclature.rates import RateTable
from feuille.nomenclature.tariffs import CcamTariffs
from feuille.pricing.model import Act

CCAM_CODE = re.compile(r"[A-Z]{4}[0-9]{3}")
HUNDRED = Decimal(100)
ONE = Decimal(1)
OVERRUN_QUALIFIERS = frozenset({"E", "A", "N"})


class Fee(NamedTuple):
    total: Decimal
    base: Decimal
    reimbursed: bool  # False for qualifiers N and G: nothing is reimbursed
    trace: list[str]
    warnings: list[str]
    majoration: bool = False


class Tables(NamedTuple):
    ngap: NgapTable
    rates: RateTable
    ccam: CcamTariffs


@lru_cache(maxsize=4096)
def fr_date(value: date) -> str:
    """``01/01/2025`` (cached: an invoice repeats its dates on every line)."""
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def _coef(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _field(act: Act, name: str) -> str:
    return f"acts[{act.position}].{name}"


def _ngap_unit(act: Act, profession: str, tables: Tables) -> tuple[Decimal, str, bool]:
    """(unit price, where it came from, is a majoration) of an NGAP / COx act."""
    entry = tables.ngap.find(act.code, profession)
    if entry is None:
        if tables.ngap.knows(act.code):
            label = tables.rates.professions[profession].label
            raise ValidationError(f"{_field(act, 'code')} : l'acte {act.code} n'est pas autorisé pour un {label}.",
                                  code="act_not_allowed", field=_field(act, "code"))
        if act.unit_price is None:
            raise ValidationError(
                f"{_field(act, 'unit_price')} : le code {act.code} est absent des tables NGAP et COx, "
                "le prix unitaire est obligatoire.", code="unit_price_required", field=_field(act, "unit_price"))
        return act.unit_price, "prix saisi, code hors tables", False
    if act.unit_price is not None:
        return act.unit_price, "prix saisi", entry.is_majoration
    tariff = entry.tariff_on(act.date)
    if tariff is None:
        raise ValidationError(
            f"{_field(act, 'unit_price')} : pas de tarif de {act.code} au {fr_date(act.date)} dans la table "
            f"{entry.table.upper()}, le prix unitaire est obligatoire.",
            code="unit_price_required", field=_field(act, "unit_price"))
    return tariff, f"tarif {entry.table.upper()} au {fr_date(act.date)}", entry.is_majoration


def _ccam_unit(act: Act, profession: str, sector: int, tables: Tables) -> tuple[Decimal, str]:
    if profession not in tables.rates.ccam_professions:
        label = tables.rates.professions[profession].label
        raise ValidationError(f"{_field(act, 'code')} : un acte CCAM ({act.code}) ne peut pas être facturé "
                              f"par un {label}.", code="act_not_allowed", field=_field(act, "code"))
    if act.unit_price is not None:
        return act.unit_price, "prix saisi"
    tariff = tables.ccam.ccam_tariff(act.code, act.date, act.activity or "1", act.phase or "0", sector)
    if tariff is None or tariff.price is None:
        why = "absent de la table CCAM importée" if tariff is None else "non pris en charge"
        raise ValidationError(f"{_field(act, 'unit_price')} : le code CCAM {act.code} est {why}, "
                              "le prix unitaire est obligatoire.",
                              code="unit_price_required", field=_field(act, "unit_price"))
    return tariff.price, f"tarif CCAM au {fr_date(act.date)}"


def _ccam_adjust(act: Act, tables: Tables, warnings: list[str]) -> tuple[Decimal, Decimal, str]:
    """Modifiers, association factor and supplement of a CCAM act: (factor, amount added, trace text).

    Percent modifiers raise the act's price, the association code then reduces it (2: 50 %, 3: 75 %);
    fixed modifiers and the supplement are added in full after the reduction.
    """
    notes: list[str] = []
    percent = ZERO
    added = ZERO
    for code in act.modifiers:
        modifier = tables.rates.modifiers.get(code)
        if modifier is None or (modifier.amount is None and modifier.percent is None):
            warnings.append(f"acte {act.position + 1} ({act.code}) : modificateur {code} sans valeur dans la "
                            "table, non valorisé (saisir le total si besoin).")
            continue
        if modifier.percent is not None:
            percent += modifier.percent
            notes.append(f"modificateur {code} + {_coef(modifier.percent)} %")
        if modifier.amount is not None:
            added += modifier.amount
            notes.append(f"modificateur {code} + {modifier.amount}")
    association = act.association or "1"
    share = tables.rates.associations[association]
    notes.append(f"association {association} ({share} %)")
    if act.supplement:
        added += act.supplement
        notes.append(f"supplément de charge + {act.supplement}")
    factor = (ONE + percent / HUNDRED) * share / HUNDRED if percent else Decimal(share) / HUNDRED
    return factor, added, ", ".join(notes)


def compute_fee(act: Act, profession: str, sector: int, tables: Tables, explain: bool = True,
                number: int | None = None) -> Fee:
    """Fee and base of one line (the act's quantity and coefficient included); ``number``: its line number."""
    warnings: list[str] = []
    majoration = False
    unit_base = act.base
    if CCAM_CODE.fullmatch(act.code):
        unit, source = _ccam_unit(act, profession, sector, tables)
        factor, added, notes = _ccam_adjust(act, tables, warnings)
        scale = act.coefficient * act.quantity * factor
        total = round_cents(unit * scale + added)
        base = total if unit_base is None else round_cents(unit_base * scale + added)
        shown = f"{unit!s} ({source}), activité {act.activity or '1'}, phase {act.phase or '0'}, {notes}" \
            if explain else ""
    else:
        unit, source, majoration = _ngap_unit(act, profession, tables)
        if act.modifiers or act.association:
            warnings.append(f"acte {act.position + 1} ({act.code}) : modificateurs et code association ne "
                            "s'appliquent qu'aux actes CCAM, ignorés.")
        scale = act.coefficient * act.quantity
        total = round_cents(unit * scale)
        base = total if unit_base is None else round_cents(unit_base * scale)
        shown = f"{unit!s} ({source}) × coefficient {act.coefficient!s} × {act.quantity}" if explain else ""
    line = act.position + 1 if number is None else number
    trace = [f"ligne {line} {act.code} du {fr_date(act.date)} : {shown} = {total!s}"] if explain else []
    if act.total is None and act.base is None and act.qualifier is None:
        return Fee(total, base, True, trace, warnings, majoration)
    return _finish(act, total, base, trace, warnings, sector, majoration, tables)


def _finish(act: Act, total: Decimal, base: Decimal, trace: list[str], warnings: list[str], sector: int,
            majoration: bool, tables: Tables) -> Fee:
    """Manual total, explicit base and qualifier."""
    if act.total is not None:
        trace.append(f"{act.code} : total saisi {act.total} (calculé {total})")
        if act.total > base and sector == 1 and act.qualifier not in OVERRUN_QUALIFIERS:
            warnings.append(f"acte {act.position + 1} ({act.code}) : dépassement de {act.total - base} "
                            "en secteur 1 sans qualificatif E ou A.")
        total = act.total
    if act.base is not None:
        trace.append(f"{act.code} : base de remboursement {base} (tarif de responsabilité)")
    if base > total:
        trace.append(f"{act.code} : base ramenée au total {total}")
        base = total
    reimbursed = True
    qualifier = tables.rates.qualifiers.get(act.qualifier) if act.qualifier else None
    if qualifier is not None and qualifier.free:
        total = base = ZERO
        reimbursed = False
        trace.append(f"{act.code} : qualificatif {qualifier.code} ({qualifier.label}), rien n'est facturé")
    elif qualifier is not None and not qualifier.reimbursed:
        base = ZERO
        reimbursed = False
        trace.append(f"{act.code} : qualificatif {qualifier.code} ({qualifier.label}), rien n'est remboursé")
    elif qualifier is not None:
        trace.append(f"{act.code} : qualificatif {qualifier.code} ({qualifier.label})")
    return Fee(total, base, reimbursed, trace, warnings, majoration)

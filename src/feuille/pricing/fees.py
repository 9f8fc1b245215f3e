"""The fee (DR) and the base (TR) of one act: tariff lookup, coefficient, CCAM rules, manual total.

NGAP and COx tariffs come from the shipped tables, valid on the date of care; CCAM tariffs from the
``CcamTariffs`` port (the imported table). A price typed by the user wins over the table. Amounts are
rounded half-up to the cent once, per line.

``line_fee`` is the hot path of the engine: the NGAP tariff is read straight from what ``Lookups``
remembers per code, profession and date, and the usual act (no manual total, base or qualifier) returns
without visiting the rarer rules of ``finish``.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from feuille.errors import ValidationError
from feuille.money import CENT, ZERO, round_cents
from feuille.nomenclature.rates import RateTable
from feuille.pricing.lookups import LIMIT, Context, Lookups, Tables, fr_date
from feuille.pricing.memo import remember
from feuille.pricing.model import ONE, Act

CCAM_CODE = re.compile(r"[A-Z]{4}[0-9]{3}")
HUNDRED = Decimal(100)
OVERRUN_QUALIFIERS = frozenset({"E", "A", "N"})
_IS_CCAM: dict[str, bool] = {}


def _coef(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _field(act: Act, name: str) -> str:
    return f"acts[{act.position}].{name}"


def is_ccam(code: str) -> bool:
    found = _IS_CCAM.get(code)
    if found is None:
        found = CCAM_CODE.fullmatch(code) is not None
        remember(_IS_CCAM, code, found, LIMIT)
    return found


def line_fee(act: Act, number: int, context: Context, tables: Tables, lookups: Lookups, trace: list[str] | None,
             warnings: list[str]) -> tuple[Decimal, Decimal, bool, bool, str | None]:
    """(fee, base, reimbursed, is a majoration, the fee as written in the trace) of the act of line ``number``.

    The line's trace goes to ``trace`` (None: no trace). ``reimbursed`` is False for qualifiers N and G;
    the fee's text is None when it was not written as it stands (CCAM act, or changed by ``finish``).
    """
    code, on, quantity, coefficient, typed, manual, given_base, qualifier, _, _, association, modifiers, _, _, \
        position = act
    total_text = None
    ccam = _IS_CCAM.get(code)
    if ccam or (ccam is None and is_ccam(code)):
        total, base = ccam_fee(act, number, context.profession, context.sector, tables, lookups, trace, warnings)
        majoration = False
    else:
        # ``Lookups.ngap_unit``, read inline from what it remembers when it has seen the act already.
        if typed is None:
            found = lookups.units.get((code, context.profession, on))
            unit, shown, majoration = lookups.ngap_unit(act, context.profession) if found is None else found
        else:
            words = lookups.typed.get((code, context.profession))
            if words is None:
                unit, shown, majoration = lookups.ngap_unit(act, context.profession)
            else:
                unit, shown, majoration = typed, f"{typed!s} ({words[0]})", words[1]
        if modifiers or association:
            warnings.append(f"acte {position + 1} ({code}) : modificateurs et code association ne "
                            "s'appliquent qu'aux actes CCAM, ignorés.")
        if coefficient is ONE and quantity == 1:
            scale = ONE
            total = unit  # already to the cent (tables and typed prices are read by ``parse_amount``)
        else:
            scale = coefficient * quantity
            total = (unit * scale).quantize(CENT, ROUND_HALF_UP)
        base = total if given_base is None else (given_base * scale).quantize(CENT, ROUND_HALF_UP)
        if trace is not None:
            total_text = str(total)
            trace.append(f"ligne {number} {code} du {fr_date(on)} : {shown} × coefficient "
                         f"{'1' if coefficient is ONE else coefficient!s} × {quantity} = {total_text}")
    if manual is None and given_base is None and qualifier is None:
        return total, base, True, majoration, total_text
    total, base, reimbursed = finish(act, total, base, context.sector, tables.rates, trace, warnings)
    return total, base, reimbursed, majoration, None  # the total may have changed


def ccam_fee(act: Act, number: int, profession: str, sector: int, tables: Tables, lookups: Lookups,
             trace: list[str] | None, warnings: list[str]) -> tuple[Decimal, Decimal]:
    """(fee, base) of the CCAM act of line ``number``, its trace line appended to ``trace`` (None: no trace)."""
    unit, source = _ccam_unit(act, profession, sector, tables)
    if act.modifiers or act.supplement:
        factor, added, notes = _ccam_adjust(act, tables, warnings)
    else:  # the usual case depends on the association code only
        factor, added, notes = lookups.association(act.association or "1")
    scale = act.coefficient * act.quantity * factor
    total = round_cents(unit * scale + added)
    base = total if act.base is None else round_cents(act.base * scale + added)
    if trace is not None:
        trace.append(f"ligne {number} {act.code} du {fr_date(act.date)} : {unit!s} ({source}), activité "
                     f"{act.activity or '1'}, phase {act.phase or '0'}, {notes} = {total!s}")
    return total, base


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


def finish(act: Act, total: Decimal, base: Decimal, sector: int, rates: RateTable, trace: list[str] | None,
           warnings: list[str]) -> tuple[Decimal, Decimal, bool]:
    """Manual total, explicit base and qualifier: (fee, base, reimbursed) after them.

    Their trace lines are appended to ``trace`` (None: no trace).
    """
    notes: list[str] = [] if trace is None else trace
    if act.total is not None:
        notes.append(f"{act.code} : total saisi {act.total!s} (calculé {total!s})")
        if act.total > base and sector == 1 and act.qualifier not in OVERRUN_QUALIFIERS:
            warnings.append(f"acte {act.position + 1} ({act.code}) : dépassement de {act.total - base} "
                            "en secteur 1 sans qualificatif E ou A.")
        total = act.total
    if act.base is not None:
        notes.append(f"{act.code} : base de remboursement {base!s} (tarif de responsabilité)")
    if base > total:
        notes.append(f"{act.code} : base ramenée au total {total!s}")
        base = total
    qualifier = rates.qualifiers.get(act.qualifier) if act.qualifier else None
    if qualifier is None:
        return total, base, True
    if qualifier.free:
        notes.append(f"{act.code} : qualificatif {qualifier.code} ({qualifier.label}), rien n'est facturé")
        return ZERO, ZERO, False
    if not qualifier.reimbursed:
        notes.append(f"{act.code} : qualificatif {qualifier.code} ({qualifier.label}), rien n'est remboursé")
        return total, ZERO, False
    notes.append(f"{act.code} : qualificatif {qualifier.code} ({qualifier.label})")
    return total, base, True

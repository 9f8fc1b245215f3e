"""The fee (DR) and the base (TR) of one act: tariff lookup, coefficient, CCAM rules, manual total.

NGAP and COx tariffs come from the shipped tables, valid on the date of care; CCAM tariffs from the
``CcamTariffs`` port (the imported table). A price typed by the user wins over the table. Amounts are
rounded half-up to the cent once, per line (``money.round_cents``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from feuille.domain.identifiers import is_ccam_code
from feuille.domain.invoice_fields import named
from feuille.errors import ValidationError
from feuille.money import ZERO, round_cents
from feuille.nomenclature.ccam_modifiers import default_modifiers
from feuille.nomenclature.rates import RateTable
from feuille.pricing.context import Tables, field, fr_date, ngap_unit
from feuille.pricing.model import ONE, Act, Professional
from feuille.pricing.trace import coefficient, fr

HUNDRED = Decimal(100)
OVERRUN_QUALIFIERS = frozenset({"E", "A", "N"})


class Fee(NamedTuple):
    total: Decimal
    base: Decimal
    reimbursed: bool  # False for qualifiers N and G: nothing is reimbursed
    majoration: bool  # a majoration or an indemnity, not an act of its own


def _coef(value: Decimal) -> str:
    return coefficient(value)


def line_fee(act: Act, number: int, professional: Professional, tables: Tables, trace: list[str],
             warnings: list[str]) -> Fee:
    """The fee and base of the act of line ``number``; its trace lines are appended to ``trace``."""
    if is_ccam_code(act.code):
        total, base = ccam_fee(act, number, professional, tables, trace, warnings)
        majoration = False
    else:
        unit, shown, majoration = ngap_unit(act, professional.profession, tables, warnings)
        if act.modifiers or act.association:
            warnings.append(f"acte {act.position + 1} ({act.code}) : modificateurs et code association ne "
                            "s'appliquent qu'aux actes CCAM, ignorés.")
        scale = act.coefficient * act.quantity
        total = round_cents(unit * scale)
        base = total if act.base is None else round_cents(act.base * scale)
        times = "1" if act.coefficient == ONE else fr(act.coefficient)
        trace.append(f"ligne {number} {act.code} du {fr_date(act.date)} : {shown} × coefficient "
                     f"{times} × {act.quantity} = {fr(total)}")
    total, base, reimbursed = finish(act, total, base, professional.sector, tables.rates, trace, warnings)
    return Fee(total, base, reimbursed, majoration)


def ccam_fee(act: Act, number: int, professional: Professional, tables: Tables, trace: list[str],
             warnings: list[str]) -> tuple[Decimal, Decimal]:
    """(fee, base) of the CCAM act of line ``number``, its trace line appended to ``trace``."""
    unit, source = _ccam_unit(act, professional, tables)
    factor, added, notes = _ccam_adjust(act, professional, tables, warnings)
    scale = act.coefficient * act.quantity * factor
    total = round_cents(unit * scale + added)
    base = total if act.base is None else round_cents(act.base * scale + added)
    trace.append(f"ligne {number} {act.code} du {fr_date(act.date)} : {fr(unit)} ({source}), activité "
                 f"{act.activity or '1'}, phase {act.phase or '0'}, {notes} = {fr(total)}")
    return total, base


def _ccam_unit(act: Act, professional: Professional, tables: Tables) -> tuple[Decimal, str]:
    profession = professional.profession
    if profession not in tables.rates.ccam_professions:
        label = tables.rates.professions[profession].label
        raise ValidationError(f"{named(field(act, 'code'))} : un acte CCAM ({act.code}) ne peut pas être facturé "
                              f"par un {label}.", code="act_not_allowed", field=field(act, "code"))
    if act.unit_price is not None:
        return act.unit_price, "prix saisi"
    tariff = tables.ccam.ccam_tariff(act.code, act.date, act.activity or "1", act.phase or "0",
                                     professional.sector)
    if tariff is None or tariff.price is None:
        why = "absent de la table CCAM importée" if tariff is None else "non pris en charge"
        raise ValidationError(f"{named(field(act, 'unit_price'))} : le code CCAM {act.code} est {why}, "
                              "le prix unitaire est obligatoire.",
                              code="unit_price_required", field=field(act, "unit_price"))
    return tariff.price, f"tarif CCAM au {fr_date(act.date)}"


def _ccam_adjust(act: Act, professional: Professional, tables: Tables,
                 warnings: list[str]) -> tuple[Decimal, Decimal, str]:
    """Modifiers, association factor and supplement of a CCAM act: (factor, amount added, trace text).

    Percent modifiers raise the act's price, the association code then reduces it (2: 50 %, 3: 75 %);
    fixed modifiers and the supplement are added in full after the reduction.
    """
    notes: list[str] = []
    percent = ZERO
    added = ZERO
    for code in act.modifiers:
        label = tables.rates.professions[professional.profession].label
        applied = default_modifiers().apply(code, professional.profession, professional.specialty,
                                            professional.sector, label)
        if isinstance(applied, str):
            if act.total is None:
                raise ValidationError(f"{named(field(act, 'modifiers'))} : {applied}.", code="modifier_refused",
                                      field=field(act, "modifiers"))
            warnings.append(f"acte {act.position + 1} ({act.code}) : {applied} ; non valorisé, le total saisi "
                            "est gardé.")
            continue
        if applied.percent is not None:
            percent += applied.percent
            notes.append(f"modificateur {code} + {_coef(applied.percent)} % (CCAM ligne {applied.rule.line})")
        if applied.amount is not None:
            added += applied.amount
            notes.append(f"modificateur {code} + {fr(applied.amount)} (CCAM ligne {applied.rule.line})")
    association = act.association or "1"
    share = tables.rates.associations[association]
    notes.append(f"association {association} ({share} %)")
    if act.supplement:
        added += act.supplement
        notes.append(f"supplément de charge + {fr(act.supplement)}")
    factor = (ONE + percent / HUNDRED) * share / HUNDRED if percent else Decimal(share) / HUNDRED
    return factor, added, ", ".join(notes)


def finish(act: Act, total: Decimal, base: Decimal, sector: int, rates: RateTable, notes: list[str],
           warnings: list[str]) -> tuple[Decimal, Decimal, bool]:
    """Manual total, explicit base and qualifier: (fee, base, reimbursed) after them, traced in ``notes``."""
    if act.total is not None:
        notes.append(f"{act.code} : total saisi {fr(act.total)} (calculé {fr(total)})")
        if act.total > base and sector == 1 and act.qualifier not in OVERRUN_QUALIFIERS:
            warnings.append(f"acte {act.position + 1} ({act.code}) : dépassement de {act.total - base} "
                            "en secteur 1 sans qualificatif E ou A.")
        total = act.total
    if act.base is not None:
        notes.append(f"{act.code} : base de remboursement {fr(base)} (tarif de responsabilité)")
    if base > total:
        notes.append(f"{act.code} : base ramenée au total {fr(total)}")
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

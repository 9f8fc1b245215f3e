"""The fee (DR) and the base (TR) of one act: tariff lookup, coefficient, CCAM rules, manual total.

NGAP and COx tariffs come from the shipped tables, valid on the date of care; CCAM tariffs from the
``CcamTariffs`` port (the imported table). A price typed by the user wins over the table. Amounts are
rounded half-up to the cent once, per line.

This is the hot loop of the engine: a line is a small ``__slots__`` object filled in stages, the
NGAP tariff comes from ``Lookups`` (remembered per code, profession and date), and the common case (no
manual total, base or qualifier) returns without visiting the rarer rules.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from feuille.errors import ValidationError
from feuille.money import CENT, ZERO, round_cents
from feuille.nomenclature.ngap import NgapTable
from feuille.nomenclature.rates import RateTable
from feuille.nomenclature.tariffs import CcamTariffs
from feuille.pricing.lookups import LIMIT, Lookups, Rate, fr_date
from feuille.pricing.model import ONE, Act

CCAM_CODE = re.compile(r"[A-Z]{4}[0-9]{3}")
HUNDRED = Decimal(100)
OVERRUN_QUALIFIERS = frozenset({"E", "A", "N"})
_IS_CCAM: dict[str, bool] = {}


class Tables(NamedTuple):
    ngap: NgapTable
    rates: RateTable
    ccam: CcamTariffs


class Line:
    """A line while it is being priced (mutable on purpose: the parts are filled in stages)."""

    __slots__ = ("act", "acts", "amc", "amc_text", "amo", "amo_text", "base", "majoration", "rate", "reimbursed",
                 "total", "total_text", "trace")

    def __init__(self, act: Act, acts: tuple[int, ...], total: Decimal, base: Decimal, majoration: bool,
                 rate: Rate, trace: list[str]) -> None:
        self.act = act
        self.acts = acts  # input positions of the acts priced on this line (several when grouped)
        self.total = total
        self.base = base
        self.reimbursed = True  # False for qualifiers N and G: nothing is reimbursed
        self.majoration = majoration
        self.rate = rate
        self.trace = trace
        self.amo = ZERO
        self.amc = ZERO
        # Each part as written in the trace, to be written again on the patient line (None: not written yet).
        # Whatever changes a part resets its text.
        self.total_text: str | None = None
        self.amo_text: str | None = None
        self.amc_text: str | None = "0.00"  # the text of ZERO


def _coef(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _field(act: Act, name: str) -> str:
    return f"acts[{act.position}].{name}"


def is_ccam(code: str) -> bool:
    found = _IS_CCAM.get(code)
    if found is None:
        found = CCAM_CODE.fullmatch(code) is not None
        if len(_IS_CCAM) < LIMIT:
            _IS_CCAM[code] = found
    return found


def price_line(act: Act, acts: tuple[int, ...], number: int, profession: str, sector: int, rate: Rate,
               tables: Tables, lookups: Lookups, trace: list[str], explain: bool, warnings: list[str]) -> Line:
    """Fee and base of line ``number`` (the act's quantity and coefficient included), AMO part not yet set.

    The line's trace is appended to ``trace``.
    """
    code = act.code
    ccam = _IS_CCAM.get(code)
    if ccam is None:
        ccam = is_ccam(code)
    if ccam:
        return _ccam_line(act, acts, number, profession, sector, rate, tables, lookups, trace, explain, warnings)
    unit, shown, majoration = lookups.ngap_unit(act, profession)
    if act.modifiers or act.association:
        warnings.append(f"acte {act.position + 1} ({code}) : modificateurs et code association ne "
                        "s'appliquent qu'aux actes CCAM, ignorés.")
    coefficient, quantity = act.coefficient, act.quantity
    if coefficient is ONE and quantity == 1:
        scale = ONE
        total = unit  # already to the cent (tables and typed prices are read by ``parse_amount``)
    else:
        scale = coefficient * quantity
        total = (unit * scale).quantize(CENT, ROUND_HALF_UP)
    base = total if act.base is None else (act.base * scale).quantize(CENT, ROUND_HALF_UP)
    line = Line(act, acts, total, base, majoration, rate, trace)
    if explain:
        line.total_text = total_text = str(total)
        trace.append(f"ligne {number} {code} du {fr_date(act.date)} : {shown} × coefficient "
                     f"{'1' if coefficient is ONE else coefficient!s} × {quantity} = {total_text}")
    if act.total is not None or act.base is not None or act.qualifier is not None:
        _finish(line, sector, tables, warnings)
    return line


def _ccam_line(act: Act, acts: tuple[int, ...], number: int, profession: str, sector: int, rate: Rate,
               tables: Tables, lookups: Lookups, trace: list[str], explain: bool, warnings: list[str]) -> Line:
    unit, source = _ccam_unit(act, profession, sector, tables)
    if act.modifiers or act.supplement:
        factor, added, notes = _ccam_adjust(act, tables, warnings)
    else:  # the usual case depends on the association code only
        factor, added, notes = lookups.association(act.association or "1")
    scale = act.coefficient * act.quantity * factor
    total = round_cents(unit * scale + added)
    base = total if act.base is None else round_cents(act.base * scale + added)
    if explain:
        trace.append(f"ligne {number} {act.code} du {fr_date(act.date)} : {unit!s} ({source}), activité "
                     f"{act.activity or '1'}, phase {act.phase or '0'}, {notes} = {total!s}")
    line = Line(act, acts, total, base, False, rate, trace)
    if act.total is not None or act.base is not None or act.qualifier is not None:
        _finish(line, sector, tables, warnings)
    return line


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


def _finish(line: Line, sector: int, tables: Tables, warnings: list[str]) -> None:
    """Manual total, explicit base and qualifier."""
    act, total, base, trace = line.act, line.total, line.base, line.trace
    if act.total is not None:
        trace.append(f"{act.code} : total saisi {act.total!s} (calculé {total!s})")
        if act.total > base and sector == 1 and act.qualifier not in OVERRUN_QUALIFIERS:
            warnings.append(f"acte {act.position + 1} ({act.code}) : dépassement de {act.total - base} "
                            "en secteur 1 sans qualificatif E ou A.")
        total = act.total
    if act.base is not None:
        trace.append(f"{act.code} : base de remboursement {base!s} (tarif de responsabilité)")
    if base > total:
        trace.append(f"{act.code} : base ramenée au total {total!s}")
        base = total
    qualifier = tables.rates.qualifiers.get(act.qualifier) if act.qualifier else None
    if qualifier is not None and qualifier.free:
        total = base = ZERO
        line.reimbursed = False
        trace.append(f"{act.code} : qualificatif {qualifier.code} ({qualifier.label}), rien n'est facturé")
    elif qualifier is not None and not qualifier.reimbursed:
        base = ZERO
        line.reimbursed = False
        trace.append(f"{act.code} : qualificatif {qualifier.code} ({qualifier.label}), rien n'est remboursé")
    elif qualifier is not None:
        trace.append(f"{act.code} : qualificatif {qualifier.code} ({qualifier.label})")
    line.total, line.base = total, base
    line.total_text = None  # the total may have changed

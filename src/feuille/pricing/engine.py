"""The pricing engine: invoice + coverage + tables → priced lines, totals, warnings and a trace.

Pure: no database, no clock. The date of care comes with each act; the CCAM tariffs come through
the ``CcamTariffs`` port given by the caller.

Every amount handled here is already rounded to the cent (read by ``money.parse_amount`` or rounded
by ``money.round_cents``), so the trace prints them with ``str()``, which gives the two decimals:
``{amount!s}`` rather than ``{amount}``, three times cheaper than ``Decimal.__format__``. The fixed words
of the trace (header, reasons of a rate, words of an AMC formula) come ready-made from ``Lookups``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from feuille.errors import ValidationError
from feuille.money import CENT, ZERO, total
from feuille.nomenclature.ngap import NgapTable, default_table
from feuille.nomenclature.rates import RateTable, default_rates
from feuille.nomenclature.tariffs import CcamTariffs, NoCcamTariffs
from feuille.pricing.amc import formula_amount, spread
from feuille.pricing.fees import Line, Tables, price_line
from feuille.pricing.lookups import Formula, Lookups, fr_date, lookups_for
from feuille.pricing.model import Act, Invoice, PricedLine, PricingResult, Totals

_NO_CCAM = NoCcamTariffs()
_new = tuple.__new__  # builds a NamedTuple without the Python-level ``__new__`` (hot loop)


def price(invoice: Invoice, *, ngap: NgapTable | None = None, rates: RateTable | None = None,
          ccam: CcamTariffs | None = None, explain: bool = True) -> PricingResult:
    """Price an invoice. Raises ``ValidationError`` (French, naming the field) on input the tables refuse.

    With ``explain=False`` the trace is left empty (bulk recomputation that only needs the amounts).
    """
    tables = _new(Tables, (ngap or default_table(), rates or default_rates(), ccam or _NO_CCAM))
    lookups = lookups_for(tables.ngap, tables.rates)
    trace: list[str] = []
    if explain:
        trace.append(f"facture du {fr_date(invoice.date)}{lookups.header(invoice.professional, invoice.coverage)}")
    warnings: list[str] = list(invoice.notes)
    contract = invoice.amc
    formula = percent = None
    if contract is None:
        if explain:
            trace.append("pas de complémentaire : AMC 0.00")
    elif contract.formula is not None and contract.amount is None:
        percent = contract.percent if tables.rates.amc_formulas[contract.formula].needs_percent else None
        formula = lookups.formula(contract.formula, percent)
    # Usually each line is finished as soon as it is priced and its trace goes straight into the invoice's.
    # A fixed AMC amount (spread over all the lines) or parts changed by hand need every line first.
    staged = invoice.overrides or (contract is not None and contract.amount is not None)
    late: list[str] = []  # warnings on the patient parts, given after those on the fees
    priced: list[PricedLine] = []
    lines = _price_lines(invoice, tables, lookups, formula, percent, warnings, explain,
                         None if staged else priced, trace if explain else [], late)
    for line in lines:
        if not line.majoration:
            break
    else:
        warnings.append(f"la facture ne contient que des majorations ou indemnités "
                        f"({', '.join(line.act.code for line in lines)}) sans acte principal.")
    if staged:
        if contract is not None and contract.amount is not None:
            _fixed_amc(contract.amount, lines, trace if explain else None, warnings)
        if invoice.overrides:
            _apply_overrides(invoice, lines)
        for number, line in enumerate(lines, start=1):
            priced.append(_settle(line, number, explain, late))
            if explain:
                trace += line.trace
    warnings += late
    totals = _totals(invoice, priced)
    if explain:
        trace.append(f"total {totals.total!s} : AMO {totals.amo!s}, AMC {totals.amc!s}, patient {totals.patient!s}")
    if totals.patient < ZERO:
        warnings.append(f"le solde patient est négatif ({totals.patient}).")
    return _new(PricingResult, (tuple(priced), totals, tuple(warnings), tuple(trace)))


def group_acts(acts: Sequence[Act]) -> tuple[list[Act], list[tuple[int, ...]]]:
    """Identical acts (everything but the quantity) become one line whose quantity is their sum.

    Returns the acts of the lines and, for each, the input positions of its acts. An act with a manual
    total is never grouped: its total is the user's and cannot be summed blindly.
    """
    groups: dict[Act, list[Act]] = {}
    for act in acts:
        key = act if act.total is not None else act._replace(quantity=1, position=0)
        groups.setdefault(key, []).append(act)
    return ([members[0]._replace(quantity=sum(m.quantity for m in members)) for members in groups.values()],
            [tuple(m.position for m in members) for members in groups.values()])


def _price_lines(invoice: Invoice, tables: Tables, lookups: Lookups, formula: Formula | None,
                 percent: Decimal | None, warnings: list[str], explain: bool, priced: list[PricedLine] | None,
                 trace: list[str], late: list[str]) -> list[Line]:
    """Each line's fee, then its AMO part and, under a formula, its AMC part (each depends on the line only).

    With ``priced`` the lines are also settled (patient part) into it, and their trace goes to ``trace``;
    without, each line keeps its own trace for the later stages.
    """
    profession, sector = invoice.professional.profession, invoice.professional.sector
    coverage = invoice.coverage
    usual = lookups.decision(profession, coverage, None)
    acts: Sequence[Act] = invoice.acts
    groups = None
    if invoice.group_identical:
        acts, groups = group_acts(acts)
    lines: list[Line] = []
    for number, act in enumerate(acts, start=1):
        members = (act.position,) if groups is None else groups[number - 1]
        rate = usual if act.exoneration is None else lookups.decision(profession, coverage, act.exoneration)
        line_trace = trace if priced is not None else []
        if len(members) > 1 and explain:
            line_trace.append(f"actes {', '.join(str(i + 1) for i in members)} ({act.code}) regroupés : "
                              f"quantité {act.quantity}")
        line = price_line(act, members, number, profession, sector, rate, tables, lookups, line_trace, explain,
                          warnings)
        if not line.reimbursed:
            amo = ZERO
        elif rate.rate == 100:
            amo = line.base  # already to the cent: ×1 and rounding would give it back unchanged
        else:
            amo = (line.base * rate.factor).quantize(CENT, ROUND_HALF_UP)
        line.amo = amo
        # Amounts are printed several times in a line's trace: each is turned into text once.
        if explain:
            total_text = line.total_text = line.total_text or str(line.total)
            base_text = total_text if line.base is line.total else str(line.base)
            amo_text = line.amo_text = base_text if amo is line.base else str(amo)
            line_trace.append(f"{act.code} {base_text}{rate.shown}{amo_text}{rate.reasons}")
        if formula is None:
            pass
        elif not line.reimbursed:
            line_trace.append(f"{act.code} AMC 0.00 : acte non remboursable")
        else:
            line.amc, share = formula_amount(formula, percent, line.total, line.base, amo)
            line.amc_text = None
            if explain:
                amc_text = line.amc_text = str(line.amc)
                line_trace.append(f"{act.code}{formula.head}{line.total - amo!s}{formula.middle}"
                                  f"{share.quantize(CENT, ROUND_HALF_UP)!s}) = {amc_text}")
        if priced is not None:
            priced.append(_settle(line, number, explain, late))
        lines.append(line)
    return lines


def _fixed_amc(amount: Decimal, lines: Sequence[Line], trace: list[str] | None, warnings: list[str]) -> None:
    """A fixed complementary amount (PEC) spread over the reimbursable lines in proportion to their fees.

    ``trace`` is None when the caller wants no trace.
    """
    weights = [line.total if line.reimbursed else ZERO for line in lines]
    if trace is not None:
        trace.append(f"AMC montant fixe {amount!s} réparti au prorata des honoraires ({total(weights)!s})")
    for line, part in zip(lines, spread(amount, weights), strict=True):
        ceiling = max(ZERO, line.total - line.amo)
        line.amc = min(part, ceiling)
        line.amc_text = None
        if trace is not None:
            line.amc_text = str(line.amc)
            note = f", plafonné à DR − MRO {ceiling}" if part > ceiling else ""
            line.trace.append(f"{line.act.code} AMC {line.amc_text}{note}")
    given = total([line.amc for line in lines])
    if given < amount:
        warnings.append(f"montant AMC de {amount} ramené à {given} : il dépasse ce que l'AMO laisse à payer.")


def _apply_overrides(invoice: Invoice, lines: Sequence[Line]) -> None:
    """Parts changed by hand: the other part of the line stays, the patient part follows."""
    for override in invoice.overrides:
        if override.line >= len(lines):
            raise ValidationError(f"overrides : la ligne {override.line} n'existe pas "
                                  f"(la facture a {len(lines)} ligne(s)).", field="overrides")
        line = lines[override.line]
        if override.amo is not None:
            line.trace.append(f"{line.act.code} AMO modifiée à la main : {override.amo!s} (calculée {line.amo!s})")
            line.amo = override.amo
            line.amo_text = None
        if override.amc is not None:
            line.trace.append(f"{line.act.code} AMC modifiée à la main : {override.amc!s} (calculée {line.amc!s})")
            line.amc = override.amc
            line.amc_text = None


def _settle(line: Line, number: int, explain: bool, late: list[str]) -> PricedLine:
    """The patient part of line ``number``, and the line as the engine returns it."""
    act = line.act
    total, amo, amc = line.total, line.amo, line.amc
    patient = total - amo - amc
    if explain:
        line.trace.append(f"{act.code} patient : {line.total_text or total!s} − {line.amo_text or amo!s} − "
                          f"{line.amc_text or amc!s} = {patient!s}")
    if patient < ZERO:
        late.append(f"ligne {number} ({act.code}) : la part patient est négative ({patient}).")
    rate = line.rate
    return _new(PricedLine, (act.code, act.date, act.quantity, total, line.base, rate.rate, amo, amc, patient,
                             rate.exoneration, line.acts))


def _totals(invoice: Invoice, lines: Sequence[PricedLine]) -> Totals:
    fees = amo = amc = ZERO
    for line in lines:
        fees += line.total
        amo += line.amo
        amc += line.amc
    tp = invoice.tiers_payant
    due_amo = amo if tp.amo else ZERO
    due_amc = amc if tp.amc else ZERO
    return _new(Totals, (fees, amo, amc, fees - amo - amc, due_amo, due_amc, fees - due_amo - due_amc))

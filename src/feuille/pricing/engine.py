"""The pricing engine: invoice + coverage + tables → priced lines, totals, warnings and a trace.

Pure: no database, no clock. The date of care comes with each act; the CCAM tariffs come through
the ``CcamTariffs`` port given by the caller.

Every amount handled here is already rounded to the cent (read by ``money.parse_amount`` or rounded
by ``money.round_cents``), so the trace prints them with ``str()``, which gives the two decimals:
``{amount!s}`` rather than ``{amount}``, three times cheaper than ``Decimal.__format__``. The fixed words
of the trace (header, reasons of a rate, words of an AMC formula) come ready-made from ``Lookups``.

This is the hot loop of feuille's pricing (a practice reprices a year of invoices in one go): each line
is priced, traced and finished (parts changed by hand, patient part) in one pass in ``_price_lines``, with
its parts in local variables. Only a fixed AMC amount, which is spread over every line, keeps each line in
a ``Line`` until all are priced.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from feuille.errors import ValidationError
from feuille.money import CENT, ZERO, total
from feuille.nomenclature.ngap import NgapTable
from feuille.nomenclature.rates import RateTable
from feuille.nomenclature.tariffs import CcamTariffs
from feuille.pricing.amc import formula_amount, spread
from feuille.pricing.fees import line_fee
from feuille.pricing.lookups import Context, Formula, Lookups, Rate, Tables, fr_date, lookups_for
from feuille.pricing.model import Act, Invoice, Override, PricedLine, PricingResult, Totals

_new = tuple.__new__  # builds a NamedTuple without the Python-level ``__new__`` (hot loop)


class Line:
    """A line kept until every line is priced (a fixed AMC amount; a part changed by hand from Python on a
    line counted from the end)."""

    __slots__ = ("act", "amc", "amc_text", "amo", "amo_text", "base", "members", "rate", "reimbursed", "total",
                 "total_text", "trace")

    def __init__(self, act: Act, members: tuple[int, ...], total: Decimal, base: Decimal, reimbursed: bool,
                 rate: Rate, amo: Decimal, amc: Decimal, trace: list[str] | None,
                 texts: tuple[str | None, str | None, str | None]) -> None:
        self.act = act
        self.members = members  # input positions of the acts priced on this line (several when grouped)
        self.total = total
        self.base = base
        self.reimbursed = reimbursed  # False for qualifiers N and G: nothing is reimbursed
        self.rate = rate
        self.amo = amo
        self.amc = amc
        self.trace = trace  # the line's own trace, None without a trace
        # Each part as written in the trace, to be written again on the patient line (None: not written yet).
        # Whatever changes a part resets its text.
        self.total_text, self.amo_text, self.amc_text = texts


def price(invoice: Invoice, *, ngap: NgapTable | None = None, rates: RateTable | None = None,
          ccam: CcamTariffs | None = None, explain: bool = True) -> PricingResult:
    """Price an invoice. Raises ``ValidationError`` (French, naming the field) on input the tables refuse.

    With ``explain=False`` the trace is left empty (bulk recomputation that only needs the amounts).
    """
    lookups = lookups_for(ngap, rates)
    tables = _new(Tables, (lookups.ngap, lookups.rates, ccam)) if ccam else lookups.tables
    context = lookups.context(invoice.professional, invoice.coverage)
    trace = [f"facture du {fr_date(invoice.date)}{context.header}"] if explain else None
    warnings: list[str] = list(invoice.notes)
    contract = invoice.amc
    formula = percent = fixed = None
    if contract is None:
        if trace is not None:
            trace.append("pas de complémentaire : AMC 0.00")
    elif contract.amount is not None:
        fixed = contract.amount
    elif contract.formula is not None:
        percent = contract.percent if lookups.rates.amc_formulas[contract.formula].needs_percent else None
        formula = lookups.formula(contract.formula, percent)
    # Usually each line is finished as soon as it is priced and its trace goes straight into the invoice's,
    # parts changed by hand included. A fixed AMC amount (spread over all the lines) needs every line first,
    # and so does a change of a line counted from the end (a negative index, from Python callers only).
    overrides = invoice.overrides
    staged = fixed is not None or (bool(overrides) and min(override.line for override in overrides) < 0)
    late: list[str] = []  # warnings on the patient parts, given after those on the fees
    priced: list[PricedLine] = []
    lines = _price_lines(invoice, tables, lookups, context, formula, percent, warnings, trace,
                         None if staged else priced, late)
    if not staged and overrides:
        _check_overrides(overrides, len(priced))
    if staged:
        if fixed is not None:
            _fixed_amc(fixed, lines, trace, warnings)
        if invoice.overrides:
            _apply_overrides(invoice, lines)
        for number, line in enumerate(lines, start=1):
            priced.append(_settle(line, number, late))
            if trace is not None and line.trace is not None:
                trace += line.trace
    warnings += late
    totals = _totals(invoice, priced)
    if trace is not None:
        trace.append(f"total {totals.total!s} : AMO {totals.amo!s}, AMC {totals.amc!s}, patient {totals.patient!s}")
    if totals.patient < ZERO:
        warnings.append(f"le solde patient est négatif ({totals.patient}).")
    return _new(PricingResult, (tuple(priced), totals, tuple(warnings), () if trace is None else tuple(trace)))


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


def _price_lines(invoice: Invoice, tables: Tables, lookups: Lookups, context: Context, formula: Formula | None,
                 percent: Decimal | None, warnings: list[str], trace: list[str] | None,
                 priced: list[PricedLine] | None, late: list[str]) -> list[Line]:
    """Each line's fee, AMO part and, under a formula, AMC part (each depends on the line only).

    With ``priced`` each line is also finished into it (parts changed by hand, patient part), its trace
    going straight to ``trace``; without, each line is kept in a ``Line`` with its own trace for the later
    stages, and returned. A majoration alone is flagged here.
    """
    usual = context.usual
    changes: dict[int, list[Override]] | None = None  # the parts changed by hand, by line (finished lines)
    if priced is not None and invoice.overrides:
        changes = {}
        for override in invoice.overrides:
            changes.setdefault(override.line, []).append(override)
    acts: Sequence[Act] = invoice.acts
    groups = None
    if invoice.group_identical:
        acts, groups = group_acts(acts)
    lines: list[Line] = []
    only_majorations = True
    for number, act in enumerate(acts, start=1):
        code, exoneration, position = act.code, act.exoneration, act.position
        members = (position,) if groups is None else groups[number - 1]
        rate = usual if exoneration is None else context.rate(exoneration)
        notes = trace if priced is not None else None if trace is None else []  # where this line's trace goes
        if notes is not None and len(members) > 1:
            notes.append(f"actes {', '.join(str(i + 1) for i in members)} ({code}) regroupés : "
                         f"quantité {act.quantity}")
        total, base, reimbursed, majoration, total_text = line_fee(act, number, context, tables, lookups, notes,
                                                                   warnings)
        if not majoration:
            only_majorations = False
        if not reimbursed:
            amo = ZERO
        elif rate.rate == 100:
            amo = base  # already to the cent: ×1 and rounding would give it back unchanged
        else:
            amo = (base * rate.factor).quantize(CENT, ROUND_HALF_UP)
        # Amounts are printed several times in a line's trace: each is turned into text once.
        amo_text = None
        if notes is not None:
            total_text = total_text or str(total)
            base_text = total_text if base is total else str(base)
            amo_text = base_text if amo is base else str(amo)
            notes.append(f"{code} {base_text}{rate.shown}{amo_text}{rate.reasons}")
        amc = ZERO
        amc_text: str | None = "0.00"  # the text of ZERO
        if formula is None:
            pass
        elif not reimbursed:
            if notes is not None:
                notes.append(f"{code} AMC 0.00 : acte non remboursable")
        else:
            amc, share = formula_amount(formula, percent, total, base, amo)
            amc_text = None
            if notes is not None:
                amc_text = str(amc)
                notes.append(f"{code}{formula.head}{total - amo!s}{formula.middle}"
                             f"{share.quantize(CENT, ROUND_HALF_UP)!s}) = {amc_text}")
        if priced is None:
            lines.append(Line(act, members, total, base, reimbursed, rate, amo, amc, notes,
                              (total_text, amo_text, amc_text)))
            continue
        if changes is not None and number - 1 in changes:
            amo, amc, amo_text, amc_text = _change_by_hand(code, changes[number - 1], amo, amc, amo_text, amc_text,
                                                           notes)
        patient = total - amo - amc
        if notes is not None:
            notes.append(f"{code} patient : {total_text} − {amo_text} − {amc_text} = {patient!s}")
        if patient < ZERO:
            late.append(f"ligne {number} ({code}) : la part patient est négative ({patient}).")
        priced.append(_new(PricedLine, (code, act.date, act.quantity, total, base, rate.rate, amo, amc, patient,
                                        rate.exoneration, members)))
    if only_majorations:
        warnings.append(f"la facture ne contient que des majorations ou indemnités "
                        f"({', '.join(act.code for act in acts)}) sans acte principal.")
    return lines


def _change_by_hand(code: str, overrides: Sequence[Override], amo: Decimal, amc: Decimal, amo_text: str | None,
                    amc_text: str | None, trace: list[str] | None) -> tuple[Decimal, Decimal, str | None, str | None]:
    """The parts of a finished line changed by hand, as ``_apply_overrides`` does for a kept line, and their texts."""
    for override in overrides:
        if override.amo is not None:
            if trace is not None:
                trace.append(f"{code} AMO modifiée à la main : {override.amo!s} (calculée {amo!s})")
                amo_text = str(override.amo)
            amo = override.amo
        if override.amc is not None:
            if trace is not None:
                trace.append(f"{code} AMC modifiée à la main : {override.amc!s} (calculée {amc!s})")
                amc_text = str(override.amc)
            amc = override.amc
    return amo, amc, amo_text, amc_text


def _fixed_amc(amount: Decimal, lines: Sequence[Line], trace: list[str] | None, warnings: list[str]) -> None:
    """A fixed complementary amount (PEC) spread over the reimbursable lines in proportion to their fees.

    ``trace`` is None when the caller wants no trace.
    """
    weights = [line.total if line.reimbursed else ZERO for line in lines]
    weight_sum = sum(weights, ZERO)
    if trace is not None:
        trace.append(f"AMC montant fixe {amount!s} réparti au prorata des honoraires "
                     f"({weight_sum.quantize(CENT)!s})")  # money.total of the weights
    for line, part in zip(lines, spread(amount, weights, weight_sum), strict=True):
        left = line.total - line.amo
        ceiling = left if left > ZERO else ZERO  # max(ZERO, left)
        line.amc = ceiling if ceiling < part else part  # min(part, ceiling)
        line.amc_text = None
        if line.trace is not None:
            line.amc_text = str(line.amc)
            note = f", plafonné à DR − MRO {ceiling}" if part > ceiling else ""
            line.trace.append(f"{line.act.code} AMC {line.amc_text}{note}")
    given = total([line.amc for line in lines])
    if given < amount:
        warnings.append(f"montant AMC de {amount} ramené à {given} : il dépasse ce que l'AMO laisse à payer.")


def _check_overrides(overrides: Sequence[Override], count: int) -> None:
    """Refuse the first part changed by hand on a line the invoice does not have (``count`` lines)."""
    for override in overrides:
        if override.line >= count:
            raise ValidationError(f"overrides : la ligne {override.line} n'existe pas "
                                  f"(la facture a {count} ligne(s)).", field="overrides")


def _apply_overrides(invoice: Invoice, lines: Sequence[Line]) -> None:
    """Parts changed by hand on kept lines: the other part of the line stays, the patient part follows."""
    for override in invoice.overrides:
        _check_overrides((override,), len(lines))
        line = lines[override.line]
        if override.amo is not None:
            if line.trace is not None:
                line.trace.append(f"{line.act.code} AMO modifiée à la main : {override.amo!s} "
                                  f"(calculée {line.amo!s})")
            line.amo = override.amo
            line.amo_text = None
        if override.amc is not None:
            if line.trace is not None:
                line.trace.append(f"{line.act.code} AMC modifiée à la main : {override.amc!s} "
                                  f"(calculée {line.amc!s})")
            line.amc = override.amc
            line.amc_text = None


def _settle(line: Line, number: int, late: list[str]) -> PricedLine:
    """The patient part of line ``number``, and the line as the engine returns it."""
    act = line.act
    total, amo, amc = line.total, line.amo, line.amc
    patient = total - amo - amc
    if line.trace is not None:
        line.trace.append(f"{act.code} patient : {line.total_text or total!s} − {line.amo_text or amo!s} − "
                          f"{line.amc_text or amc!s} = {patient!s}")
    if patient < ZERO:
        late.append(f"ligne {number} ({act.code}) : la part patient est négative ({patient}).")
    rate = line.rate
    return _new(PricedLine, (act.code, act.date, act.quantity, total, line.base, rate.rate, amo, amc, patient,
                             rate.exoneration, line.members))


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

"""The pricing engine: invoice + coverage + tables → priced lines, totals, warnings and a trace.

Pure: no database, no clock. The date of care comes with each act; the CCAM tariffs come through
the ``CcamTariffs`` port given by the caller.

An invoice is priced in stages, each over every line: the fee and base of each act with its AMO part
(``fees``, ``amo``), the rules that look at several lines (the 24 € flat participation), the AMC part
(a formula per line, or a fixed amount spread over the lines), the parts changed by hand, and last the
patient part, computed once from the others. Each line keeps its own trace so that the invoice's trace
reads line by line whatever the stage that wrote it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from feuille.domain.invoice_fields import named
from feuille.errors import ValidationError
from feuille.money import ZERO, round_cents, total
from feuille.nomenclature.ngap import NgapTable, default_table
from feuille.nomenclature.rates import AmcFormula, RateTable, default_rates
from feuille.nomenclature.tariffs import CcamTariffs, NoCcamTariffs
from feuille.pricing.amc import formula_amount, formula_trace, spread
from feuille.pricing.context import Rate, Tables, fr_date, header, line_rate
from feuille.pricing.fees import line_fee
from feuille.pricing.model import Act, Invoice, PricedLine, PricingResult, Totals
from feuille.pricing.participation import apply_flat_participation
from feuille.pricing.trace import fr


@dataclass
class Line:
    """A line being priced: its parts change stage by stage until the patient part is computed."""

    act: Act
    members: tuple[int, ...]  # input positions of the acts priced on this line (several when grouped)
    total: Decimal
    base: Decimal
    reimbursed: bool  # False for qualifiers N and G: nothing is reimbursed
    majoration: bool
    rate: Rate
    amo: Decimal = ZERO
    amc: Decimal = ZERO
    participation: Decimal | None = None  # under the flat participation: its share on this line (``participation``)
    exo_tm: str | None = None  # the CCAM "Exo TM" category, looked up only for a date that reaches the threshold
    trace: list[str] = field(default_factory=list)


def price(invoice: Invoice, *, ngap: NgapTable | None = None, rates: RateTable | None = None,
          ccam: CcamTariffs | None = None, explain: bool = True) -> PricingResult:
    """Price an invoice. Raises ``ValidationError`` (French, naming the field) on input the tables refuse.

    With ``explain=False`` the trace is left empty (bulk recomputation that only needs the amounts).
    """
    tables = Tables(ngap or default_table(), rates or default_rates(), ccam or NoCcamTariffs())
    trace = [f"facture du {fr_date(invoice.date)}{header(invoice.professional, invoice.coverage, tables.rates)}"]
    warnings = list(invoice.notes)
    if invoice.amc is None and not _service_complementary(invoice, tables.rates):
        trace.append("pas de complémentaire : AMC 0,00")
    lines = _fees_and_amo(invoice, tables, warnings)
    apply_flat_participation(tables, invoice.professional.sector, lines, trace)
    contract_type = _amc(invoice, tables.rates, lines, trace, warnings)
    _overrides(invoice, lines)
    priced = [_settle(line, number, warnings) for number, line in enumerate(lines, start=1)]
    for line in lines:
        trace += line.trace
    totals = _totals(invoice, priced)
    trace.append(f"total {fr(totals.total)} : AMO {fr(totals.amo)}, AMC {fr(totals.amc)}, patient {fr(totals.patient)}")
    if totals.patient < ZERO:
        warnings.append(f"le solde patient est négatif ({totals.patient}).")
    return PricingResult(tuple(priced), totals, tuple(warnings), tuple(trace) if explain else (), contract_type)


def _service_complementary(invoice: Invoice, rates: RateTable) -> bool:
    service = rates.services_amo.get(invoice.coverage.service_amo or "")
    return service is not None and service.formula is not None


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


def _fees_and_amo(invoice: Invoice, tables: Tables, warnings: list[str]) -> list[Line]:
    """Each line's fee, base and AMO part. A majoration alone on the invoice is flagged."""
    if invoice.group_identical:
        acts, groups = group_acts(invoice.acts)
    else:
        acts, groups = list(invoice.acts), [(act.position,) for act in invoice.acts]
    profession = invoice.professional.profession
    lines: list[Line] = []
    for number, (act, members) in enumerate(zip(acts, groups, strict=True), start=1):
        notes: list[str] = []
        if len(members) > 1:
            notes.append(f"actes {', '.join(str(i + 1) for i in members)} ({act.code}) regroupés : "
                         f"quantité {act.quantity}")
        fee = line_fee(act, number, invoice.professional, tables, notes, warnings)
        rate = line_rate(tables.rates, profession, invoice.coverage, act)
        amo = round_cents(fee.base * rate.rate / 100) if fee.reimbursed else ZERO
        notes.append(f"{act.code} {fr(fee.base)} × {rate.rate} % = {fr(amo)} : {rate.reasons}")
        lines.append(Line(act, members, fee.total, fee.base, fee.reimbursed, fee.majoration, rate, amo,
                          trace=notes))
    if all(line.majoration for line in lines):
        warnings.append(f"la facture ne contient que des majorations ou indemnités "
                        f"({', '.join(act.code for act in acts)}) sans acte principal.")
    return lines


def _amc(invoice: Invoice, rates: RateTable, lines: Sequence[Line], trace: list[str],
         warnings: list[str]) -> str | None:
    """The AMC part of each line: a formula line by line, or a fixed amount spread over the lines.

    An AMO service that stands for a complementary (the C2S) is the invoice's complementary: the contract given
    with it applies, else the service's own formula; its contract type (89) is returned.
    """
    contract = invoice.amc
    service = rates.services_amo.get(invoice.coverage.service_amo or "")
    contract_type = None
    if service is not None and service.formula is not None:
        # The C2S is the invoice's complementary: the contract given with it (from its organism) says how it
        # pays; without one, its own formula from the table (100 % of the ticket modérateur).
        contract_type = service.contract_type
        given = "contrat AMC donné" if contract is not None else f"formule {service.formula}"
        trace.append(f"complémentaire : {service.label} ({service.code}), contrat type {contract_type}, {given}")
        if contract is None:
            _formula_amc(rates.amc_formulas[service.formula], None, lines)
            return contract_type
    if contract is None:
        return None
    if contract.amount is not None:
        _fixed_amc(contract.amount, lines, trace, warnings)
    elif contract.formula is not None:
        formula = rates.amc_formulas[contract.formula]
        _formula_amc(formula, contract.percent if formula.needs_percent else None, lines)
    return contract_type


def _formula_amc(formula: AmcFormula, percent: Decimal | None, lines: Sequence[Line]) -> None:
    """The AMC part of each line under a formula (``percent``: the contract's, None when it has none)."""
    for line in lines:
        code = line.act.code
        if not line.reimbursed:
            line.trace.append(f"{code} AMC 0,00 : acte non remboursable")
            continue
        line.amc, share = formula_amount(formula, percent, line.total, line.base, line.amo)
        line.trace.append(formula_trace(code, formula, percent, line.total, line.amo, share, line.amc))


def _fixed_amc(amount: Decimal, lines: Sequence[Line], trace: list[str], warnings: list[str]) -> None:
    """A fixed complementary amount (PEC) spread over the reimbursable lines in proportion to their fees."""
    weights = [line.total if line.reimbursed else ZERO for line in lines]
    trace.append(f"AMC montant fixe {fr(amount)} réparti au prorata des honoraires ({fr(total(weights))})")
    for line, part in zip(lines, spread(amount, weights), strict=True):
        ceiling = max(ZERO, line.total - line.amo)
        line.amc = min(part, ceiling)
        note = f", plafonné à DR − MRO {fr(ceiling)}" if part > ceiling else ""
        line.trace.append(f"{line.act.code} AMC {fr(line.amc)}{note}")
    given = total([line.amc for line in lines])
    if given < amount:
        warnings.append(f"montant AMC de {amount} ramené à {given} : il dépasse ce que l'AMO laisse à payer.")


def _overrides(invoice: Invoice, lines: Sequence[Line]) -> None:
    """Parts changed by hand: the other part of the line stays, the patient part follows.

    Every change is checked before any is applied, so that a refused invoice is refused whole.
    """
    for override in invoice.overrides:
        if override.line >= len(lines):
            raise ValidationError(f"{named('overrides')} : la ligne {override.line} n'existe pas "
                                  f"(la facture a {len(lines)} ligne(s)).", field="overrides")
    for override in invoice.overrides:
        line = lines[override.line]
        if override.amo is not None:
            line.trace.append(f"{line.act.code} AMO modifiée à la main : {fr(override.amo)} (calculée {fr(line.amo)})")
            line.amo = override.amo
        if override.amc is not None:
            line.trace.append(f"{line.act.code} AMC modifiée à la main : {fr(override.amc)} (calculée {fr(line.amc)})")
            line.amc = override.amc


def _settle(line: Line, number: int, warnings: list[str]) -> PricedLine:
    """The patient part of line ``number`` (what the AMO and the AMC leave), and the line as returned."""
    act = line.act
    patient = line.total - line.amo - line.amc
    line.trace.append(f"{act.code} patient : {fr(line.total)} − {fr(line.amo)} − {fr(line.amc)} = {fr(patient)}")
    if patient < ZERO:
        warnings.append(f"ligne {number} ({act.code}) : la part patient est négative ({patient}).")
    return PricedLine(act.code, act.date, act.quantity, line.total, line.base, line.rate.rate, line.amo, line.amc,
                      patient, line.rate.exoneration, line.members, line.participation)


def _totals(invoice: Invoice, lines: Sequence[PricedLine]) -> Totals:
    fees = total([line.total for line in lines])
    amo = total([line.amo for line in lines])
    amc = total([line.amc for line in lines])
    due_amo = amo if invoice.tiers_payant.amo else ZERO
    due_amc = amc if invoice.tiers_payant.amc else ZERO
    return Totals(fees, amo, amc, fees - amo - amc, due_amo, due_amc, fees - due_amo - due_amc)

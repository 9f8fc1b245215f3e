"""The pricing engine: invoice + coverage + tables → priced lines, totals, warnings and a trace.

Pure: no database, no clock. The date of care comes with each act; the CCAM tariffs come through
the ``CcamTariffs`` port given by the caller.

Every amount handled here is already rounded to the cent (read by ``money.parse_amount`` or rounded
by ``money.round_cents``), so the trace prints them with ``str()``, which gives the two decimals:
``{amount!s}`` rather than ``{amount}``, three times cheaper than ``Decimal.__format__``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from feuille.errors import ValidationError
from feuille.money import ZERO, round_cents, total
from feuille.nomenclature.ngap import NgapTable, default_table
from feuille.nomenclature.rates import RateTable, default_rates
from feuille.nomenclature.tariffs import CcamTariffs, NoCcamTariffs
from feuille.pricing.amc import formula_part, spread
from feuille.pricing.amo import RateDecision, decide_rate, effective_exoneration
from feuille.pricing.fees import Fee, Tables, compute_fee, fr_date
from feuille.pricing.model import Act, Coverage, Invoice, PricedLine, PricingResult, Totals

_RATES: dict[int, Decimal] = {rate: Decimal(rate) / 100 for rate in range(101)}
_NO_CCAM = NoCcamTariffs()


@dataclass(slots=True)
class _Line:
    """A line while it is being priced (mutable on purpose: the parts are filled in stages)."""

    act: Act
    acts: tuple[int, ...]
    fee: Fee
    decision: RateDecision
    trace: list[str]
    amo: Decimal = ZERO
    amc: Decimal = ZERO


class _Decisions:
    """Rate decisions of one rate table, kept across invoices: they depend on a handful of codes only."""

    def __init__(self, rates: RateTable) -> None:
        self.rates = rates
        self.cache: dict[tuple[object, ...], RateDecision] = {}

    def get(self, profession: str, coverage: Coverage, act_exoneration: str | None) -> RateDecision:
        key = (profession, coverage.nature, coverage.exoneration, coverage.ald_related, coverage.regime_local,
               coverage.parcours, coverage.rate, coverage.service_amo, act_exoneration)
        decision = self.cache.get(key)
        if decision is None:
            exoneration = effective_exoneration(self.rates, coverage, act_exoneration)
            decision = decide_rate(self.rates, profession, coverage, exoneration)
            if len(self.cache) < 10_000:
                self.cache[key] = decision
        return decision


_DECISIONS: dict[int, _Decisions] = {}


def _decisions(rates: RateTable) -> _Decisions:
    found = _DECISIONS.get(id(rates))
    if found is None or found.rates is not rates:
        found = _DECISIONS[id(rates)] = _Decisions(rates)
    return found


def price(invoice: Invoice, *, ngap: NgapTable | None = None, rates: RateTable | None = None,
          ccam: CcamTariffs | None = None, explain: bool = True) -> PricingResult:
    """Price an invoice. Raises ``ValidationError`` (French, naming the field) on input the tables refuse.

    With ``explain=False`` the trace is left empty (bulk recomputation that only needs the amounts).
    """
    tables = Tables(ngap or default_table(), rates or default_rates(), ccam or _NO_CCAM)
    trace: list[str] = [_header(invoice, tables.rates)] if explain else []
    warnings: list[str] = list(invoice.notes)
    lines = _price_fees(invoice, tables, warnings, explain)
    if all(line.fee.majoration for line in lines):
        warnings.append(f"la facture ne contient que des majorations ou indemnités "
                        f"({', '.join(line.act.code for line in lines)}) sans acte principal.")
    for line in lines:
        _amo_part(line, explain)
    _amc_parts(invoice, lines, tables.rates, trace, warnings, explain)
    if invoice.overrides:
        _apply_overrides(invoice, lines)
    priced = _finish_lines(lines, warnings, explain)
    totals = _totals(invoice, priced)
    if explain:
        for line in lines:
            trace.extend(line.trace)
        trace.append(f"total {totals.total!s} : AMO {totals.amo!s}, AMC {totals.amc!s}, patient {totals.patient!s}")
    if totals.patient < 0:
        warnings.append(f"le solde patient est négatif ({totals.patient}).")
    return PricingResult(tuple(priced), totals, tuple(warnings), tuple(trace))


def _header(invoice: Invoice, rates: RateTable) -> str:
    pro = invoice.professional
    coverage = invoice.coverage
    parts = [f"facture du {fr_date(invoice.date)}", rates.professions[pro.profession].label]
    if pro.specialty:
        parts.append(f"spécialité {pro.specialty}")
    parts += [f"secteur {pro.sector}", rates.natures[coverage.nature].label,
              rates.exonerations[coverage.exoneration].label]
    if coverage.parcours:
        parts.append(f"parcours {coverage.parcours} ({rates.parcours[coverage.parcours]})")
    if coverage.regime_local:
        parts.append(rates.regime_local.label)
    if coverage.service_amo:
        parts.append(f"service AMO {coverage.service_amo}")
    if coverage.maternity_date is not None:
        parts.append(f"maternité du {fr_date(coverage.maternity_date)}")
    if coverage.accident_date is not None:
        parts.append(f"accident du {fr_date(coverage.accident_date)}")
    if coverage.smg_amount is not None:
        parts.append(f"prise en charge SMG {coverage.smg_amount}")
    return ", ".join(parts)


def group_acts(acts: Sequence[Act]) -> list[tuple[Act, tuple[int, ...]]]:
    """Identical acts (everything but the quantity) become one line whose quantity is their sum.

    An act with a manual total is never grouped: its total is the user's and cannot be summed blindly.
    """
    groups: dict[Act, list[Act]] = {}
    for act in acts:
        key = act if act.total is not None else act._replace(quantity=1, position=0)
        groups.setdefault(key, []).append(act)
    return [(members[0]._replace(quantity=sum(m.quantity for m in members)), tuple(m.position for m in members))
            for members in groups.values()]


def _price_fees(invoice: Invoice, tables: Tables, warnings: list[str], explain: bool) -> list[_Line]:
    profession, sector = invoice.professional.profession, invoice.professional.sector
    coverage = invoice.coverage
    decisions = _decisions(tables.rates)
    acts = invoice.acts
    entries = group_acts(acts) if invoice.group_identical else [(act, (act.position,)) for act in acts]
    lines: list[_Line] = []
    for number, (act, members) in enumerate(entries, start=1):
        fee = compute_fee(act, profession, sector, tables, explain, number)
        if fee.warnings:
            warnings.extend(fee.warnings)
        line_trace = fee.trace
        if len(members) > 1 and explain:
            line_trace.insert(0, f"actes {', '.join(str(i + 1) for i in members)} ({act.code}) regroupés : "
                                 f"quantité {act.quantity}")
        lines.append(_Line(act, members, fee, decisions.get(profession, coverage, act.exoneration), line_trace))
    return lines


def _amo_part(line: _Line, explain: bool) -> None:
    decision = line.decision
    fee = line.fee
    line.amo = round_cents(fee.base * _RATES[decision.rate]) if fee.reimbursed else ZERO
    if explain:
        line.trace.append(f"{line.act.code} {fee.base!s} × {decision.rate} % = {line.amo!s}: {decision.reasons}")


def _amc_parts(invoice: Invoice, lines: Sequence[_Line], rates: RateTable, trace: list[str],
               warnings: list[str], explain: bool) -> None:
    contract = invoice.amc
    if contract is None:
        if explain:
            trace.append("pas de complémentaire : AMC 0.00")
        return
    if contract.amount is not None:
        _fixed_amc(contract.amount, lines, trace if explain else None, warnings)
        return
    if contract.formula is None:
        return
    formula = rates.amc_formulas[contract.formula]
    percent = contract.percent if formula.needs_percent else None
    for line in lines:
        if not line.fee.reimbursed:
            line.trace.append(f"{line.act.code} AMC 0.00 : acte non remboursable")
            continue
        line.amc, text = formula_part(formula, percent, line.fee.total, line.fee.base, line.amo, explain)
        if explain:
            line.trace.append(f"{line.act.code} AMC {text}")


def _fixed_amc(amount: Decimal, lines: Sequence[_Line], trace: list[str] | None, warnings: list[str]) -> None:
    """A fixed complementary amount (PEC) spread over the reimbursable lines in proportion to their fees.

    ``trace`` is None when the caller wants no trace.
    """
    weights = [line.fee.total if line.fee.reimbursed else ZERO for line in lines]
    if trace is not None:
        trace.append(f"AMC montant fixe {amount} réparti au prorata des honoraires ({total(weights)})")
    for line, part in zip(lines, spread(amount, weights), strict=True):
        ceiling = max(ZERO, line.fee.total - line.amo)
        line.amc = min(part, ceiling)
        if trace is not None:
            note = f", plafonné à DR − MRO {ceiling}" if part > ceiling else ""
            line.trace.append(f"{line.act.code} AMC {line.amc!s}{note}")
    given = total(line.amc for line in lines)
    if given < amount:
        warnings.append(f"montant AMC de {amount} ramené à {given} : il dépasse ce que l'AMO laisse à payer.")


def _apply_overrides(invoice: Invoice, lines: Sequence[_Line]) -> None:
    """Parts changed by hand: the other part of the line stays, the patient part follows."""
    for override in invoice.overrides:
        if override.line >= len(lines):
            raise ValidationError(f"overrides : la ligne {override.line} n'existe pas "
                                  f"(la facture a {len(lines)} ligne(s)).", field="overrides")
        line = lines[override.line]
        if override.amo is not None:
            line.trace.append(f"{line.act.code} AMO modifiée à la main : {override.amo} (calculée {line.amo})")
            line.amo = override.amo
        if override.amc is not None:
            line.trace.append(f"{line.act.code} AMC modifiée à la main : {override.amc} (calculée {line.amc})")
            line.amc = override.amc


def _finish_lines(lines: Sequence[_Line], warnings: list[str], explain: bool) -> list[PricedLine]:
    priced: list[PricedLine] = []
    for number, line in enumerate(lines, start=1):
        fee = line.fee
        code = line.act.code
        patient = fee.total - line.amo - line.amc
        if explain:
            line.trace.append(f"{code} patient : {fee.total!s} − {line.amo!s} − {line.amc!s} = {patient!s}")
        if patient < 0:
            warnings.append(f"ligne {number} ({code}) : la part patient est négative ({patient}).")
        priced.append(PricedLine(code, line.act.date, line.act.quantity, fee.total, fee.base, line.decision.rate,
                                 line.amo, line.amc, patient, line.decision.exoneration, line.acts))
    return priced


def _totals(invoice: Invoice, lines: Sequence[PricedLine]) -> Totals:
    fees = amo = amc = ZERO
    for line in lines:
        fees += line.total
        amo += line.amo
        amc += line.amc
    due_amo = amo if invoice.tiers_payant.amo else ZERO
    due_amc = amc if invoice.tiers_payant.amc else ZERO
    return Totals(fees, amo, amc, fees - amo - amc, due_amo, due_amc, fees - due_amo - due_amc)

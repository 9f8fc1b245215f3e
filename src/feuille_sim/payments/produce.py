"""The ``noemie`` producer: on ``feuille-sim avancer``, the caisse pays the accepted lots whose day has come.

A lot accepted on day J (the caisse's date) is paid on day J + delay: the scenario's ``delai_paiement`` (the last
one), else **feuille's own** default of ``DEFAULT_DELAY`` days; never before the first day of the advance. For
each day and organism the caisse writes one payment file (référence 576: per payee a bank transfer 071 with its
labels, the paid invoices by lot under a return type 01, the one-off payments under 03, the withholdings under
05) and, when the scenario rejects invoices, one reject file (900: per payee an accounting day 070, the rejected
invoices with their 290 and 294). At most 999 lots in a file (the 999's lot count has 3 digits): more make
another file. Each file goes into the professional's mailbox as one mail (``payments.mail``), twice when the
scenario says ``doubler_retour`` (for every return, or those holding that lot).

Scenario rules: ``paiement_ponctuel`` pays once (each rule, by its content and its rank among identical rules)
on the first day of the next advance; ``retenue`` states a debt on the first day of the next advance, recovered
(``RPR``) from that organism's later transfers to that payee, in part when a transfer is smaller, the initial
statement (``CIN``) written with the first recovery. A rule without ``facturation`` takes the payee of the last
invoice accepted from that organism, and waits while there is none. ``payer_plus`` pays more than the AMO share
claimed (``build.decide``); ``regulariser`` and ``facture_inconnue`` add an invoice to a transfer of the first day
of the advance (``payments.extras``). The complementaries pay on their own returns (``payments.amc``, producer
``noemie_amc``, run after this one). The physical form is the scenario's
``forme_noemie``, else ``feuille-sim servir --forme-noemie``, else continuous.

Idempotent: everything (lots marked paid, files, invoices settled, debts, one-off payments, mails) is written
through the advance's one transaction; a lot is paid once (``lots_recus.paye``), each mail has a unique key.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from feuille.formats.noemie_file import (
    PAID,
    REJECTED,
    WITHHOLDING,
    Invoice,
    Lot,
    Movement,
    NoemieFile,
    OneOffDetail,
    OneOffPayment,
    Payee,
    ReturnGroup,
    Settlement,
    write_file,
)
from feuille.money import ZERO, total
from feuille_sim.clock import producer
from feuille_sim.lots import store as lots_store
from feuille_sim.payments import build, extras, store
from feuille_sim.payments.mail import noemie_mail
from feuille_sim.state import OutgoingMail, Tx

DEFAULT_DELAY = 5          # feuille's own: days between a lot's acceptance and its payment
FORMS = ("continue", "blocs")
FORM_SETTING = "forme_noemie"
MAX_LOTS = 999
MAX_MOVEMENT_LINES = 99    # the 250's line number has 2 digits
RULES = ("rejeter", "payer_partiel", "payer_plus", "doubler_retour", "paiement_ponctuel", "retenue", *extras.KINDS)


@dataclass(frozen=True)
class OneOff:
    fingerprint: str
    organism: str
    billing_number: str
    code: int
    label: str
    amount: Decimal


@dataclass
class Batch:
    """What one file pair (payments, rejects) of one organism and day holds, by payee (billing number)."""

    paid: dict[str, list[Lot]] = field(default_factory=dict)
    rejected: dict[str, list[Lot]] = field(default_factory=dict)
    settled: list[tuple[int, str, Decimal, Decimal]] = field(default_factory=list)  # id, status, claimed, paid
    one_offs: list[OneOff] = field(default_factory=list)
    extras: list[extras.Extra] = field(default_factory=list)


def delay(tx: Tx) -> int:
    rules = tx.rules("delai_paiement")
    return int(rules[-1]["jours"]) if rules else DEFAULT_DELAY


def physical_form(tx: Tx) -> str:
    rules = tx.rules("forme_noemie")
    chosen = str(rules[-1]["forme"]) if rules else store.setting(tx, FORM_SETTING)
    return chosen if chosen in FORMS else "continue"


@producer("noemie")
def produce_returns(tx: Tx, from_date: date, to_date: date) -> list[OutgoingMail]:
    if to_date <= from_date:
        return []
    rules = {kind: tx.rules(kind) for kind in RULES}
    first = from_date + timedelta(days=1)
    wait = delay(tx)
    _state_debts(tx, rules["retenue"], first)
    one_offs = _pending_one_offs(tx, rules["paiement_ponctuel"])
    added = extras.pending(tx, {kind: _fingerprints(rules[kind]) for kind in extras.KINDS}, first)
    days: dict[date, dict[str, list[store.DueLot]]] = {}
    for lot in store.due_lots(tx, to_date - timedelta(days=wait)):
        day = max(lot.received_on + timedelta(days=wait), first)
        days.setdefault(day, {}).setdefault(lot.organism, []).append(lot)
    for organism in {o.organism for o in one_offs} | {e.organism for e in added}:
        days.setdefault(first, {}).setdefault(organism, [])
    form = physical_form(tx)
    mails: list[OutgoingMail] = []
    for day in sorted(days):
        for organism, lots in sorted(days[day].items()):
            for start in range(0, max(len(lots), 1), MAX_LOTS):
                now = day == first and start == 0
                batch = Batch(one_offs=[o for o in one_offs if o.organism == organism and now],
                              extras=[e for e in added if e.organism == organism and now])
                mails += _returns(tx, day, organism, lots[start:start + MAX_LOTS], batch, rules, form)
    return mails


def _fingerprints(rules: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Each rule's identity: its content and its rank among identical rules (so reloading it pays nothing again)."""
    seen: Counter[str] = Counter()
    out = []
    for rule in rules:
        content = json.dumps(rule, sort_keys=True, ensure_ascii=False)
        seen[content] += 1
        out.append((hashlib.sha256(f"{content}#{seen[content]}".encode()).hexdigest(), rule))
    return out


def _payee(tx: Tx, rule: dict[str, Any]) -> str | None:
    return rule.get("facturation") or store.latest_billing_number(tx, str(rule["organisme"]))


def _state_debts(tx: Tx, rules: list[dict[str, Any]], day: date) -> None:
    known = store.known_fingerprints(tx, "dettes")
    for fingerprint, rule in _fingerprints(rules):
        billing = _payee(tx, rule)
        if fingerprint in known or billing is None:
            continue
        reference = rule.get("reference") or "D" + fingerprint[:9].upper()
        store.add_debt(tx, fingerprint, str(rule["organisme"]), billing, reference, str(rule["nature"]), day,
                       Decimal(rule["montant"]))
        tx.log("paiements", "feuille-sim", f"dette {reference} de {rule['montant']} € ({rule['organisme']})",
               "constatée")


def _pending_one_offs(tx: Tx, rules: list[dict[str, Any]]) -> list[OneOff]:
    known = store.known_fingerprints(tx, "ponctuels")
    out = []
    for fingerprint, rule in _fingerprints(rules):
        billing = _payee(tx, rule)
        if fingerprint not in known and billing is not None:
            out.append(OneOff(fingerprint, str(rule["organisme"]), billing, int(rule["code"]), str(rule["libelle"]),
                              Decimal(rule["montant"])))
    return out


def _returns(tx: Tx, day: date, organism: str, lots: Sequence[store.DueLot], batch: Batch,
             rules: dict[str, list[dict[str, Any]]], form: str) -> list[OutgoingMail]:
    lots = [lot for lot in lots if lots_store.mark_paid(tx, lot.id)]   # compare-and-set: each lot paid once
    if not lots and not batch.one_offs and not batch.extras:
        return []
    _decide(tx, lots, rules, batch)
    doubled = _doubled(rules["doubler_retour"], lots)
    recipient = _recipient(tx, organism, lots, batch)
    mails: list[OutgoingMail] = []
    ids: dict[str, int] = {}
    payees = sorted(set(batch.paid) | {o.billing_number for o in batch.one_offs}
                    | {e.billing_number for e in batch.extras})
    if payees:
        file_id = store.new_return(tx, organism, build.PAYMENTS, day)
        ids[PAID] = file_id
        settled = tuple(_payment(tx, organism, day, file_id, n, billing, batch)
                        for n, billing in enumerate(payees, start=1))
        mails += _file(tx, file_id, build.PAYMENTS, organism, recipient, day, settled, form, doubled)
    if batch.rejected:
        file_id = store.new_return(tx, organism, build.REJECTS, day)
        ids[REJECTED] = file_id
        settled = tuple(Payee(build.payee_number(billing), (Settlement(day, None, (ReturnGroup("01", lots=tuple(
            found)),)),)) for billing, found in sorted(batch.rejected.items()))
        mails += _file(tx, file_id, build.REJECTS, organism, recipient, day, settled, form, doubled)
    store.record_invoices(tx, [(invoice_id, organism, ids[REJECTED if status == REJECTED else PAID],
                                status, claimed, paid) for invoice_id, status, claimed, paid in batch.settled])
    return mails


def _decide(tx: Tx, lots: Sequence[store.DueLot], rules: dict[str, list[dict[str, Any]]], batch: Batch) -> None:
    for lot in lots:
        by_payee: dict[tuple[bool, str], list[Invoice]] = {}
        for stored in store.invoices(tx, lot.id):
            decision = build.decide(stored, lot, rules)
            invoice = build.settle(stored, lot, decision)
            by_payee.setdefault((decision.status == REJECTED, stored.billing_number), []).append(invoice)
            batch.settled.append((stored.id, decision.status, stored.amo, invoice.total))
        number = int(lot.number) if lot.number.isdigit() else 0
        for (rejected, billing), invoices in by_payee.items():
            target = batch.rejected if rejected else batch.paid
            target.setdefault(billing, []).append(Lot(lot.dated, number, tuple(invoices)))


def _payment(tx: Tx, organism: str, day: date, file_id: int, index: int, billing: str, batch: Batch) -> Payee:
    """One payee's transfer: its paid lots (and the scenario's extra invoices), its one-off payments, and the debts
    they allow to recover."""
    groups = []
    mine = [e for e in batch.extras if e.billing_number == billing]
    for extra in mine:
        extras.applied(tx, extra, file_id, day)
    lots = (*batch.paid.get(billing, ()), *(e.lot for e in mine))
    if lots:
        groups.append(ReturnGroup("01", lots=lots))
    payments = []
    for one_off in (o for o in batch.one_offs if o.billing_number == billing):
        code = f"{one_off.code:05d}"
        payments.append(OneOffPayment(code, one_off.amount, (OneOffDetail(
            code, build.text(one_off.label)[:80], amount=one_off.amount),)))
        store.add_one_off(tx, one_off.fingerprint, organism, billing, one_off.code, one_off.label, one_off.amount,
                          file_id, day)
    if payments:
        groups.append(ReturnGroup("03", payments=tuple(payments)))
    available = total([*(lot.total for lot in lots), *(p.amount for p in payments)])
    movements = _withhold(tx, organism, billing, available)
    if movements:
        groups.append(ReturnGroup("05", movements=tuple(movements)))
    return Payee(build.payee_number(billing),
                 (Settlement(day, build.transfer(organism, day, file_id, index), tuple(groups)),))


def _withhold(tx: Tx, organism: str, billing: str, available: Decimal) -> list[Movement]:
    """Recover the payee's open debts from ``available``, oldest first (``CIN`` once, then ``RPR``)."""
    movements: list[Movement] = []
    for debt in store.open_debts(tx, organism, billing):
        take = min(debt.remaining, available)
        if take <= ZERO or len(movements) + 2 > MAX_MOVEMENT_LINES:
            break
        if not debt.statement_written:
            movements.append(Movement(len(movements) + 1, debt.reference, debt.nature, "CIN", debt.amount,
                                      debt.stated_on, debt.amount))
        left = debt.remaining - take
        movements.append(Movement(len(movements) + 1, debt.reference, debt.nature, WITHHOLDING, -take,
                                  debt.stated_on, left))
        store.recover(tx, debt.id, left)
        available -= take
    return movements


def _doubled(rules: list[dict[str, Any]], lots: Sequence[store.DueLot]) -> bool:
    numbers = {int(lot.number) for lot in lots if lot.number.isdigit()}
    return any(rule.get("lot") is None or rule["lot"] in numbers for rule in rules)


def _recipient(tx: Tx, organism: str, lots: Sequence[store.DueLot], batch: Batch) -> str:
    """The file's recipient: the lots' sender (the B2 file's 000), else the payee's last sender or number."""
    if lots:
        return lots[0].sender
    if batch.extras:
        return batch.extras[0].sender
    billing = batch.one_offs[0].billing_number if batch.one_offs else "0"
    return store.latest_sender(tx, organism, billing) or billing.rjust(14, "0")


def _file(tx: Tx, file_id: int, reference: str, organism: str, recipient: str, day: date,
          payees: tuple[Payee, ...], form: str, doubled: bool) -> list[OutgoingMail]:
    file = NoemieFile(build.header(organism, recipient, file_id, day, reference), payees)
    content = write_file(file, blocks=form == "blocs")
    invoices = sum(len(lot.invoices) for p in payees for s in p.settlements for g in s.groups for lot in g.lots)
    key = f"noemie/{organism}/{reference}/{day.isoformat()}/{file_id:06d}"
    store.close_return(tx, file_id, key, len(payees), invoices, file.total)
    mail = noemie_mail(organism=organism, reference=reference, file_id=file.header.file_id, day=day,
                       content=content, key=key, invoices=invoices, amount=file.total)
    tx.log("paiements", organism, f"retour {reference} n° {file.header.file_id} du {day.isoformat()}",
           f"{invoices} facture(s), {file.total} €" + (", envoyé deux fois (scénario)" if doubled else ""))
    if not doubled:
        return [mail]
    return [mail, OutgoingMail(mail.mailbox, key + "/double", mail.raw, mail.kind, mail.organism)]

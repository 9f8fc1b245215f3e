"""What the caisse de test decides for each accepted invoice, and the NOEMIE entities that say it (pure code).

**feuille's own** (no public source gives an insurer's decisions or codes; docs/caisse-de-test.md lists them):

- the AMO share claimed is paid whole (198 status ``P``), unless the scenario rejects the insured person
  (``rejeter``: status ``R``, nothing paid, a 290 message and a 294 reject line at invoice level ``F`` on the AMO
  share ``O``, code ``R001``, the rule's reason as label) or pays part of the lot (``payer_partiel``: each act line
  paid ``taux`` % of its AMO amount, rounded half-up to the cent per line, the invoice paid their sum; status
  ``P`` and a warning 290 ``A001``);
- the AMC share, when the invoice claims one, is reported untreated (199 status blank, nothing paid): the
  complementary organism pays on its own flow;
- transfer labels ``VIR AMO <régime> <caisse> <JJMMAA>`` / ``REF NOEMIE <file>-<payee>``, paying organism
  ``<régime><caisse>000`` (the manual's « 01349000 »), header emitter ``000000<régime><caisse>000``, emitter type
  ``CP`` (régime 01) or ``MA`` (02, MSA) else ``OT``, recipient type ``PS``, flow ``T`` (a test flow).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from feuille.formats.noemie_file import (
    PAID,
    REJECTED,
    UNTREATED,
    Act,
    AmcShare,
    Beneficiary,
    Header,
    Invoice,
    Message,
    RejectLine,
    Share,
    Transfer,
)
from feuille.money import ZERO, round_cents, total
from feuille_sim.payments.store import DueLot, StoredInvoice

PAYMENTS, REJECTS = "576", "900"       # FORMATS.md §3: payment files 576, reject files 900
REJECT_CODE, PARTIAL_CODE = "R001", "A001"
EMITTER_TYPES = {"01": "CP", "02": "MA"}


@dataclass(frozen=True)
class Decision:
    status: str            # P paid (in whole or in part), R rejected
    rate: int = 100        # percent of the AMO share paid
    reason: str = ""       # why it is rejected
    extra: Decimal = ZERO  # paid on top of the AMO share claimed (``payer_plus``)


def decide(invoice: StoredInvoice, lot: DueLot, rules: dict[str, list[dict[str, Any]]]) -> Decision:
    """The scenario's word on one invoice: ``rejeter`` (this NIR, optionally this lot) before ``payer_plus`` (this
    NIR and lot when given) before ``payer_partiel``. A corrected invoice (new number, same person) comes in a later
    lot: a ``rejeter`` naming the first lot rejects the first invoice only, one without a lot rejects both."""
    lot_number = int(lot.number) if lot.number.isdigit() else None
    nir = invoice.nir + invoice.nir_key
    for rule in rules.get("rejeter", ()):
        if rule["nir"] == nir and rule.get("lot") in (None, lot_number):
            return Decision(REJECTED, 0, str(rule["motif"]))
    for rule in rules.get("payer_plus", ()):
        if rule.get("nir") in (None, nir) and rule.get("lot") in (None, lot_number):
            return Decision(PAID, extra=Decimal(str(rule["montant"])))
    for rule in rules.get("payer_partiel", ()):
        if rule["lot"] == lot_number:
            return Decision(PAID, int(rule["taux"]))
    return Decision(PAID)


def settle(invoice: StoredInvoice, lot: DueLot, decision: Decision) -> Invoice:
    """The invoice as the return reports it (102, 103, 198, 199, 210*, 290, 294)."""
    paid_lines = [line.amo if decision.rate == 100 else round_cents(line.amo * decision.rate / 100)
                  for line in invoice.lines]
    if decision.extra and paid_lines:   # the first act carries what is paid on top, so the acts add up
        paid_lines[0] += decision.extra
    if decision.status == REJECTED:
        paid_lines = [ZERO] * len(invoice.lines)
        paid = ZERO
    elif decision.rate == 100:
        paid = invoice.amo + decision.extra
    else:
        paid = total(paid_lines) if paid_lines else round_cents(invoice.amo * decision.rate / 100)
    acts = tuple(Act(min(line.rank, 99), line.act_code[:3], amount, base=line.base, unit_price=line.unit_price,
                     rate=line.rate, quantity=line.quantity, coefficient=f"{int(line.coefficient * 100):05d}",
                     complement=line.act_code[3:5], care_start=line.care_date)
                 for line, amount in zip(invoice.lines, paid_lines, strict=True))
    messages: tuple[Message, ...] = ()
    rejects: tuple[RejectLine, ...] = ()
    if decision.status == REJECTED:
        label = text(decision.reason)
        messages = (Message(0, REJECT_CODE, label[:80]),)
        rejects = (RejectLine(REJECT_CODE, label[:86], "F", "O", performer=invoice.billing_number,
                              information="REGLE DU SCENARIO"),)
    elif decision.rate != 100:
        messages = (Message(0, PARTIAL_CODE, f"PAIEMENT PARTIEL : {decision.rate} POUR CENT DE LA PART AMO"),)
    birth = invoice.birth_date
    return Invoice(
        f"{invoice.number:09d}", lot_number=lot.number, lot_date=lot.dated, invoice_type="F",
        invoice_date=invoice.last_care, insurance_nature=alpha(invoice.insurance_nature)[:2],
        beneficiary=Beneficiary(invoice.nir, invoice.nir_key, birth_date=f"{birth:%y%m%d}" if birth else "",
                                rank=str(invoice.rank) if 1 <= invoice.rank <= 9 else ""),
        amo=Share(invoice.amo, decision.status, paid),
        amc=AmcShare(invoice.amc, UNTREATED) if invoice.amc > 0 else None,
        acts=acts, messages=messages, rejects=rejects)


def header(organism: str, recipient: str, file_id: int, day: date, reference: str) -> Header:
    return Header(EMITTER_TYPES.get(organism[:2], "OT"), f"000000{organism}000", "PS", recipient[-14:].rjust(14, "0"),
                  f"{file_id % 1_000_000:06d}", day, reference=reference, flow="T")


def transfer(organism: str, day: date, file_id: int, payee_index: int) -> Transfer:
    return Transfer(f"VIR AMO {organism[:2]} {organism[2:]} {day:%d%m%y}",
                    f"REF NOEMIE {file_id % 1_000_000:06d}-{payee_index}", f"{organism}000")


def payee_number(billing_number: str) -> str:
    """The payee (destinataire de règlement, 15 digits): the billing number, zeros on the left (the manual's
    « 000000992604231 » for the professional 99260423 1)."""
    return billing_number.replace(" ", "").rjust(15, "0")


def _fold(value: str) -> str:
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii").upper()
    return "".join(c if " " <= c <= "~" else " " for c in folded).strip()


def text(value: str) -> str:
    """Free text for a T field: accents folded, upper case, printable ASCII only."""
    return _fold(value) or "REJET"


def alpha(value: str) -> str:
    """A code for an A field: upper-case letters, digits and spaces."""
    return "".join(c if c.isalnum() else " " for c in _fold(value))


def claimed(invoice: Invoice) -> Decimal:
    return invoice.amo.claimed if invoice.amo else ZERO

"""Transfers, movements and one-off payments written straight in the tables, as the integration leaves them:
the manual's examples (003 IX « Suivi Virements », X « Opérations Ponctuelles ») as data."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from feuille.auth import Context
from feuille.storage.models import FinancialMovement, NoemieFileRow, OneOffPaymentRow, ReturnInvoice, TransferRow

D = Decimal
ZERO = Decimal("0.00")
AT = datetime(2024, 5, 29, 8, 0)


def add_file(session: Session, file_id: str = "000001", *, emitter: str = "00000010349000") -> int:
    row = NoemieFileRow(sha256=file_id.rjust(64, "0"), received_mail_id=None, source=f"essai-{file_id}.txt",
                        size=1000, blocked=False, emitter_type="CP", emitter_number=emitter, recipient_type="TP",
                        recipient_number="00000992604231", file_id=file_id, reference="576",
                        created=date(2024, 5, 29), flow="T", outcome="integre", problems="[]", invoices=0,
                        unmatched=0, integrated_by="test", integrated_at=AT)
    session.add(row)
    session.flush()
    return row.id


@dataclass
class Paid:
    number: str
    amo_claimed: Decimal
    amo_paid: Decimal
    amc_claimed: Decimal = ZERO
    amc_paid: Decimal = ZERO
    name: str = "ESSAI ALEXANDRE"
    invoice_date: date = date(2024, 5, 29)


@dataclass
class Moved:
    reference: str
    nature: str
    operation: str
    amount: Decimal
    remaining: Decimal = ZERO
    debt_date: date | None = date(2024, 5, 29)


@dataclass
class OneOffPaid:
    code: str
    amount: Decimal
    label: str = ""
    nir: str = ""
    nir_key: str = ""
    birth_date: str = ""
    rank: str = ""


@dataclass
class Transfer:
    day: date
    label_1: str
    label_2: str
    organism: str
    declared: Decimal | None
    invoices: list[Paid] = field(default_factory=list)
    movements: list[Moved] = field(default_factory=list)
    one_off: list[OneOffPaid] = field(default_factory=list)
    is_transfer: bool = True


def add_transfer(session: Session, file_id: int, t: Transfer) -> int:
    computed = (sum((p.amo_paid + p.amc_paid for p in t.invoices), D("0.00"))
                + sum((o.amount for o in t.one_off), D("0.00"))
                + sum((m.amount for m in t.movements if m.operation == "RPR"), D("0.00")))
    row = TransferRow(noemie_file_id=file_id, professional_id=None, payee_number="000000992604231",
                      settlement_date=t.day, is_transfer=t.is_transfer, label_1=t.label_1, label_2=t.label_2,
                      paying_organism=t.organism, declared_total=t.declared, computed_total=computed, entity=3,
                      offset=256)
    session.add(row)
    session.flush()
    entity = 4
    for p in t.invoices:
        entity += 1
        session.add(ReturnInvoice(noemie_file_id=file_id, transfer_id=row.id, invoice_id=None, match="non_rapproche",
                                  return_kind="01", lot_number="025", lot_date=p.invoice_date,
                                  invoice_number=p.number.rjust(9, "0"), invoice_type="F",
                                  invoice_date=p.invoice_date, nir="1800175000001", rank="1", patient_name=p.name,
                                  amo_claimed=p.amo_claimed, amo_status="P", amo_paid=p.amo_paid,
                                  amc_claimed=p.amc_claimed, amc_status="P" if p.amc_claimed else "",
                                  amc_paid=p.amc_paid, amc_number="", entity=entity, offset=entity * 40,
                                  matched_by=None, matched_at=None))
    for line, m in enumerate(t.movements, start=1):
        entity += 1
        session.add(FinancialMovement(transfer_id=row.id, line=line, debt_reference=m.reference,
                                      debt_date=m.debt_date, debt_nature=m.nature, operation=m.operation,
                                      amount=m.amount, remaining=m.remaining, entity=entity, offset=entity * 40))
    for o in t.one_off:
        entity += 1
        details = [{"code": o.code, "label": o.label, "nir": o.nir, "nir_key": o.nir_key,
                    "birth_date": o.birth_date, "rank": o.rank, "period": "A", "start": None, "end": None,
                    "amount": str(o.amount)}]
        session.add(OneOffPaymentRow(transfer_id=row.id, code=o.code, amount=o.amount, details=json.dumps(details),
                                     entity=entity, offset=entity * 40))
    session.flush()
    return row.id


def add(ctx: Context, *transfers: Transfer, file_id: str = "000001") -> list[int]:
    with ctx.db.transaction() as session:
        file = add_file(session, file_id)
        return [add_transfer(session, file, t) for t in transfers]


# The manual's « Suivi Virements » list (29/04/2024 – 29/05/2024), each transfer made of rows that add up to it.
VIR_1FR = Transfer(date(2024, 5, 28), "VIR AMO LIGNE 1-1FR", "VIR AMO LIGNE 2 -1FR", "01349000", D("5.52"),
                   invoices=[Paid("214", D("5.52"), D("5.52"), name="ESSAI ALAINTER", invoice_date=date(2024, 1, 8))])
VIR_7FR = Transfer(date(2024, 5, 29), "VIR AMO LIGNE 1-7FR", "VIR AMO LIGNE 2 -7FR", "10349000", D("5.52"),
                   invoices=[Paid("259", D("5.52"), D("5.52"), name="ESSAI ALEXA")])
# 40,00 + 60,00 one-off payments − 5,52 withheld on DETTE7FR = 94,48
VIR_7FR_2 = Transfer(date(2024, 5, 29), "VIR AMO LIGNE 1-7FR-2", "VIR AMO LIGNE 2 -7FR-2", "10349000", D("94.48"),
                     movements=[Moved("DETTE7FR", "ODL", "CIN", D("5.52")),
                                Moved("DETTE7FR", "ODL", "RPR", D("-5.52"))],
                     one_off=[OneOffPaid("CODE1", D("40.00"), "LIBELLE1", "PAT01", "00", "991130", ""),
                              OneOffPaid("CODE2", D("60.00"), "LIBELLE2")])
# 6,44 paid on invoice 260 − 3,22 withheld on DETTE9FR = 3,22
VIR_9FR = Transfer(date(2024, 5, 29), "VIR AMO LIGNE 1-9FR", "VIR AMO LIGNE 2 -9FR", "01349000", D("3.22"),
                   invoices=[Paid("260", D("6.44"), D("6.44"), name="ISSNER NATACHA")],
                   movements=[Moved("DETTE9FR", "IND", "RPR", D("-3.22"), D("0.00"))])
# The manual's « Détail du virement » with a regularisation: invoice 259 taken back (−4,69), DETTE7FR stated then
# withheld.
VIR_REGUL = Transfer(date(2024, 5, 30), "VIR AMO REGUL", "", "10349000", D("-10.21"),
                     invoices=[Paid("259", D("4.69"), D("-4.69"), name="ESSAI ALEXA")],
                     movements=[Moved("DETTE7FR", "ODL", "CIN", D("5.52")),
                                Moved("DETTE7FR", "ODL", "RPR", D("-5.52"))])
MANUAL = (VIR_1FR, VIR_7FR, VIR_7FR_2, VIR_9FR)

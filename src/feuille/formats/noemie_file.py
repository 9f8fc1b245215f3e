"""A NOEMIE return file as typed pure models, and its writer (controls 990 and totals 999 computed).

The tree, in the order the writer puts the entities (the reader, ``noemie_reader.py``, expects the same)::

    000 header
    [020 mandataire]
    040 payee                                  Payee
      070 accounting day | 071 transfer        Settlement (transfer: Transfer | None)
        081 return type                        ReturnGroup
          080 lot                              Lot
            100 | 102 invoice                  Invoice (extended: 102)
              [103] [110] [120] [150] [160] [198 AMO] [199 AMC] 210* 290* 294*
            990 closing the invoice (05)
          990 closing the lot (04)
          250*                                 Movement
          261 262*                             OnePayment (details)
        990 closing the settlement (03)
    999 trailer

**feuille's own** (no public source gives them): this nesting, the levels it writes (``noemie.LEVELS``), what
a 990 counts and totals (the entities one level below the one it closes: an invoice's details and the shares
paid; a lot's invoices and their totals; a settlement's lots, movements and one-off entities, and what the
transfer pays: invoices, one-off payments and withholdings ``RPR``), and the 999 record count including the
header and the trailer (as in the B2 file).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from feuille.errors import ValidationError
from feuille.formats.fixed_width import Layout
from feuille.formats.noemie import ENTITIES, HEADER, RECORD, TRAILER, encode, make_blocks, split_sign
from feuille.money import ZERO, total

WITHHOLDING = "RPR"   # « Retenue sur prestation » (sesam viewer): the operation that takes money from a transfer
PAID, REJECTED, DEFERRED, UNTREATED = "P", "R", "D", ""   # share status (FORMATS.md §3, sesam viewer)


@dataclass(frozen=True)
class Header:
    """Entity 000 (and the envelope repeated in 999)."""

    emitter_type: str
    emitter_number: str
    recipient_type: str
    recipient_number: str
    file_id: str
    created: date
    reference: str = "576"
    version: str = ""
    emitter_program: str = ""
    recipient_program: str = ""
    application: str = ""
    compression: str = ""
    encryption: str = "N"
    currency: str = "U"
    flow: str = ""
    message: str = ""


@dataclass(frozen=True)
class Beneficiary:
    """Entity 103: the insured and the patient. Birth dates stay as read (AAMMJJ; lunar dates exist)."""

    nir: str
    nir_key: str
    birth_name: str = ""
    usual_name: str = ""
    first_name: str = ""
    patient_nir: str = ""
    patient_nir_key: str = ""
    birth_date: str = ""
    rank: str = ""
    patient_name: str = ""
    patient_first_name: str = ""
    management_unit: str = ""


@dataclass(frozen=True)
class Insured:
    """Entity 110."""

    nir: str
    nir_key: str
    name_type: str = ""
    name: str = ""
    first_name: str = ""


@dataclass(frozen=True)
class Patient:
    """Entity 120."""

    birth_date: str
    rank: str = ""
    name: str = ""
    first_name: str = ""
    management_unit: str = ""


@dataclass(frozen=True)
class Share:
    """Entity 198 (AMO): the amount claimed, its status (P paid, R rejected, D deferred, blank untreated), paid."""

    claimed: Decimal
    status: str
    paid: Decimal = ZERO


@dataclass(frozen=True)
class AmcShare(Share):
    """Entity 199: as 198, with the AMC and the member."""

    amc_number: str = ""
    member_id: str = ""


@dataclass(frozen=True)
class Act:
    """Entity 210: one act line as the insurer paid it (``reimbursed`` is signed)."""

    line: int
    act_code: str
    reimbursed: Decimal
    base: Decimal = ZERO
    unit_price: Decimal = ZERO
    rate: int = 0
    quantity: int = 0
    coefficient: str = ""
    count: int = 0
    complement: str = ""
    management_code: str = ""
    exoneration: str = ""
    processing_mode: str = ""
    discipline: str = ""
    prescription_date: date | None = None
    care_start: date | None = None
    care_end: date | None = None
    expense: Decimal = ZERO
    expense_qualifier: str = ""
    local_rate: int = 0
    local_amount: Decimal = ZERO
    amc_rate: int = 0
    amc_amount: Decimal = ZERO
    amc_base: Decimal = ZERO


@dataclass(frozen=True)
class Message:
    """Entity 290: a reject or a warning on an invoice (line 0: the whole invoice)."""

    line: int
    code: str
    label: str


@dataclass(frozen=True)
class RejectLine:
    """Entity 294: a reject's detail: level F invoice, L line, A coded act; share O AMO, C AMC."""

    code: str
    label: str
    reject_level: str
    share: str
    act: str = ""
    care_date: date | None = None
    performer: str = ""
    line: int = 0
    rank: int = 0
    information: str = ""


@dataclass(frozen=True)
class Invoice:
    """Entity 100 (``extended=False``: the number alone) or 102, and its details."""

    number: str
    extended: bool = True
    number_complement: str = ""
    lot_number: str = ""
    lot_date: date | None = None
    invoice_type: str = ""
    invoice_date: date | None = None
    amc_processing: str = ""
    insurance_nature: str = ""
    beneficiary: Beneficiary | None = None
    insured: Insured | None = None
    patient: Patient | None = None
    nature: str = ""
    archive: str = ""
    amo: Share | None = None
    amc: AmcShare | None = None
    acts: tuple[Act, ...] = ()
    messages: tuple[Message, ...] = ()
    rejects: tuple[RejectLine, ...] = ()

    def __post_init__(self) -> None:
        if self.number.isdigit():  # a number is 9 digits in the file: « 259 » and « 000000259 » are one invoice
            object.__setattr__(self, "number", self.number.rjust(9, "0"))

    @property
    def total(self) -> Decimal:
        """What this invoice brings to the transfer: the AMO and AMC shares paid, signed."""
        return total(share.paid for share in (self.amo, self.amc) if share is not None)


@dataclass(frozen=True)
class Lot:
    """Entity 080 and its invoices."""

    date: date
    number: int
    invoices: tuple[Invoice, ...] = ()

    @property
    def total(self) -> Decimal:
        return total(invoice.total for invoice in self.invoices)


@dataclass(frozen=True)
class Movement:
    """Entity 250: a financial movement on a debt (``amount`` signed; ``RPR`` withholds it from the transfer)."""

    line: int
    debt_reference: str
    debt_nature: str
    operation: str
    amount: Decimal
    debt_date: date | None = None
    remaining: Decimal = ZERO


@dataclass(frozen=True)
class OneOffDetail:
    """Entity 262: what a one-off or flat-rate payment is for."""

    code: str = ""
    label: str = ""
    nir: str = ""
    nir_key: str = ""
    birth_date: str = ""
    rank: str = ""
    period: str = ""
    start: date | None = None
    end: date | None = None
    amount: Decimal = ZERO


@dataclass(frozen=True)
class OneOffPayment:
    """Entity 261 (code and amount) and its 262 details."""

    code: str
    amount: Decimal
    details: tuple[OneOffDetail, ...] = ()


@dataclass(frozen=True)
class ReturnGroup:
    """Entity 081: a return type (01 electronic flows … 05 deductions) and what it carries."""

    kind: str
    place: str = ""
    lots: tuple[Lot, ...] = ()
    movements: tuple[Movement, ...] = ()
    payments: tuple[OneOffPayment, ...] = ()

    @property
    def total(self) -> Decimal:
        withheld = (m.amount for m in self.movements if m.operation == WITHHOLDING)
        return total([*(lot.total for lot in self.lots), *(p.amount for p in self.payments), *withheld])


@dataclass(frozen=True)
class Transfer:
    """Entity 071's labels and paying organism (the date is the settlement's)."""

    label_1: str
    label_2: str = ""
    paying_organism: str = ""


@dataclass(frozen=True)
class Settlement:
    """An accounting day (070) or a bank transfer (071) and the return groups it settles."""

    date: date
    transfer: Transfer | None = None
    groups: tuple[ReturnGroup, ...] = ()

    @property
    def total(self) -> Decimal:
        """What the transfer pays (or, without one, what the accounting day settles)."""
        return total(group.total for group in self.groups)


@dataclass(frozen=True)
class Payee:
    """Entity 040: the payee (destinataire de règlement, 15 digits) and its settlements."""

    number: str
    settlements: tuple[Settlement, ...] = ()


@dataclass(frozen=True)
class NoemieFile:
    """A whole return file; its 990 controls and 999 totals are computed, not stored."""

    header: Header
    payees: tuple[Payee, ...] = ()
    mandataire: str = ""

    @property
    def total(self) -> Decimal:
        return total(s.total for payee in self.payees for s in payee.settlements)

    @property
    def lot_count(self) -> int:
        return sum(len(g.lots) for p in self.payees for s in p.settlements for g in s.groups)


@dataclass
class _Out:
    """The entities written so far."""

    entities: list[str] = field(default_factory=list)

    def add(self, entity: str, /, **values: object) -> None:
        self.entities.append(encode(ENTITIES[entity], values))

    def signed(self, entity: str, amount_field: str, amount: Decimal, /, **values: object) -> None:
        absolute, sign = split_sign(amount)
        self.add(entity, **{amount_field: absolute, "sign": sign}, **values)

    def control(self, closes: str, count: int, amount: Decimal) -> None:
        self.signed("990", "total", amount, closes=closes, count=count)


def write_file(file: NoemieFile, *, blocks: bool = False) -> str:
    """The return file as text: continuous, or in 128-character blocks flagged ``1`` on the last data block.

    A value that does not fit its field is a French ``ValidationError`` naming the entity and the field.
    """
    out = _Out()
    if file.mandataire:
        out.add("020", payee=file.mandataire)
    for payee in file.payees:
        out.add("040", payee=payee.number)
        for settlement in payee.settlements:
            _settlement(out, settlement)
    text = _envelope(HEADER, file.header, created=file.header.created, reference=file.header.reference,
                     version=file.header.version, compression=file.header.compression,
                     encryption=file.header.encryption, currency=file.header.currency, flow=file.header.flow,
                     record_length=RECORD, message=file.header.message)
    absolute, sign = split_sign(file.total)
    trailer = _envelope(TRAILER, file.header, record_count=len(out.entities) + 2, flow=file.header.flow,
                        lot_count=file.lot_count, total=absolute, sign=sign)
    out.entities.insert(0, text)
    out.entities.append(trailer)
    whole = "".join(out.entities)
    out.entities.clear()  # one copy of the file at a time: the entities are in ``whole`` now
    return make_blocks(whole) if blocks else whole


def _envelope(layout: Layout, header: Header, **values: object) -> str:
    return encode(layout, {
        "emitter_type": header.emitter_type, "emitter_number": header.emitter_number,
        "emitter_program": header.emitter_program, "recipient_type": header.recipient_type,
        "recipient_number": header.recipient_number, "recipient_program": header.recipient_program,
        "application": header.application, "file_id": header.file_id, **values})


def _settlement(out: _Out, settlement: Settlement) -> None:
    if settlement.transfer is None:
        out.add("070", date=settlement.date)
    else:
        t = settlement.transfer
        out.add("071", date=settlement.date, label_1=t.label_1, label_2=t.label_2,
                paying_organism=t.paying_organism)
    count = 0
    for group in settlement.groups:
        out.add("081", kind=group.kind, place=group.place)
        for lot in group.lots:
            _lot(out, lot)
        for movement in group.movements:
            out.signed("250", "amount", movement.amount, line=movement.line,
                       debt_reference=movement.debt_reference, debt_date=movement.debt_date,
                       debt_nature=movement.debt_nature, operation=movement.operation,
                       remaining=movement.remaining)
        for payment in group.payments:
            out.add("261", code=payment.code, amount=payment.amount)
            for d in payment.details:
                out.add("262", code=d.code, label=d.label, nir=d.nir, nir_key=d.nir_key, birth_date=d.birth_date,
                        rank=d.rank, period=d.period, start=d.start, end_date=d.end, amount=d.amount)
        count += len(group.lots) + len(group.movements) + sum(1 + len(p.details) for p in group.payments)
    out.control("03", count, settlement.total)


def _lot(out: _Out, lot: Lot) -> None:
    out.add("080", lot_date=lot.date, lot_number=lot.number)
    for invoice in lot.invoices:
        count = _invoice(out, invoice)
        out.control("05", count, invoice.total)
    out.control("04", len(lot.invoices), lot.total)


def _invoice(out: _Out, invoice: Invoice) -> int:
    """Writes the invoice and its details; returns how many details (the invoice's 990 counts them)."""
    number = invoice.number
    if invoice.extended:
        out.add("102", invoice_number=number, number_complement=invoice.number_complement,
                lot_number=invoice.lot_number, lot_date=invoice.lot_date,
                invoice_type=invoice.invoice_type, invoice_date=invoice.invoice_date,
                amc_processing=invoice.amc_processing, insurance_nature=invoice.insurance_nature)
    elif (invoice.number_complement, invoice.lot_number, invoice.lot_date, invoice.invoice_type,
          invoice.invoice_date, invoice.amc_processing, invoice.insurance_nature) != ("", "", None, "", None, "", ""):
        raise ValidationError(f"NOEMIE, facture {number} : l'entité 100 ne porte que le numéro ; "
                              "le lot, le type et les dates demandent l'entité 102.",
                              code="noemie_short_invoice", field="extended")
    else:
        out.add("100", invoice_number=number)
    before = len(out.entities)
    for kind, detail in _details(invoice):
        out.add(kind, **detail)
    for act in invoice.acts:
        values = {name: getattr(act, name) for name in ACT_FIELDS}
        out.signed("210", "reimbursed", act.reimbursed, **values)
    for message in invoice.messages:
        out.add("290", line=message.line, code=message.code, label=message.label)
    for reject in invoice.rejects:
        out.add("294", **{name: getattr(reject, name) for name in REJECT_FIELDS})
    return len(out.entities) - before


ACT_FIELDS = tuple(f for f in Act.__dataclass_fields__ if f != "reimbursed")
REJECT_FIELDS = tuple(RejectLine.__dataclass_fields__)


def _details(invoice: Invoice) -> Iterator[tuple[str, dict[str, object]]]:
    """The optional entities 103 to 199 of an invoice, in order."""
    for kind, person in (("103", invoice.beneficiary), ("110", invoice.insured), ("120", invoice.patient)):
        if person is not None:
            yield kind, dict(vars(person))
    if invoice.nature:
        yield "150", {"nature": invoice.nature}
    if invoice.archive:
        yield "160", {"archive_number": invoice.archive}
    for kind, share in (("198", invoice.amo), ("199", invoice.amc)):
        if share is not None:
            paid, sign = split_sign(share.paid)
            yield kind, {**vars(share), "paid": paid, "sign": sign}

"""Stage 3 of reading a NOEMIE return: the tree checked as the entities come, and the events made.

The tree is the writer's (``noemie_file.py``). :class:`Walk` takes the entities one by one (decoded by
``noemie_decode.BUILDERS``), keeps only the invoice, one-off payment and scopes being read, and appends to ``out``
the events of ``noemie_events``. Tolerance (docs/formats-noemie.md « Problems »):

- an entity that does not decode is a problem; what it belongs to is then known as damaged: an invoice (its head,
  a detail or its 990 broken, its details out of order, its 990 count or total wrong, or no 990) is skipped whole
  with a ``noemie_skipped`` problem naming it; a settlement whose 040 or 070/071 does not read is skipped with
  everything in it (each invoice named); a lot or a return type that does not read leaves its invoices given
  without it (``lot_date``/``lot_number`` None, ``return_kind`` "");
- an entity out of place is a ``noemie_structure`` problem and is taken where it can be (an 080 after the
  movements opens a lot all the same), or ignored (a 210 outside an invoice);
- the 990 of a lot, of a settlement and the 999 are checked against what was read; the totals only when nothing
  was damaged inside (a problem already says what is missing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from feuille.errors import quoted
from feuille.formats.noemie import ENTITIES, LABELS
from feuille.formats.noemie_decode import explain, make
from feuille.formats.noemie_events import (
    End,
    Event,
    InvoiceReturn,
    MovementReturn,
    OneOffReturn,
    Problem,
    SettlementEnd,
    SettlementStart,
    Start,
)
from feuille.formats.noemie_file import WITHHOLDING, Header, Invoice, OneOffPayment
from feuille.money import ZERO

#: An invoice's details in the writer's order; the first seven at most once.
RANKS = {"103": 0, "110": 1, "120": 2, "150": 3, "160": 4, "198": 5, "199": 6, "210": 7, "290": 8, "294": 9}
REPEATED = 7
_ENVELOPE = ("emitter_type", "emitter_number", "emitter_program", "recipient_type", "recipient_number",
             "recipient_program", "application", "file_id")


@dataclass(frozen=True)
class PayeeMark:
    number: str


@dataclass(frozen=True)
class GroupMark:
    kind: str
    place: str


@dataclass(frozen=True)
class LotMark:
    date: date
    number: int


Marker = PayeeMark | GroupMark | LotMark


def raw_field(kind: str, text: str, name: str) -> str:
    """A field's characters as they stand in an entity that did not decode (its layout gives the columns)."""
    f = next(f for f in ENTITIES[kind].fields if f.name == name)
    return text[f.start - 1:f.end - 1].rstrip()


class _Invoice:
    """An invoice being read: its head, its details so far, and why it is skipped (``broken``)."""

    __slots__ = ("acts", "broken", "count", "details", "entity", "head", "kind", "messages", "number", "offset",
                 "rank", "rejects")

    def __init__(self, kind: str, number: str, head: dict[str, Any], entity: int, offset: int) -> None:
        self.kind, self.number, self.head, self.entity, self.offset = kind, number, head, entity, offset
        self.details: dict[str, Any] = {"beneficiary": None, "insured": None, "patient": None, "nature": "",
                                        "archive": "", "amo": None, "amc": None}
        self.acts: list[Any] = []
        self.messages: list[Any] = []
        self.rejects: list[Any] = []
        self.rank, self.count = -1, 0
        self.broken: str | None = None


_DETAIL_NAMES = {"103": "beneficiary", "110": "insured", "120": "patient", "150": "nature", "160": "archive",
                 "198": "amo", "199": "amc"}


class Walk:
    """See the module's docstring. ``tree``: also append the markers of payees, return types and lots."""

    def __init__(self, tree: bool = False) -> None:
        self.out: list[Event | Marker] = []
        self.tree = tree
        self.header: Header | None = None
        self.dead = False            # the header did not read: only problems from now on
        self.start_pending = False
        self.plain = False           # the header read and its Start given: entities go straight to their handler
        self.blocked = False
        self.mandataire = ""
        self.payee: str | None = None
        self.skip: str | None = None     # why the current settlement's content is skipped
        self.settlement: SettlementStart | None = None
        self.s_count, self.s_total, self.s_damaged = 0, ZERO, 0
        self.kind: str | None = None
        self.phase = 0                  # in a return type: 0 lots, 1 movements, 2 one-off payments
        self.lot: tuple[date | None, int | None] | None = None
        self.l_count, self.l_total, self.l_damaged = 0, ZERO, 0
        self.invoice: _Invoice | None = None
        self.payment: list[Any] | None = None   # code, amount, details, entity, offset, broken
        self.lots, self.total, self.damaged = 0, ZERO, 0
        self.ended = False
        self.handlers = {"020": self.on_020, "040": self.on_040, "070": self.on_settlement,
                         "071": self.on_settlement, "081": self.on_081, "080": self.on_080, "100": self.on_head,
                         "102": self.on_head, "250": self.on_250, "261": self.on_261, "262": self.on_262,
                         "990": self.on_990, "999": self.on_999,
                         **dict.fromkeys(RANKS, self.on_detail)}

    # -- problems -----------------------------------------------------------------------------------------------

    def problem(self, problem: Problem, *, cut: bool = True) -> None:
        """A problem; ``cut``: one of cutting the file (what is being read has lost an entity)."""
        self.out.append(problem)
        self.damaged += 1
        if cut:
            if self.invoice is not None and self.invoice.broken is None:
                self.invoice.broken = "une entité illisible la coupe"
            if self.payment is not None:
                self.payment[5] = True

    def _structure(self, number: int, offset: int, kind: str, expected: str) -> None:
        self.problem(Problem(number, offset, kind, None, "noemie_structure",
                             f"NOEMIE, entité {number} ({kind}) inattendue ici : {expected}."), cut=False)

    def _skipped(self, what: str, number: int, offset: int, kind: str, why: str, invoice: str | None = None
                 ) -> None:
        self.problem(Problem(number, offset, kind, None, "noemie_skipped",
                             f"NOEMIE, entité {number} ({kind}) : {what} non lu(e), {why}.", invoice), cut=False)

    # -- entities -----------------------------------------------------------------------------------------------

    def bad(self, kind: str, text: str, number: int, offset: int) -> None:
        """An entity the strict reading refused: its problem, and what it belongs to is damaged."""
        error = explain(kind, text, number)
        self.problem(Problem(number, offset, kind, error.field, error.code, error.message), cut=False)
        if not self.dead:
            self._start(kind)
            self.broken(kind, text, number, offset)

    def entity(self, kind: str, value: Any, number: int, offset: int, blocked: bool) -> None:
        """An entity read, when :attr:`plain` is not true."""
        if kind == "000":
            self.header, self.start_pending, self.blocked = value, True, blocked
            if value.created is None:
                self.problem(Problem(1, offset, kind, "created", "format_date",
                                     f"NOEMIE, entité 1 (000), {LABELS['created']} : date attendue."), cut=False)
                self.header, self.dead, self.start_pending = None, True, False
            return
        if self.dead:
            return
        self._start(kind)
        self.handlers[kind](kind, value, number, offset)

    def _start(self, kind: str) -> None:
        if kind == "000" and self.header is None:
            self.dead = True
        if self.start_pending and kind != "020":
            self.start_pending = False
            assert self.header is not None
            self.out.append(Start(self.header, self.blocked, self.mandataire))
            self.plain = not self.dead

    def broken(self, kind: str, text: str, number: int, offset: int) -> None:
        """An entity that did not decode (its problem is already given): what it belongs to is damaged."""
        if kind in RANKS:
            if self.invoice is not None:
                self.invoice.count += 1
                self.invoice.broken = self.invoice.broken or "une de ses entités est illisible"
        elif kind in ("100", "102"):
            self.on_head(kind, None, number, offset, raw_field(kind, text, "invoice_number"))
        elif kind == "990":
            self.on_990(kind, (raw_field(kind, text, "closes"), None, None), number, offset)
        elif kind == "080":
            self.on_080(kind, None, number, offset)
        elif kind == "081":
            self.on_081(kind, ("", ""), number, offset)
        elif kind in ("040", "070", "071"):
            self._close_settlement(number, offset, kind)
            if kind == "040":
                self.payee = None
            self.skip = "le règlement qui la porte est illisible"
        elif kind in ("250", "261", "262"):
            self.s_count += 1
            if kind == "261":
                self._close_payment()
                self.payment = ["", ZERO, [], number, offset, True]
            elif kind == "262" and self.payment is not None:
                self.payment[5] = True
        elif kind == "000":
            self.dead = True
        elif kind == "999":
            self._close_settlement(number, offset, kind)
            self.ended = True
            self.out.append(End(None, None, None))

    def on_020(self, kind: str, value: str, number: int, offset: int) -> None:
        if not self.start_pending:
            self._structure(number, offset, kind, "le mandataire 020 suit l'en-tête")
            return
        self.mandataire = value
        self._start("")

    def on_040(self, kind: str, value: str, number: int, offset: int) -> None:
        self._close_settlement(number, offset, kind)
        self.payee, self.skip = value, None
        if self.tree:
            self.out.append(PayeeMark(value))

    def on_settlement(self, kind: str, value: Any, number: int, offset: int) -> None:
        self._close_settlement(number, offset, kind)
        day, transfer = (value, None) if kind == "070" else value
        if self.payee is None:
            if self.skip is None:
                self._structure(number, offset, kind, "un règlement suit son destinataire 040")
                self.skip = "son règlement n'a pas de destinataire 040"
            return
        if day is None:
            self.problem(Problem(number, offset, kind, "date", "format_date",
                                 f"NOEMIE, entité {number} ({kind}), {LABELS['date']} : date attendue."), cut=False)
            self.skip = "la date de son règlement manque"
            return
        self.skip = None
        self.settlement = SettlementStart(self.payee, day, transfer, number, offset)
        self.s_count, self.s_total, self.s_damaged = 0, ZERO, self.damaged
        self.out.append(self.settlement)

    def on_081(self, kind: str, value: tuple[str, str], number: int, offset: int) -> None:
        self._close_lot(number, offset, kind)
        self._close_payment()
        if self.settlement is None and self.skip is None:
            self._structure(number, offset, kind, "un type de retour 081 suit un règlement 070 ou 071")
            self.skip = "son type de retour est hors d'un règlement"
        self.kind, self.phase = value[0], 0
        if self.tree:
            self.out.append(GroupMark(*value))

    def on_080(self, kind: str, value: tuple[date | None, int] | None, number: int, offset: int) -> None:
        self._close_lot(number, offset, kind)
        self._close_payment()
        if self.kind is None:
            self._structure(number, offset, kind, "un lot 080 suit un type de retour 081")
        elif self.phase:
            self._structure(number, offset, kind, "les lots 080 précèdent les mouvements 250 et paiements 261")
        self.s_count += 1
        self.lots += 1
        if value is not None and value[0] is None:
            self.problem(Problem(number, offset, kind, "lot_date", "format_date",
                                 f"NOEMIE, entité {number} ({kind}), {LABELS['lot_date']} : date attendue."),
                         cut=False)
            value = None
        self.lot = (None, None) if value is None else value
        self.l_count, self.l_total, self.l_damaged = 0, ZERO, self.damaged
        if self.tree and value is not None and value[0] is not None:
            self.out.append(LotMark(value[0], value[1]))

    def on_head(self, kind: str, value: Any, number: int, offset: int, raw: str = "") -> None:
        self._close_invoice(number, offset, kind)
        self._close_payment()
        if kind == "100":
            head = {"number": value or raw, "extended": False, "number_complement": "", "lot_number": "",
                    "lot_date": None, "invoice_type": "", "invoice_date": None, "amc_processing": "",
                    "insurance_nature": ""}
        else:
            values = value or (raw, "", "", None, "", None, "", "")
            head = dict(zip(("number", "number_complement", "lot_number", "lot_date", "invoice_type",
                             "invoice_date", "amc_processing", "insurance_nature"), values, strict=True))
            head["extended"] = True
        invoice = self.invoice = _Invoice(kind, str(head["number"]), head, number, offset)
        if value is None:
            invoice.broken = "son entité de tête est illisible"
        elif invoice.number.isdigit() and len(invoice.number) != 9:
            self.problem(Problem(number, offset, kind, "invoice_number", "noemie_invoice_number",
                                 f"NOEMIE, entité {number} ({kind}), {LABELS['invoice_number']} : "
                                 f"{quoted(invoice.number)} lu, 9 chiffres attendus.", invoice.number), cut=False)
            invoice.broken = "son numéro n'a pas 9 chiffres"
        if self.lot is None and self.skip is None:
            self._structure(number, offset, kind, "une facture suit un lot 080")
        if self.lot is not None:
            self.l_count += 1
        if self.skip is not None or self.lot is None or self.kind is None or self.settlement is None:
            invoice.broken = invoice.broken or self.skip or "elle est hors d'un lot"

    def on_detail(self, kind: str, value: Any, number: int, offset: int) -> None:
        invoice = self.invoice
        if invoice is None:
            self._structure(number, offset, kind, "les détails d'une facture suivent sa tête 100 ou 102")
            return
        invoice.count += 1
        rank = RANKS[kind]
        if rank < invoice.rank or (rank == invoice.rank and rank < REPEATED):
            self._structure(number, offset, kind, "les détails d'une facture sont dans l'ordre 103, 110, 120, 150, "
                                                  "160, 198, 199, 210, 290, 294")
            invoice.broken = invoice.broken or "ses entités ne sont pas dans l'ordre"
            return
        invoice.rank = rank
        if rank < REPEATED:
            invoice.details[_DETAIL_NAMES[kind]] = value
        else:
            (invoice.acts if kind == "210" else invoice.messages if kind == "290" else invoice.rejects).append(value)

    def on_250(self, kind: str, value: Any, number: int, offset: int) -> None:
        self._close_lot(number, offset, kind)
        self._close_payment()
        if self.phase == 2:
            self._structure(number, offset, kind, "les mouvements 250 précèdent les paiements ponctuels 261")
        self.phase = max(self.phase, 1)
        self.s_count += 1
        if value.operation == WITHHOLDING:
            self.s_total += value.amount
        if self._group_ok(number, offset, kind, "mouvement financier"):
            assert self.settlement is not None and self.kind is not None
            self.out.append(MovementReturn(self.settlement, self.kind, value, number, offset))

    def on_261(self, kind: str, value: tuple[str, Decimal], number: int, offset: int) -> None:
        self._close_lot(number, offset, kind)
        self._close_payment()
        self.phase = 2
        self.s_count += 1
        self.s_total += value[1]
        self.payment = [value[0], value[1], [], number, offset, False]

    def on_262(self, kind: str, value: Any, number: int, offset: int) -> None:
        if self.payment is None:
            self._structure(number, offset, kind, "un détail 262 suit son paiement ponctuel 261")
            return
        self.s_count += 1
        self.payment[2].append(value)

    def _group_ok(self, number: int, offset: int, kind: str, what: str) -> bool:
        if self.settlement is not None and self.kind is not None and self.skip is None:
            return True
        if self.skip is None:
            self._structure(number, offset, kind, "il suit un type de retour 081")
        self._skipped(what, number, offset, kind, self.skip or "il est hors d'un type de retour")
        return False

    def _close_payment(self) -> None:
        payment, self.payment = self.payment, None
        if payment is None:
            return
        code, amount, details, number, offset, broken = payment
        if broken:
            self._skipped("paiement ponctuel", number, offset, "261", "une de ses entités est illisible")
        elif self._group_ok(number, offset, "261", "paiement ponctuel"):
            assert self.settlement is not None and self.kind is not None
            made = make(OneOffPayment, {"code": code, "amount": amount, "details": tuple(details)})
            self.out.append(OneOffReturn(self.settlement, self.kind, made, number, offset))

    # -- controls -----------------------------------------------------------------------------------------------

    def on_990(self, kind: str, value: tuple[str, int | None, Decimal | None], number: int, offset: int) -> None:
        closes, count, total = value
        if closes == "05" and self.invoice is not None:
            self._end_invoice(count, total, number, offset)
        elif closes == "04" and self.lot is not None:
            self._close_invoice(number, offset, kind)
            self._control(number, offset, count, total, self.l_count, self.l_total, self.l_damaged)
            self.s_total += self.l_total
            self.lot = None
        elif closes == "03" and (self.settlement is not None or self.skip is not None):
            self._close_settlement(number, offset, kind, (count, total))
        else:
            self._structure(number, offset, kind, f"contrôle du niveau {quoted(closes)} sans ce niveau ouvert")

    def _control(self, number: int, offset: int, count: int | None, total: Decimal | None, read: int,
                 amount: Decimal, damaged_at: int) -> bool:
        """A 990 against what was read: its count always, its total when nothing inside was damaged."""
        if count is None:
            return False
        if count != read:
            self.problem(Problem(number, offset, "990", "count", "noemie_control_count",
                                 f"NOEMIE, entité {number} (990) : {count} entités annoncées, {read} lues."),
                         cut=False)
            return False
        if total != amount and self.damaged == damaged_at:
            self.problem(Problem(number, offset, "990", "total", "noemie_control_total",
                                 f"NOEMIE, entité {number} (990) : cumul annoncé {quoted(total)}, "
                                 f"calculé {quoted(amount)}."), cut=False)
            return False
        return True

    def _end_invoice(self, count: int | None, total: Decimal | None, number: int, offset: int) -> None:
        invoice = self.invoice
        assert invoice is not None
        self.invoice = None
        details = invoice.details
        amo, amc = details["amo"], details["amc"]
        paid = (amo.paid if amo is not None else ZERO) + (amc.paid if amc is not None else ZERO)
        if invoice.broken is None and not self._control(number, offset, count, total, invoice.count, paid,
                                                        self.damaged):
            invoice.broken = "son contrôle 990 est illisible" if count is None else \
                "son contrôle 990 ne correspond pas à ses entités"
        if invoice.broken is not None:
            self._skipped(f"facture {invoice.number}", invoice.entity, invoice.offset, invoice.kind, invoice.broken,
                          invoice.number)
            return
        made = make(Invoice, {**invoice.head, **details, "acts": tuple(invoice.acts),
                              "messages": tuple(invoice.messages), "rejects": tuple(invoice.rejects)})
        self.l_total += paid
        assert self.settlement is not None and self.lot is not None and self.kind is not None
        self.out.append(InvoiceReturn(self.settlement, self.kind, self.lot[0], self.lot[1], made, invoice.entity,
                                      invoice.offset))

    def _close_invoice(self, number: int, offset: int, kind: str) -> None:
        """The invoice being read ends here without its 990: skipped."""
        invoice = self.invoice
        if invoice is None:
            return
        if invoice.broken is None:
            self._structure(number, offset, kind, "entité 990 (fin de la facture) attendue")
            invoice.broken = "sa fin 990 manque"
        self._end_invoice(None, None, number, offset)

    def _close_lot(self, number: int, offset: int, kind: str) -> None:
        self._close_invoice(number, offset, kind)
        if self.lot is not None:
            self._structure(number, offset, kind, "entité 990 (fin du lot) attendue")
            self.s_total += self.l_total
            self.lot = None

    def _close_settlement(self, number: int, offset: int, kind: str,
                          control: tuple[int | None, Decimal | None] | None = None) -> None:
        self._close_lot(number, offset, kind)
        self._close_payment()
        self.kind = None
        settlement, self.settlement = self.settlement, None
        if settlement is None:
            self.skip = None if control is not None else self.skip
            return
        if control is None:
            self._structure(number, offset, kind, "entité 990 (fin du règlement) attendue")
            control = (None, None)
        self._control(number, offset, control[0], control[1], self.s_count, self.s_total, self.s_damaged)
        self.total += self.s_total
        self.out.append(SettlementEnd(settlement, *control))

    def on_999(self, kind: str, value: tuple[Any, ...], number: int, offset: int) -> None:
        self._close_settlement(number, offset, kind)
        self.ended = True
        *envelope, record_count, flow, lot_count, total = value
        header = self.header
        assert header is not None
        checks: list[tuple[str, object, object]] = [
            *((name, read, getattr(header, name)) for name, read in zip(_ENVELOPE, envelope, strict=True)),
            ("flow", flow, header.flow), ("record_count", record_count, number), ("lot_count", lot_count, self.lots)]
        if self.damaged == 0:
            checks.append(("total", total, self.total))
        for name, read, expected in checks:
            if read != expected:
                self.problem(Problem(number, offset, kind, name, "noemie_trailer",
                                     f"NOEMIE, entité {number} (999) : {name.replace('_', ' ')} {quoted(read)} lu, "
                                     f"{quoted(expected)} attendu."), cut=False)
        self.out.append(End(record_count, lot_count, total))

    def finish(self) -> None:
        """The entities are over: what is still open ends (the cut was reported), then the end."""
        if self.dead or self.header is None:
            return
        self._start("")
        if not self.ended:
            self.skip = self.skip or "le fichier s'arrête avant sa fin"
            if self.invoice is not None:
                self.invoice.broken = self.invoice.broken or "le fichier s'arrête avant sa fin"
            if self.payment is not None:
                self.payment[5] = True
            self._close_invoice(0, 0, "")
            self.lot = None
            self._close_payment()
            settlement, self.settlement = self.settlement, None
            if settlement is not None:
                self.out.append(SettlementEnd(settlement, None, None))
            self.out.append(End(None, None, None))

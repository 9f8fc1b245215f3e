"""Reading a NOEMIE return file: either physical form in, typed models and every French problem out.

:func:`read_file` never raises on bad input: an unknown entity type, a missing ``@``, a truncated file, a field
that does not read, an entity out of place, a 990 or a 999 whose counts or totals do not add up all become
:class:`FileProblem` s naming the entity (its number in the file, the header being 1) and the field. The tree it
expects is the writer's (``noemie_file.py``); a file read without problems is written back identically.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NoReturn

from feuille.errors import ValidationError, quoted
from feuille.formats.fixed_width import Kind, Layout
from feuille.formats.noemie import (
    END,
    ENTITIES,
    HEADER,
    LABELS,
    LEVELS,
    RECORD,
    TRAILER,
    decode,
    join_blocks,
    join_sign,
    read_date,
)
from feuille.formats.noemie_file import (
    Act,
    AmcShare,
    Beneficiary,
    Header,
    Insured,
    Invoice,
    Lot,
    Message,
    Movement,
    NoemieFile,
    OneOffDetail,
    OneOffPayment,
    Patient,
    Payee,
    RejectLine,
    ReturnGroup,
    Settlement,
    Share,
    Transfer,
)

SIGNED = {"198": "paid", "199": "paid", "210": "reimbursed", "250": "amount", "990": "total", "999": "total"}
DETAILS = ("103", "110", "120", "150", "160", "198", "199")   # an invoice's optional entities, in order
ENVELOPE = ("emitter_type", "emitter_number", "emitter_program", "recipient_type", "recipient_number",
            "recipient_program", "application", "file_id")


@dataclass(frozen=True)
class FileProblem:
    """One thing wrong in a return file: where (entity number, type, field), a stable code, a French message."""

    entity: int | None
    kind: str | None
    field: str | None
    code: str
    message: str


@dataclass(frozen=True)
class Reading:
    """What :func:`read_file` found: the file (``None`` when its structure could not be read) and the problems.

    A file with control problems (990, 999) is still given, so that they can be shown beside it; trust it only
    when ``ok``.
    """

    file: NoemieFile | None
    problems: tuple[FileProblem, ...]
    blocked: bool = False

    @property
    def ok(self) -> bool:
        return self.file is not None and not self.problems


@dataclass(frozen=True)
class _Entity:
    number: int
    kind: str
    values: dict[str, object]


class _Stop(Exception):
    """The structure cannot be read further (the problem is already recorded)."""


def read_file(data: str | bytes) -> Reading:
    """Read a return file, continuous or in 128-character blocks (``bytes`` are read as Latin-1)."""
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    if _LINE_BREAK.search(text):  # no copy of a file without line breaks (splitlines would make one)
        lines = text.splitlines()
        if len(lines) > 1 and all(len(line) == RECORD for line in lines):
            text = "".join(lines)   # blocks written one per line
        elif len(lines) == 1:
            text = lines[0]         # a continuous file ending with a line end
    joined = join_blocks(text)
    blocked = joined is not None
    if joined is not None:
        text = joined  # the blocked text is no longer needed: one copy of the file at a time
    del joined
    broken: list[FileProblem] = []  # problems found decoding the entities: the tree is then not read
    entities = _entities(text, broken)
    problems: list[FileProblem] = []
    try:
        file: NoemieFile | None = _Parser(entities, problems, broken).file()
    except _Stop:
        file = None
    for _ in entities:  # every entity is decoded, for every problem to be reported
        pass
    if broken:
        return Reading(None, tuple(broken), blocked)
    return Reading(file, tuple(problems), blocked)


#: What ``str.splitlines`` splits on.
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _problem(problems: list[FileProblem], entity: int | None, kind: str | None, code: str, message: str,
             field: str | None = None) -> None:
    problems.append(FileProblem(entity, kind, field, code, message))


def _entities(text: str, problems: list[FileProblem]) -> Iterator[_Entity]:
    """The header, every entity and the trailer, decoded one at a time (a return file holds hundreds of thousands:
    they are not all kept); stops at the first one whose length is unknown. One that does not decode is a
    problem, and is not given."""
    if len(text) < RECORD:
        _problem(problems, 1, "000", "noemie_truncated",
                 f"NOEMIE, entité 1 (000) : fichier tronqué, {len(text)} caractères pour un en-tête de {RECORD}.")
        return
    entity = _decoded(HEADER, text[:RECORD], 1, problems)
    position, number = RECORD, 2
    while True:
        if entity is not None:
            yield entity
        kind = text[position:position + 3]
        if kind == TRAILER.name:
            entity = _trailer(text, position, number, problems)
            if entity is not None:
                yield entity
            return
        layout = ENTITIES.get(kind)
        chunk = text[position:position + layout.length] if layout else ""
        if position >= len(text) or layout is None or len(chunk) < layout.length:
            _cut(text, position, number, kind, problems)
            return
        if chunk[-1] != END:
            _problem(problems, number, kind, "noemie_missing_end",
                     f"NOEMIE, entité {number} ({kind}) : « @ » attendu en colonne {layout.length}.", "end")
            return
        entity = _decoded(layout, chunk, number, problems)
        position, number = position + layout.length, number + 1


def _cut(text: str, position: int, number: int, kind: str, problems: list[FileProblem]) -> None:
    if position >= len(text) or kind in ENTITIES:
        _problem(problems, number, None, "noemie_truncated",
                 f"NOEMIE : fichier tronqué à l'entité {number}, la fin de fichier 999 manque.")
    else:
        _problem(problems, number, None, "noemie_unknown_entity",
                 f"NOEMIE, entité {number} : type d'entité inconnu {quoted(kind)}.", "type")


def _trailer(text: str, position: int, number: int, problems: list[FileProblem]) -> _Entity | None:
    chunk = text[position:position + RECORD]
    if len(chunk) < RECORD:
        _problem(problems, number, "999", "noemie_truncated",
                 f"NOEMIE, entité {number} (999) : fin de fichier tronquée ({len(chunk)} caractères pour {RECORD}).")
        return None
    if text[position + RECORD:]:
        _problem(problems, number + 1, None, "noemie_trailing",
                 f"NOEMIE, entité {number + 1} : {len(text) - position - RECORD} caractère(s) "
                 "après la fin de fichier 999.")
    return _decoded(TRAILER, chunk, number, problems)


def _decoded(layout: Layout, chunk: str, number: int, problems: list[FileProblem]) -> _Entity | None:
    """One entity's values: dates as ``date`` (or ``None``), signed amounts joined to their sign."""
    try:
        values = decode(layout, chunk, number)
        _check_level(layout, values, number)
        for f in layout.plan.by_kind[Kind.DATE]:
            values[f.name] = read_date(layout.name, f.name, values[f.name], number)
        amount = SIGNED.get(layout.name)
        if amount is not None:
            values[amount] = join_sign(layout.name, values[amount], values.pop("sign"), number)
    except ValidationError as error:
        _problem(problems, number, layout.name, error.code, error.message, error.field)
        return None
    return _Entity(number, layout.name, values)


def _check_level(layout: Layout, values: dict[str, object], number: int) -> None:
    """The level each entity is written with (``noemie.LEVELS``), and the header's record length."""
    expected = LEVELS.get(layout.name, values.get("level"))
    if layout is HEADER and values["record_length"] != str(RECORD):
        expected, values = str(RECORD), {"level": values["record_length"]}
    if values.get("level") != expected:
        name = "record_length" if layout is HEADER else "level"
        raise ValidationError(f"NOEMIE, entité {number} ({layout.name}), {LABELS[name]} : "
                              f"{quoted(values.get('level'))} lu, « {expected} » attendu.",
                              code="noemie_level", field=name)


def _opt(value: object) -> str:
    """A numeric code that may be absent: all zeros is absent."""
    text = str(value)
    return "" if text.strip("0") == "" else text


def _text(values: dict[str, object], *names: str) -> dict[str, str]:
    return {name: str(values[name]) for name in names}


class _Parser:
    """Walks the decoded entities along the writer's tree as they come; a misplaced entity stops it (one
    problem), and so does an entity that did not decode (``broken``: the tree would be read with a hole)."""

    def __init__(self, entities: Iterator[_Entity], problems: list[FileProblem], broken: list[FileProblem]
                 ) -> None:
        self.entities = entities
        self.problems = problems
        self.broken = broken
        self.taken = 0   # entities taken after the header
        self.current: _Entity | None = None
        self.advance()
        if self.current is None:
            raise _Stop
        self.head: _Entity = self.current
        self.advance()

    def advance(self) -> None:
        self.current = next(self.entities, None)
        if self.broken:
            raise _Stop

    def peek(self) -> str | None:
        return self.current.kind if self.current is not None else None

    def take(self, *kinds: str) -> _Entity:
        if self.peek() not in kinds:
            self.fail(" ou ".join(kinds))
        entity = self.current
        assert entity is not None
        self.advance()
        self.taken += 1
        return entity

    def fail(self, expected: str) -> NoReturn:
        found = self.current
        where = f"entité {found.number} ({found.kind}) inattendue ici" if found else "fin des entités"
        _problem(self.problems, found.number if found else None, found.kind if found else None,
                 "noemie_structure", f"NOEMIE, {where} : entité {expected} attendue.")
        raise _Stop

    def control(self, closes: str, count: int, amount: Decimal) -> None:
        """The 990 closing what was just read: its level, count and total against what was read."""
        entity = self.take("990")
        values, n = entity.values, entity.number
        if values["closes"] != closes:
            _problem(self.problems, n, "990", "noemie_structure",
                     f"NOEMIE, entité {n} (990) : contrôle du niveau {quoted(values['closes'])} "
                     f"au lieu de « {closes} ».", "closes")
            raise _Stop
        if int(str(values["count"])) != count:
            _problem(self.problems, n, "990", "noemie_control_count",
                     f"NOEMIE, entité {n} (990) : {int(str(values['count']))} entités annoncées, {count} lues.",
                     "count")
        if values["total"] != amount:
            _problem(self.problems, n, "990", "noemie_control_total",
                     f"NOEMIE, entité {n} (990) : cumul annoncé {quoted(values['total'])}, "
                     f"calculé {quoted(amount)}.", "total")

    def date(self, entity: _Entity, name: str) -> date:
        """A date the tree needs (file, settlement, lot): a missing one stops the reading."""
        value = entity.values[name]
        if isinstance(value, date):
            return value
        _problem(self.problems, entity.number, entity.kind, "format_date",
                 f"NOEMIE, entité {entity.number} ({entity.kind}), {LABELS[name]} : date attendue.", name)
        raise _Stop

    def file(self) -> NoemieFile:
        head = self.head.values
        header = Header(**_text(head, *ENVELOPE, "reference", "version", "compression", "encryption",
                                "currency", "flow", "message"), created=self.date(self.head, "created"))
        mandataire = str(self.take("020").values["payee"]) if self.peek() == "020" else ""
        payees = []
        while self.peek() == "040":
            payees.append(self.payee())
        file = NoemieFile(header, tuple(payees), mandataire)
        if self.current is None or self.current.kind != TRAILER.name:  # the entities end with the first 999
            self.fail("040 ou la fin de fichier 999")
        self.trailer(file, head, self.current)
        return file

    def trailer(self, file: NoemieFile, head: dict[str, object], entity: _Entity) -> None:
        values, n = entity.values, entity.number
        checks = [(name, values[name], head[name]) for name in (*ENVELOPE, "flow")]
        checks += [("record_count", int(str(values["record_count"])), n),   # numbered from 1, none left out
                   ("lot_count", int(str(values["lot_count"])), file.lot_count), ("total", values["total"], file.total)]
        for name, read, expected in checks:
            if read != expected:
                _problem(self.problems, n, "999", "noemie_trailer",
                         f"NOEMIE, entité {n} (999) : {name.replace('_', ' ')} {quoted(read)} lu, "
                         f"{quoted(expected)} attendu.", name)

    def payee(self) -> Payee:
        number = str(self.take("040").values["payee"])
        settlements = []
        while self.peek() in ("070", "071"):
            settlements.append(self.settlement())
        return Payee(number, tuple(settlements))

    def settlement(self) -> Settlement:
        entity = self.take("070", "071")
        v = entity.values
        transfer = Transfer(**_text(v, "label_1", "label_2", "paying_organism")) if entity.kind == "071" else None
        groups = []
        while self.peek() == "081":
            groups.append(self.group())
        settlement = Settlement(self.date(entity, "date"), transfer, tuple(groups))
        count = sum(len(g.lots) + len(g.movements) + sum(1 + len(p.details) for p in g.payments) for g in groups)
        self.control("03", count, settlement.total)
        return settlement

    def group(self) -> ReturnGroup:
        v = self.take("081").values
        lots, movements, payments = [], [], []
        while self.peek() == "080":
            lots.append(self.lot())
        while self.peek() == "250":
            movements.append(_movement(self.take("250").values))
        while self.peek() == "261":
            p = self.take("261").values
            details = []
            while self.peek() == "262":
                details.append(_detail(self.take("262").values))
            payments.append(OneOffPayment(str(p["code"]), _amount(p["amount"]), tuple(details)))
        return ReturnGroup(str(v["kind"]), str(v["place"]), tuple(lots), tuple(movements), tuple(payments))

    def lot(self) -> Lot:
        entity = self.take("080")
        invoices = []
        while self.peek() in ("100", "102"):
            invoices.append(self.invoice())
        lot = Lot(self.date(entity, "lot_date"), int(str(entity.values["lot_number"])), tuple(invoices))
        self.control("04", len(invoices), lot.total)
        return lot

    def invoice(self) -> Invoice:
        head = self.take("100", "102")
        start = self.taken
        found: dict[str, dict[str, object]] = {}
        for kind in DETAILS:
            if self.peek() == kind:
                found[kind] = self.take(kind).values
        acts: list[Act] = []
        messages: list[Message] = []
        rejects: list[RejectLine] = []
        while self.peek() == "210":
            acts.append(_act(self.take("210").values))
        while self.peek() == "290":
            v = self.take("290").values
            messages.append(Message(int(str(v["line"])), str(v["code"]), str(v["label"])))
        while self.peek() == "294":
            rejects.append(_reject(self.take("294").values))
        invoice = _invoice(head, found, acts, messages, rejects)
        self.control("05", self.taken - start, invoice.total)
        return invoice


def _amount(value: object) -> Decimal:
    assert isinstance(value, Decimal)
    return value


def _opt_date(value: object) -> date | None:
    return value if isinstance(value, date) else None


def _invoice(head: _Entity, found: dict[str, dict[str, object]], acts: list[Act], messages: list[Message],
             rejects: list[RejectLine]) -> Invoice:
    v = head.values
    extended = head.kind == "102"
    people = _people(found)
    amo = found.get("198")
    amc = found.get("199")
    return Invoice(
        str(v["invoice_number"]), extended, number_complement=str(v.get("number_complement", "")),
        lot_number=str(v.get("lot_number", "")),
        lot_date=_opt_date(v.get("lot_date")), invoice_type=str(v.get("invoice_type", "")),
        invoice_date=_opt_date(v.get("invoice_date")), amc_processing=str(v.get("amc_processing", "")),
        insurance_nature=str(v.get("insurance_nature", "")), beneficiary=people[0], insured=people[1],
        patient=people[2], nature=str(found.get("150", {}).get("nature", "")),
        archive=_opt(found.get("160", {}).get("archive_number", "")),
        amo=Share(_amount(amo["claimed"]), str(amo["status"]), _amount(amo["paid"])) if amo else None,
        amc=AmcShare(_amount(amc["claimed"]), str(amc["status"]), _amount(amc["paid"]),
                     amc_number=_opt(amc["amc_number"]), member_id=str(amc["member_id"])) if amc else None,
        acts=tuple(acts), messages=tuple(messages), rejects=tuple(rejects))


def _people(found: dict[str, dict[str, object]]) -> tuple[Beneficiary | None, Insured | None, Patient | None]:
    """Entities 103, 110 and 120 of an invoice, when present."""
    beneficiary = insured = patient = None
    if (v := found.get("103")) is not None:
        beneficiary = Beneficiary(
            str(v["nir"]), _opt(v["nir_key"]), str(v["birth_name"]), str(v["usual_name"]), str(v["first_name"]),
            str(v["patient_nir"]), _opt(v["patient_nir_key"]), _opt(v["birth_date"]), _opt(v["rank"]),
            str(v["patient_name"]), str(v["patient_first_name"]), _opt(v["management_unit"]))
    if (v := found.get("110")) is not None:
        insured = Insured(str(v["nir"]), _opt(v["nir_key"]), str(v["name_type"]), str(v["name"]),
                          str(v["first_name"]))
    if (v := found.get("120")) is not None:
        patient = Patient(_opt(v["birth_date"]), str(v["rank"]), str(v["name"]), str(v["first_name"]),
                          str(v["management_unit"]))
    return beneficiary, insured, patient


def _act(v: dict[str, object]) -> Act:
    def number(name: str) -> int:
        return int(str(v[name]))

    return Act(
        number("line"), str(v["act_code"]), _amount(v["reimbursed"]), base=_amount(v["base"]),
        unit_price=_amount(v["unit_price"]), rate=number("rate"), quantity=number("quantity"),
        coefficient=_opt(v["coefficient"]), count=number("count"), complement=str(v["complement"]),
        management_code=_opt(v["management_code"]), exoneration=str(v["exoneration"]),
        processing_mode=_opt(v["processing_mode"]), discipline=_opt(v["discipline"]),
        prescription_date=_opt_date(v["prescription_date"]), care_start=_opt_date(v["care_start"]),
        care_end=_opt_date(v["care_end"]), expense=_amount(v["expense"]),
        expense_qualifier=str(v["expense_qualifier"]), local_rate=number("local_rate"),
        local_amount=_amount(v["local_amount"]), amc_rate=number("amc_rate"), amc_amount=_amount(v["amc_amount"]),
        amc_base=_amount(v["amc_base"]))


def _reject(v: dict[str, object]) -> RejectLine:
    return RejectLine(**_text(v, "code", "label", "reject_level", "share", "act", "information"),
                      care_date=_opt_date(v["care_date"]), performer=_opt(v["performer"]),
                      line=int(str(v["line"])), rank=int(str(v["rank"])))


def _movement(v: dict[str, object]) -> Movement:
    return Movement(int(str(v["line"])), str(v["debt_reference"]), str(v["debt_nature"]), str(v["operation"]),
                    _amount(v["amount"]), _opt_date(v["debt_date"]), _amount(v["remaining"]))


def _detail(v: dict[str, object]) -> OneOffDetail:
    return OneOffDetail(**_text(v, "code", "label", "nir", "period"),
                        **{name: _opt(v[name]) for name in ("nir_key", "birth_date", "rank")},
                        start=_opt_date(v["start"]), end=_opt_date(v["end_date"]), amount=_amount(v["amount"]))

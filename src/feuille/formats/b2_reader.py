"""Reading a B2 file into its models, with every problem found, in French, instead of the first exception.

:func:`read_b2` takes what arrived (text or bytes) and never raises: junk, a truncated file, shuffled or
unknown records all end up as :class:`B2Problem` s (record number, field, stable code, French message), so the
caisse de test can answer a negative ARL with the reason (``arl.arl_code``). The norm's form has no separator
between records; records separated by CR/LF or LF are accepted too, and the reading says so (``separated``).

What is checked: record length and type, every field's kind (the layout tables of :mod:`feuille.formats.b2`), the
order 000 (1 (2 2S? (4 4S? 4E? 4M*)+ 5 7*)* 6)* 999, that every record of an invoice repeats its prefix, record 5's
count and sums, lot trailer 6's counts, totals, lot number and partner, consecutive lot numbers, file trailer
999's parties, file id, record and lot counts, and signature records 7 (sequence, base32, length, algorithm).
``file`` is given when nothing but totals or counts are wrong (the models then hold what the records say).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, get_type_hints

from feuille.errors import ValidationError, quoted
from feuille.formats import b2, b2_checks
from feuille.formats import b2_file as m
from feuille.formats.b2 import RecordKind as K
from feuille.formats.b2_checks import B2Problem
from feuille.formats.fixed_width import Kind, Layout, read

_LINE_KINDS = (K.LINE, K.LINE_DETAIL, K.LINE_RPPS, K.LINE_CCAM)
_HEX64 = re.compile(r"[0-9A-F]{64}")


@dataclass(frozen=True)
class B2Reading:
    file: m.B2File | None
    problems: tuple[B2Problem, ...]
    separated: bool = False          # records came separated by CR/LF or LF

    @property
    def ok(self) -> bool:
        return self.file is not None and not self.problems


@dataclass
class _Record:
    number: int
    kind: K | None
    values: dict[str, object] | None   # None when the record could not be read


def read_b2(data: object) -> B2Reading:
    """The file's models and every problem found; never raises."""
    problems: list[B2Problem] = []
    text = _text(data, problems)
    lines, separated = _split(text, problems)
    records = [_parse(number, line, problems) for number, line in enumerate(lines, start=1)]
    if not records and not problems:
        problems.append(B2Problem(None, None, "empty_file", "Fichier vide."))
    unreadable = bool(problems)
    file = _Parser(records, problems).file() if records else None
    if unreadable or any(p.code in _STRUCTURE for p in problems):
        file = None
    return B2Reading(file, tuple(problems), separated)


def read_invoice(data: object, pivot: date | None = None) -> tuple[m.Invoice | None, tuple[B2Problem, ...]]:
    """One invoice's records 2 to 5 alone (what its cards signed), without signatures; ``pivot``: the date a
    two-digit birth year is read against (the file's creation date in a file). Never raises."""
    problems: list[B2Problem] = []
    lines, _ = _split(_text(data, problems), problems)
    records = [_parse(number, line, problems) for number, line in enumerate(lines, start=1)]
    if problems or not records or records[0].kind is not K.INVOICE:
        return None, (*problems, B2Problem(1, None, "unexpected_record", "Enregistrement 2 attendu."))
    parser = _Parser(records, problems)
    parser.pivot = pivot
    invoice = parser.invoice()
    while parser.peek() is not None:
        parser.unexpected("rien après l'enregistrement 5")
    return (invoice if not problems else None), tuple(problems)


_STRUCTURE = frozenset({"unexpected_record", "missing_file_header", "missing_file_trailer", "missing_lot_trailer",
                        "missing_invoice_trailer", "invoice_without_lines", "too_many_ccam", "prefix_mismatch",
                        "format_date", "signature_sequence", "signature_encoding", "signature_length",
                        "signature_algorithm"})


def _text(data: object, problems: list[B2Problem]) -> str:
    if isinstance(data, str):
        return data
    if not isinstance(data, bytes | bytearray):
        problems.append(B2Problem(None, None, "input_type", "Fichier B2 illisible : texte ou octets attendus."))
        return ""
    try:
        return bytes(data).decode("ascii")
    except UnicodeDecodeError as exc:
        record = exc.start // b2.RECORD_LENGTH + 1
        problems.append(B2Problem(record, None, "not_ascii",
                                  f"Octet non ASCII à la position {exc.start + 1} (enregistrement {record})."))
        return bytes(data).decode("ascii", errors="replace")


def _split(text: str, problems: list[B2Problem]) -> tuple[list[str], bool]:
    separated = "\n" in text or "\r" in text
    if separated:
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
    else:
        size = b2.RECORD_LENGTH
        lines = [text[i:i + size] for i in range(0, len(text), size)]
    for number, line in enumerate(lines, start=1):
        if len(line) != b2.RECORD_LENGTH:
            problems.append(B2Problem(number, None, "record_length", f"Enregistrement {number} : "
                                      f"{b2.RECORD_LENGTH} caractères attendus, {len(line)} lus (fichier tronqué ?)."))
    return lines, separated


def _parse(number: int, line: str, problems: list[B2Problem]) -> _Record:
    if len(line) != b2.RECORD_LENGTH:
        return _Record(number, None, None)
    kind = b2.record_kind(line)
    if kind is None:
        problems.append(B2Problem(number, "type", "unknown_record", f"Enregistrement {number} : type "
                                  f"{quoted(line[:3].rstrip())} inconnu."))
        return _Record(number, None, None)
    layout = _layout(kind, line)
    try:
        return _Record(number, kind, read(layout, line))
    except ValidationError as exc:
        problems.append(B2Problem(number, exc.field, exc.code, f"Enregistrement {number} : {exc.message}"))
        return _Record(number, kind, None)


def _layout(kind: K, line: str) -> Layout:
    if kind is K.SIGNATURE:
        return b2.SIGNATURE_HEAD if line[36:39] == "000" else b2.SIGNATURE_DATA
    return b2.LAYOUTS[kind]


def _date(raw: str, pivot: date | None) -> date:
    """``AAMMJJ`` in the 2000s, or for a birth date (``pivot``) the latest century not after the pivot."""
    day = date(2000 + int(raw[:2]), int(raw[2:4]), int(raw[4:6]))
    if pivot is not None and day > pivot:
        day = day.replace(year=day.year - 100)
    return day


@dataclass(frozen=True)
class _Recipe:
    """How :func:`_model` turns the values read into a model class's fields, worked out once per class."""

    cls: type
    as_is: tuple[str, ...]           # taken as read
    ints: tuple[str, ...]            # int fields (counts, numbers)
    dates: tuple[str, ...]           # date fields
    optional_dates: tuple[str, ...]  # date | None: zeros are None
    optional_codes: tuple[str, ...]  # numeric codes whose default is "": zeros are ""


@cache
def _recipe(cls: type, layout: Layout) -> _Recipe:
    kinds = {f.name: f.kind for f in layout.fields}
    hints = get_type_hints(cls)
    groups: dict[str, list[str]] = {"as_is": [], "ints": [], "dates": [], "optional_dates": [], "optional_codes": []}
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if hint is int:
            group = "ints"
        elif kinds[f.name] is Kind.DATE:
            group = "dates" if hint == date else "optional_dates"
        elif kinds[f.name] is Kind.NUMERIC and f.default == "":
            group = "optional_codes"
        else:
            group = "as_is"
        groups[group].append(f.name)
    return _Recipe(cls, **{group: tuple(names) for group, names in groups.items()})


def _model(cls: type, layout: Layout, values: dict[str, object], pivot: date | None = None) -> Any:
    """A record model from the values the engine read; a field of kind N kept as text, zeros as ``""`` when
    the model's default is ``""``; a date of zeros as None. Raises ValueError on a date that does not exist."""
    recipe = _recipe(cls, layout)
    out = {name: values[name] for name in recipe.as_is}
    for name in recipe.ints:
        out[name] = int(str(values[name]))
    for name in recipe.optional_codes:
        raw = values[name]
        out[name] = "" if set(str(raw)) == {"0"} else raw
    for name in recipe.dates:
        out[name] = _date(str(values[name]), pivot if name == "birth_date" else None)
    for name in recipe.optional_dates:
        text = str(values[name])
        out[name] = None if set(text) == {"0"} else _date(text, pivot if name == "birth_date" else None)
    return cls(**out)


class _Parser:
    """Recursive descent over the records: each step consumes at least one record, so it always ends."""

    def __init__(self, records: list[_Record], problems: list[B2Problem]) -> None:
        self.records = records
        self.problems = problems
        self.i = 0
        self.pivot: date | None = None

    def problem(self, record: _Record | None, code: str, message: str, field: str | None = None) -> None:
        number = record.number if record else None
        where = f"Enregistrement {number} : " if number else ""
        self.problems.append(B2Problem(number, field, code, where + message))

    def peek(self) -> _Record | None:
        return self.records[self.i] if self.i < len(self.records) else None

    def take(self) -> _Record:
        record = self.records[self.i]
        self.i += 1
        return record

    def taken_if(self, kind: K) -> _Record | None:
        record = self.peek()
        return self.take() if record is not None and record.kind is kind else None

    def unexpected(self, expected: str) -> None:
        """Skip a record out of place; one already reported unreadable (no kind) is skipped silently."""
        record = self.take()
        if record.kind is not None:
            self.problem(record, "unexpected_record",
                         f"enregistrement {record.kind.value} inattendu ici ({expected} attendu).")

    def model(self, cls: type, kind: K, record: _Record | None) -> Any:
        if record is None or record.values is None:
            return None
        try:
            return _model(cls, b2.LAYOUTS[kind], record.values, self.pivot)
        except ValueError:
            self.problem(record, "format_date", "date AAMMJJ inexistante.")
            return None

    def file(self) -> m.B2File | None:
        head = self.taken_if(K.FILE_HEADER)
        first = self.peek()
        if head is None and first is not None and first.kind is not None:
            self.problem(first, "missing_file_header", "le fichier doit commencer par l'en-tête 000.")
        header = self.model(m.FileHeader, K.FILE_HEADER, head)
        self.pivot = header.created if header else None
        lots: list[tuple[int, m.Lot | None]] = []
        while (record := self.peek()) is not None and record.kind is not K.FILE_TRAILER:
            if record.kind is K.LOT_HEADER:
                lots.append((record.number, self.lot()))
            else:
                self.unexpected("un en-tête de lot 1")
        trailer = self.taken_if(K.FILE_TRAILER)
        if trailer is None:
            self.problem(None, "missing_file_trailer", "Fin de fichier 999 absente (fichier tronqué ?).")
        while self.peek() is not None:
            self.unexpected("rien après la fin de fichier 999")
        _check_lot_sequence(self, [(number, lot) for number, lot in lots if lot is not None])
        if header is None or any(lot is None for _, lot in lots):
            return None
        file = m.B2File(header, tuple(lot for _, lot in lots if lot is not None))
        if trailer is not None and trailer.values is not None:
            self.problems.extend(b2_checks.file_trailer(file, len(self.records), trailer.number, trailer.values))
        return file

    def lot(self) -> m.Lot | None:
        head = self.take()
        header = self.model(m.LotHeader, K.LOT_HEADER, head)
        invoices: list[m.Invoice | None] = []
        while (record := self.peek()) is not None and record.kind not in (K.LOT_TRAILER, K.LOT_HEADER,
                                                                          K.FILE_TRAILER):
            if record.kind is K.INVOICE:
                invoices.append(self.invoice())
            else:
                self.unexpected("une facture (2) ou la fin de lot 6")
        trailer = self.taken_if(K.LOT_TRAILER)
        if trailer is None:
            self.problem(head, "missing_lot_trailer", "lot sans enregistrement de fin 6.")
        if header is None or trailer is None or trailer.values is None or None in invoices:
            return None
        closing = _model(m.LotClosing, b2.LOT_TRAILER, trailer.values)
        lot = m.Lot(header, tuple(i for i in invoices if i is not None), closing)
        self.problems.extend(b2_checks.lot_trailer(lot, trailer.number, trailer.values))
        return lot

    def invoice(self) -> m.Invoice | None:
        head = self.take()
        members = [head]
        detail = self.taken_if(K.INVOICE_DETAIL)
        lines: list[m.Line | None] = []
        while (record := self.peek()) is not None and record.kind in _LINE_KINDS:
            if record.kind is K.LINE:
                lines.append(self.line(members))
            else:
                self.unexpected("une ligne 4 avant ses sous-types")
        trailer = self.taken_if(K.INVOICE_TRAILER)
        if trailer is None:
            self.problem(head, "missing_invoice_trailer", "facture sans enregistrement de fin 5.")
        elif not lines:
            self.problem(head, "invoice_without_lines", "facture sans ligne d'acte 4.")
        signatures = []
        while (record := self.peek()) is not None and record.kind is K.SIGNATURE:
            signatures.append(self.signature(members))
        members += [r for r in (detail, trailer) if r is not None]
        return self.assemble(head, detail, lines, trailer, signatures, members)

    def line(self, members: list[_Record]) -> m.Line | None:
        act = self.take()
        detail, rpps = self.taken_if(K.LINE_DETAIL), self.taken_if(K.LINE_RPPS)
        ccam: list[_Record] = []
        while (record := self.taken_if(K.LINE_CCAM)) is not None:
            ccam.append(record)
        members += [act, *(r for r in (detail, rpps) if r is not None), *ccam]
        if len(ccam) > m.MAX_CCAM:
            self.problem(act, "too_many_ccam", f"{len(ccam)} séances CCAM 4M, {m.MAX_CCAM} au plus.")
        for n, record in enumerate(ccam, start=1):
            if record.values is not None and record.values["sequence"] != f"{n:02d}":
                self.problem(record, "unexpected_record", f"séance CCAM n° {n} attendue.", "sequence")
        parts = [self.model(m.Act, K.LINE, act), self.model(m.ActDetail, K.LINE_DETAIL, detail),
                 self.model(m.ActRpps, K.LINE_RPPS, rpps), *(self.model(m.CcamAct, K.LINE_CCAM, r) for r in ccam)]
        given = [act, detail, rpps, *ccam]
        if any(part is None and record is not None for part, record in zip(parts, given, strict=True)):
            return None
        return m.Line(parts[0], parts[1], parts[2], tuple(parts[3:]))


    def signature(self, members: list[_Record]) -> m.InvoiceSignature | None:
        """A descriptor 7 (sequence 000) and its data records; what they carry is checked, not verified."""
        head = self.take()
        data: list[_Record] = []
        while (record := self.peek()) is not None and record.kind is K.SIGNATURE and not _is_head(record):
            data.append(self.take())
        members += [head, *data]
        if not _is_head(head):
            self.problem(head, "signature_sequence", "signature sans son descripteur (séquence 000).", "sequence")
            return None
        if head.values is None or any(r.values is None for r in data):
            return None
        return _signature(self, head, head.values, data)

    def assemble(self, head: _Record, detail: _Record | None, lines: list[m.Line | None],
                 trailer: _Record | None, signatures: list[m.InvoiceSignature | None],
                 members: list[_Record]) -> m.Invoice | None:
        if head.values is not None:
            for record in members:
                if record.values is not None and record is not head:
                    self.problems.extend(b2_checks.prefix(head.values, record.number, record.values))
        header = self.model(m.InvoiceHeader, K.INVOICE, head)
        detail_model = self.model(m.InvoiceDetail, K.INVOICE_DETAIL, detail)
        parts_missing = detail is not None and detail_model is None
        if (head.values is None or header is None or parts_missing or trailer is None or trailer.values is None
                or None in lines or None in signatures or not lines):
            return None
        values = head.values
        invoice = m.Invoice(str(values["billing_number"]), str(values["insured_nir"]), str(values["nir_key"]),
                            int(str(values["rank"])), int(str(values["invoice_number"])), header,
                            tuple(line for line in lines if line is not None), detail_model,
                            tuple(s for s in signatures if s is not None))
        self.problems.extend(b2_checks.invoice_trailer(invoice, trailer.number, trailer.values))
        return invoice


def _is_head(record: _Record) -> bool:
    return record.values["sequence"] == "000" if record.values is not None else False


def _signature(parser: _Parser, head: _Record, values: dict[str, object],
               data: list[_Record]) -> m.InvoiceSignature | None:
    problems_before = len(parser.problems)
    if int(str(values["data_records"])) != len(data):
        parser.problem(head, "signature_sequence", f"{values['data_records']} enregistrements de signature "
                       f"annoncés, {len(data)} trouvés.", "data_records")
    for n, record in enumerate(data, start=1):
        assert record.values is not None
        if record.values["sequence"] != f"{n:03d}" or record.values["signer"] != values["signer"]:
            parser.problem(record, "signature_sequence", f"suite n° {n} de la même signature attendue.", "sequence")
    signer = next((s for s in m.Signer if s.value == values["signer"]), None)
    if signer is None or values["algorithm"] not in m.SIGNATURE_ALGORITHMS.values():
        parser.problem(head, "signature_algorithm", "signataire (C, E, V) ou algorithme (ES256, RS256) inconnu.",
                       "algorithm")
    fingerprint = str(values["key_fingerprint"])
    if not _HEX64.fullmatch(fingerprint):
        parser.problem(head, "signature_encoding", "empreinte de clé : 64 chiffres hexadécimaux attendus.",
                       "key_fingerprint")
    content = str(values["content"])
    if content not in b2.SIGNED_CONTENTS:
        parser.problem(head, "signature_encoding", f"contenu signé {quoted(content)} inconnu (B ou D attendu).",
                       "content")
        return None
    digest = None
    if content == "D":
        digest = _b32(str(data[0].values["data"]) if data and data[0].values is not None else "")
        data = data[1:]
        if digest is None or len(digest) != b2.DIGEST_LENGTH:
            parser.problem(head, "signature_encoding", f"empreinte du contenu : {b2.DIGEST_LENGTH} octets en base32 "
                           "attendus dans le premier enregistrement de données.", "data")
            return None
    value = _b32("".join(str(record.values["data"]) for record in data if record.values is not None))
    if value is None:
        parser.problem(head, "signature_encoding", "valeur de signature illisible (base32 attendu).", "data")
        return None
    if len(value) != int(str(values["signature_length"])):
        parser.problem(head, "signature_length", f"signature de {values['signature_length']} octets annoncée, "
                       f"{len(value)} lus.", "signature_length")
    if len(parser.problems) > problems_before or signer is None:
        return None
    return m.InvoiceSignature(signer, str(values["algorithm"]), fingerprint, value, digest)


def _b32(text: str) -> bytes | None:
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        return None


def _check_lot_sequence(parser: _Parser, lots: list[tuple[int, m.Lot]]) -> None:
    parser.problems.extend(b2_checks.lot_sequence(lots))

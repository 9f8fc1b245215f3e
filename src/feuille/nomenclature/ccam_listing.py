"""Reader of the CNAM's published CCAM listing (CSV), taken as it is published.

The listing is a printed layout, not a clean table (see ``docs/ccam.md``):

- line 1: a title, ``CNAM - CCAM version 81 applicable 01/01/2026`` (``applicable au`` in older ones);
- then a header whose quoted cells hold line breaks: Code, (blank), Texte, Activité, Phase, Tarif secteur 1,
  Tarif hors secteur 1, Rembt. ss Cdtions, Accord Préalable, Exo. TM, Regroupement;
- then rows of four kinds: **code rows** (``AFLB001``: one act, usually with the tariff of activity 1 phase 0),
  **chapter rows** (``01.01.01``), **continuation rows** whose code cell is empty (or ``*``), that belong to
  the act above: the other activities (4 anaesthesia, 5...), the phases of multi-phase acts, notes, and, in
  the code cell, the list of modifiers the act allows (``[A, J, K, T, 3]``); and the modifiers' own
  chapter at the end, whose rows start with a single letter and are notes here.

Reading is in two stages: CSV rows with their first line number, then acts (each keeps the line where it
starts). Problems are returned as data, ``CcamError(line, expected, actual)``; the reader goes on after a bad
row so that one run lists every problem of a file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from feuille.domain.identifiers import CCAM_CODE
from feuille.nomenclature.ccam import (
    CcamAct,
    CcamError,
    CcamPrice,
    CcamTable,
    ParseResult,
    clean_label,
    parse_price,
)

COLUMNS = 11
# Column positions of the published header.
CODE, TEXT, ACTIVITY, PHASE, SECTOR1, NON_SECTOR1, RC, AP, EXO_TM, GROUPING = 0, 2, 3, 4, 5, 6, 7, 8, 9, 10
NOT_COVERED = "non pris en charge"

TITLE_RE = re.compile(
    r"CCAM\s+version\s+(?P<version>\d+(?:[.,]\d+)?)\s+applicable\s+(?:au\s+|le\s+|du\s+|à\s+partir\s+du\s+)?"
    r"(?P<date>\d{2}/\d{2}/\d{4})",
    re.IGNORECASE,
)
CHAPTER_RE = re.compile(r"\d+(\.\d+)*")
EXCEL_DATE_RE = re.compile(r"\d{4}-(\d{2})-(\d{2})")  # "2-7" turned into a date by a spreadsheet


@dataclass
class _Draft:
    """An act being read: its code row, then whatever continuation rows follow."""

    code: str
    label: str
    line: int
    rc: bool
    ap: bool
    exo_tm: str
    grouping: str
    prices: list[CcamPrice] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)
    not_covered: bool = False

    def build(self) -> CcamAct:
        return CcamAct(code=self.code, label=self.label, line=self.line, prices=tuple(self.prices),
                       modifiers=tuple(self.modifiers), not_covered=self.not_covered,
                       reimbursement_conditions=self.rc, prior_agreement=self.ap, exo_tm=self.exo_tm,
                       grouping=self.grouping)


def decode(data: bytes) -> tuple[str | None, CcamError | None]:
    """The text of a listing (UTF-8, with or without a byte-order mark), or where it stops being text."""
    if b"\x00" in data[:4096]:
        return None, CcamError(1, "un fichier texte CSV (UTF-8)", "un fichier binaire")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, CcamError(line, "du texte UTF-8", f"octets illisibles {data[exc.start:exc.start + 8]!r}")


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the line each starts on (quoted cells may span several lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    previous = 0
    for row in reader:
        yield previous + 1, row
        previous = reader.line_num


def parse_title(text: str) -> tuple[str, date] | None:
    match = TITLE_RE.search(text)
    if match is None:
        return None
    day, month, year = (int(part) for part in match.group("date").split("/"))
    try:
        return match.group("version").replace(",", "."), date(year, month, day)
    except ValueError:
        return None


def _modifiers(text: str, line: int, errors: list[CcamError]) -> list[str]:
    inside = text.strip()
    if not (inside.startswith("[") and inside.endswith("]")):
        errors.append(CcamError(line, "une liste de modificateurs « [A, F, …] »", text))
        return []
    found: list[str] = []
    for token in inside[1:-1].split(","):
        token = token.strip()
        if not token:
            continue
        if len(token) != 1 or not (token.isdigit() or ("A" <= token <= "Z")):
            errors.append(CcamError(line, "un modificateur (une lettre ou un chiffre)", token))
            continue
        found.append(token)
    return found


def _exo_tm(text: str) -> str:
    value = text.strip().strip('"').replace(" ", "")
    excel = EXCEL_DATE_RE.fullmatch(value)
    if excel:
        return f"{int(excel.group(2))}-{int(excel.group(1))}"
    return value


def _price(text: str, line: int, column: str, errors: list[CcamError]) -> tuple[Decimal | None, bool]:
    """(price, not covered) of one tariff cell; an empty cell is "no tariff published"."""
    value = text.strip()
    if not value:
        return None, False
    if value.lower() == NOT_COVERED:
        return None, True
    try:
        return parse_price(value), False
    except ValueError:
        errors.append(CcamError(line, f"un tarif en euros ({column})", value))
        return None, False


def _price_row(row: list[str], line: int, errors: list[CcamError]) -> tuple[CcamPrice, bool] | None:
    activity = row[ACTIVITY].strip()
    phase = row[PHASE].strip() or "0"
    if not activity.isdigit() or len(activity) != 1:
        errors.append(CcamError(line, "un code activité (1 à 5)", activity))
        return None
    if not phase.isdigit() or len(phase) > 2:
        errors.append(CcamError(line, "un code phase (0, 1, 2…)", phase))
        return None
    sector1, nc1 = _price(row[SECTOR1], line, "secteur 1", errors)
    non_sector1, nc2 = _price(row[NON_SECTOR1], line, "hors secteur 1", errors)
    return CcamPrice(activity=activity, phase=phase, sector1=sector1, non_sector1=non_sector1, line=line), nc1 or nc2


def parse_listing(data: bytes | str | object) -> ParseResult:
    """Read a whole listing. ``table`` is None only when the file is not a CCAM listing at all."""
    if isinstance(data, (bytes, bytearray)):
        text, problem = decode(bytes(data))
        if text is None:
            assert problem is not None
            return ParseResult(None, [problem])
    elif isinstance(data, str):
        text = data.removeprefix("\ufeff")
    else:
        return ParseResult(None, [CcamError(0, "le contenu d'un fichier (octets ou texte)", type(data).__name__)])
    if not text.strip():
        return ParseResult(None, [CcamError(1, "le titre « CNAM - CCAM version … applicable … »", "un fichier vide")])
    try:
        return _parse_rows(_rows(text))
    except csv.Error as exc:
        return ParseResult(None, [CcamError(0, "un fichier CSV lisible", str(exc))])


def _parse_rows(rows: Iterator[tuple[int, list[str]]]) -> ParseResult:
    errors: list[CcamError] = []
    first = next(rows, None)
    if first is None:  # pragma: no cover - parse_listing refuses empty text first
        return ParseResult(None, [CcamError(1, "un titre", "rien")])
    title_line, title_row = first
    title = parse_title(" ".join(title_row))
    if title is None:
        return ParseResult(None, [CcamError(title_line, "le titre « CNAM - CCAM version … applicable jj/mm/aaaa »",
                                            ",".join(title_row)[:120])])
    header = next(rows, None)
    if header is None or not _is_header(header[1]):
        line = header[0] if header else title_line + 1
        actual = ",".join(header[1])[:120] if header else "la fin du fichier"
        return ParseResult(None, [CcamError(line, "l'en-tête « Code, , Texte, Activité, Phase, Tarif… »", actual)])

    acts: list[CcamAct] = []
    skipped = 0
    current: _Draft | None = None

    def finish() -> None:
        nonlocal current
        if current is not None:
            acts.append(current.build())
            current = None

    for line, row in rows:
        if len(row) < COLUMNS:
            if not any(cell.strip() for cell in row):
                skipped += 1
                continue
            errors.append(CcamError(line, f"{COLUMNS} colonnes", f"{len(row)} colonne(s) : {','.join(row)[:80]}"))
            continue
        first_cell = row[CODE].strip()
        code = CCAM_CODE.match(first_cell)
        if code:
            finish()
            current = _start_act(code.group(0), first_cell[code.end():], row, line, errors)
            continue
        if CHAPTER_RE.fullmatch(first_cell):
            finish()
            skipped += 1
            continue
        if first_cell.startswith("["):
            if current is None:
                errors.append(CcamError(line, "une liste de modificateurs sous un acte", first_cell))
            else:
                current.modifiers.extend(m for m in _modifiers(first_cell, line, errors)
                                         if m not in current.modifiers)
        if row[ACTIVITY].strip():
            if current is None:
                errors.append(CcamError(line, "un tarif sous la ligne d'un code", ",".join(row)[:80]))
                continue
            priced = _price_row(row, line, errors)
            if priced is not None:
                current.prices.append(priced[0])
                current.not_covered = current.not_covered or priced[1]
                if not current.grouping:
                    current.grouping = row[GROUPING].strip()
            continue
        if not first_cell.startswith("["):
            skipped += 1
    finish()
    version, applicable = title
    return ParseResult(CcamTable(version=version, applicable_from=applicable, acts=tuple(acts)), errors, skipped)


def _is_header(row: list[str]) -> bool:
    cells = [" ".join(cell.split()).lower() for cell in row]
    return (len(cells) >= COLUMNS and cells[CODE] == "code" and cells[TEXT] == "texte"
            and cells[ACTIVITY].startswith("activit") and cells[PHASE] == "phase"
            and cells[SECTOR1].startswith("tarif") and cells[NON_SECTOR1].startswith("tarif"))


def _start_act(code: str, rest: str, row: list[str], line: int, errors: list[CcamError]) -> _Draft:
    draft = _Draft(code=code, label=clean_label(row[TEXT]), line=line, rc=row[RC].strip().upper() == "RC",
                   ap=row[AP].strip().upper() == "AP", exo_tm=_exo_tm(row[EXO_TM]), grouping=row[GROUPING].strip())
    if not draft.label:
        errors.append(CcamError(line, f"le libellé de l'acte {code}", ""))
    rest = rest.strip()
    if rest:  # "JANH798\n[A]": the modifiers printed in the code cell itself
        draft.modifiers.extend(_modifiers(rest, line, errors))
    if row[ACTIVITY].strip():
        priced = _price_row(row, line, errors)
        if priced is not None:
            draft.prices.append(priced[0])
            draft.not_covered = priced[1]
    return draft


# --- the modifiers' chapter (19.03) -----------------------------------------------------------------------

MODIFIER_CHAPTER = "19.03"
MODIFIER_CODE_RE = re.compile(r"[A-Z0-9]")
PERCENT_RE = re.compile(r"\+?\s*(\d+(?:[.,]\d+)?)\s*%")


@dataclass(frozen=True)
class ModifierValue:
    """One cell of the chapter: an amount in euros, a percentage, or what could not be read without guessing."""

    amount: Decimal | None = None
    percent: Decimal | None = None
    unreadable: str | None = None  # the cell as published, when it is neither


@dataclass(frozen=True)
class ModifierRule:
    """One priced row of a modifier: its text (who, when), the notes under it and its two tariffs."""

    code: str
    line: int
    text: str
    sector1: ModifierValue  # secteur 1 / OPTAM
    other: ModifierValue  # hors secteur 1 / hors OPTAM
    notes: tuple[str, ...] = ()


def parse_modifier_chapter(data: bytes | str) -> list[ModifierRule]:
    """The priced rows of the modifiers' chapter (19.03) of a listing, in the order published.

    A row whose code cell is one letter or digit starts a modifier; a following row with an empty code and a
    tariff is another rule of the same modifier (for other specialties or hours); rows without a tariff are
    notes of the rule above ("A l'exclusion de", "Inclut", "Facturation").
    """
    text = decode(data)[0] if isinstance(data, (bytes, bytearray)) else data.removeprefix("\ufeff")
    rules: list[ModifierRule] = []
    inside = False
    code: str | None = None
    for line, row in _rows(text or ""):
        if len(row) < COLUMNS:
            continue
        first = row[CODE].strip()
        if CHAPTER_RE.fullmatch(first) and not (inside and MODIFIER_CODE_RE.fullmatch(first)):
            inside = _chapter(first).startswith(MODIFIER_CHAPTER)
            code = None
            continue
        if not inside:
            continue
        priced = bool(row[SECTOR1].strip() or row[NON_SECTOR1].strip())
        if MODIFIER_CODE_RE.fullmatch(first):
            code = first
        if code is None or not (priced or rules):
            continue
        if priced:
            rules.append(ModifierRule(code, line, clean_label(row[TEXT]),
                                      _modifier_value(row[SECTOR1], row[NON_SECTOR1]),
                                      _modifier_value(row[NON_SECTOR1], row[SECTOR1])))
        elif rules[-1].code == code and row[TEXT].strip():
            last = rules[-1]
            rules[-1] = ModifierRule(last.code, last.line, last.text, last.sector1, last.other,
                                     (*last.notes, clean_label(row[TEXT])))
    return rules


def _chapter(cell: str) -> str:
    """``19.030000000000001`` (a spreadsheet's float) read back as ``19.03``."""
    parts = cell.split(".")
    if len(parts) == 2 and len(parts[1]) > 2:
        return str(Decimal(cell).quantize(Decimal("0.01")))  # a chapter number, read without a binary float
    return cell


def _modifier_value(cell: str, other: str) -> ModifierValue:
    """``19.06`` is an amount, ``+49%`` / ``+15,7%`` a percentage. A bare fraction (``0.49``) is a percentage
    only when the other column gives the same one (``+49%``); otherwise it cannot be read without guessing."""
    value = cell.strip()
    percent = PERCENT_RE.fullmatch(value)
    if percent:
        return ModifierValue(percent=Decimal(percent.group(1).replace(",", ".")))
    try:
        number = Decimal(value.replace(",", "."))
    except ArithmeticError:
        return ModifierValue(unreadable=value)
    if number < 1:
        twin = PERCENT_RE.fullmatch(other.strip())
        if twin and Decimal(twin.group(1).replace(",", ".")) == number * 100:
            return ModifierValue(percent=number * 100)
        return ModifierValue(unreadable=value)
    return ModifierValue(amount=number.quantize(Decimal("0.01")))

"""The ARL (accusé de réception logique) of one lot: feuille's own fixed-width records, written and read.

No public source gives the ARL's layout (FORMATS.md §2-3): this one is **feuille's own**, documented in
docs/caisse-de-test.md (section ARL). One ARL answers one lot of one B2 file: a head record ``ARLE`` (file id,
lot, organism, date, positive or negative, reason code and label), then for a negative one up to 999 detail
records ``ARLD``, one per problem found (reason code, record number in the file, label). 128 characters each,
no separator, like the B2 file. Reason codes and their French labels are a data table
(``data/arl_codes.json``, feuille's own) that also maps the B2 reader's problem codes to them.

Labels travel upper case without accents or punctuation (the records' alphabet) and cut to their field: the
code carries the meaning, :func:`arl_label` gives it back in French.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from feuille.errors import ValidationError, quoted
from feuille.formats.b2_file import line
from feuille.formats.fixed_width import Field, Kind, Layout, read

N, A, D = Kind.NUMERIC, Kind.ALPHA, Kind.DATE
POSITIVE = "0000"
MAX_DETAILS = 999

ARL_HEAD = Layout("ARLE", 128, (
    Field("type", 1, 4, A, constant="ARLE"),
    Field("organism_number", 5, 14, N),   # the B2 file's recipient number (000, 28-41)
    Field("sender_number", 19, 14, N),    # the B2 file's sender number (000, 6-19)
    Field("file_id", 33, 6, N),           # the B2 file's identifier (000, 50-55)
    Field("lot_number", 39, 3, A),        # the lot acknowledged (1, 20-22)
    Field("regime", 42, 2, N), Field("caisse", 44, 3, N),
    Field("arl_date", 47, 6, D),
    Field("result", 53, 1, A),            # P positive, N negative
    Field("reason", 54, 4, N),            # 0000 when positive, else the first problem's code
    Field("detail_count", 58, 3, N),
    Field("label", 61, 68, A),
))
ARL_DETAIL = Layout("ARLD", 128, (
    Field("type", 1, 4, A, constant="ARLD"),
    Field("sequence", 5, 3, N),
    Field("reason", 8, 4, N),
    Field("record", 12, 8, N),            # record number in the B2 file (1-based); 0: the file as a whole
    Field("label", 20, 109, A),
))


@dataclass(frozen=True)
class ArlCode:
    code: str
    label: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class ArlDetail:
    reason: str
    record: int
    label: str


@dataclass(frozen=True)
class Arl:
    organism_number: str                  # 14 digits
    sender_number: str                    # 14 digits
    file_id: str                          # 6 digits
    lot_number: str
    regime: str
    caisse: str
    arl_date: date
    reason: str = POSITIVE
    label: str = "LOT ACCEPTE"
    details: tuple[ArlDetail, ...] = ()

    @property
    def positive(self) -> bool:
        return self.reason == POSITIVE


@cache
def _table() -> tuple[dict[str, ArlCode], str]:
    text = resources.files("feuille.formats").joinpath("data", "arl_codes.json").read_text(encoding="utf-8")
    data = json.loads(text)
    codes = {row["code"]: ArlCode(row["code"], row["label"], tuple(row["problems"])) for row in data["codes"]}
    return codes, data["default"]


def arl_codes() -> dict[str, ArlCode]:
    """The reason codes of ``data/arl_codes.json``, by code."""
    return dict(_table()[0])


def arl_code(problem_code: str) -> ArlCode:
    """The reason code for a problem code of the B2 reader or of the caisse de test's checks (the table's
    default, « Fichier non conforme », for a code it does not list)."""
    codes, default = _table()
    return next((c for c in codes.values() if problem_code in c.problems), codes[default])


def arl_label(reason: str) -> str:
    """The French label of a reason code (with its accents), or a French sentence for an unknown one."""
    found = _table()[0].get(reason)
    return found.label if found else f"Motif {quoted(reason)} inconnu"


def plain(text: str, width: int) -> str:
    """A label in the records' alphabet: accents folded, upper case, anything else a space, cut to ``width``."""
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    letters = re.sub(r"[^A-Z0-9 ]", " ", folded)
    return re.sub(r" +", " ", letters).strip()[:width].rstrip()


def details_for(problems: Iterable[tuple[int | None, str, str]]) -> tuple[ArlDetail, ...]:
    """Detail records for (record number or None, problem code, French message), the first 999."""
    out = []
    for record, code, message in list(problems)[:MAX_DETAILS]:
        out.append(ArlDetail(arl_code(code).code, record or 0, plain(message, _LABEL_DETAIL)))
    return tuple(out)


_LABEL_HEAD = 68
_LABEL_DETAIL = 109


def negative(base: Arl, details: tuple[ArlDetail, ...]) -> Arl:
    """``base`` turned negative: the first detail's reason and the table's label for it."""
    if not details:
        raise ValidationError("ARL négatif sans motif.", code="arl_format", field="details")
    reason = details[0].reason
    return Arl(base.organism_number, base.sender_number, base.file_id, base.lot_number, base.regime, base.caisse,
               base.arl_date, reason, plain(arl_label(reason), _LABEL_HEAD), details)


def arl_records(arl: Arl) -> list[str]:
    """The head record, then one detail record per problem (none for a positive ARL)."""
    if arl.positive == bool(arl.details) or len(arl.details) > MAX_DETAILS:
        raise ValidationError("ARL incohérent : un ARL positif n'a pas de motif, un négatif en a de 1 à 999.",
                              code="arl_format", field="details")
    head = line(ARL_HEAD, {
        "organism_number": arl.organism_number, "sender_number": arl.sender_number, "file_id": arl.file_id,
        "lot_number": arl.lot_number, "regime": arl.regime, "caisse": arl.caisse, "arl_date": arl.arl_date,
        "result": "P" if arl.positive else "N", "reason": arl.reason, "detail_count": len(arl.details),
        "label": plain(arl.label, _LABEL_HEAD)})
    return [head, *(line(ARL_DETAIL, {"sequence": n, "reason": d.reason, "record": d.record,
                                       "label": plain(d.label, _LABEL_DETAIL)})
                    for n, d in enumerate(arl.details, start=1))]


def write_arl(arl: Arl) -> str:
    return "".join(arl_records(arl))


def read_arl(data: object) -> Arl:
    """An ARL from its text or bytes (records with no separator, or separated by CR/LF or LF); anything else
    is a French :class:`ValidationError` (code ``arl_format`` or the engine's) naming the record."""
    text = data.decode("ascii", errors="replace") if isinstance(data, bytes | bytearray) else data
    if not isinstance(text, str):
        raise ValidationError("ARL illisible : texte attendu.", code="arl_format", field="arl")
    lines = ([line for line in text.replace("\r", "\n").split("\n") if line] if "\n" in text or "\r" in text
             else [text[i:i + 128] for i in range(0, len(text), 128)])
    if not lines:
        raise ValidationError("ARL vide.", code="arl_format", field="arl")
    head = read(ARL_HEAD, lines[0])
    details = tuple(_detail(n, line) for n, line in enumerate(lines[1:], start=1))
    count, result, reason = int(str(head["detail_count"])), head["result"], str(head["reason"])
    if count != len(details) or result not in ("P", "N") or (result == "P") != (reason == POSITIVE):
        raise ValidationError(f"ARL incohérent : résultat {quoted(result)}, motif {quoted(reason)}, {count} motifs "
                              f"annoncés, {len(details)} lus.", code="arl_format", field="detail_count")
    raw_date = str(head["arl_date"])
    try:
        day = date(2000 + int(raw_date[:2]), int(raw_date[2:4]), int(raw_date[4:]))
    except ValueError:
        raise ValidationError(f"ARL : date {quoted(raw_date)} inexistante.", code="arl_format",
                              field="arl_date") from None
    return Arl(str(head["organism_number"]), str(head["sender_number"]), str(head["file_id"]),
               str(head["lot_number"]), str(head["regime"]), str(head["caisse"]), day, reason, str(head["label"]),
               details)


def _detail(number: int, line: str) -> ArlDetail:
    values = read(ARL_DETAIL, line)
    if int(str(values["sequence"])) != number:
        raise ValidationError(f"ARL : motif n° {number} attendu, {values['sequence']} lu.", code="arl_format",
                              field="sequence")
    return ArlDetail(str(values["reason"]), int(str(values["record"])), str(values["label"]))

"""CCAM records shared by the two readers (the CNAM listing and the nomensland JSON), and search text.

Both readers turn a published file into a :class:`CcamTable`: acts with their prices per activity and
phase, the modifiers they allow and their flags. Nothing here touches a database; the catalog stores
the table and searches it with the normalised forms computed here (:func:`fold`, :func:`keywords_of`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

CENT = Decimal("0.01")
# Float artefacts of the older listings (``50.560000000000002``) sit this close to a cent.
_ARTEFACT = Decimal("0.000001")


@dataclass(frozen=True)
class CcamError:
    """A problem found while reading a file: where, what was expected, what was there."""

    line: int
    expected: str
    actual: str

    def __str__(self) -> str:
        return f"ligne {self.line} : attendu {self.expected}, trouvé {self.actual!r}"


@dataclass(frozen=True)
class CcamPrice:
    activity: str
    phase: str
    sector1: Decimal | None  # None: no tariff published (or not covered)
    non_sector1: Decimal | None
    valid_from: date | None = None  # None: the whole version (listing); a date: tariff history (JSON)
    line: int = 0


@dataclass(frozen=True)
class CcamAct:
    code: str
    label: str
    line: int  # where the act starts in its source (line of the file, or position in the JSON array)
    prices: tuple[CcamPrice, ...] = ()
    modifiers: tuple[str, ...] = ()
    short_label: str = ""
    not_covered: bool = False  # "Non pris en charge"
    reimbursement_conditions: bool = False  # "Rembt. ss Cdtions" (RC)
    prior_agreement: bool = False  # "Accord Préalable" (AP)
    exo_tm: str = ""  # "Exo. TM": 1, 2, 5, 1-7...
    grouping: str = ""  # "Regroupement": ATM, ADC, ADA...
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True)
class CcamTable:
    version: str
    applicable_from: date
    acts: tuple[CcamAct, ...]
    source: str = "listing"


@dataclass
class ParseResult:
    """What a reader returns: the table (None when the file cannot be read at all) and the errors."""

    table: CcamTable | None
    errors: list[CcamError] = field(default_factory=list)
    skipped: int = 0  # notes, chapter titles, blank rows: read and deliberately ignored

    @property
    def ok(self) -> bool:
        return self.table is not None and not self.errors


def parse_price(text: str) -> Decimal:
    """A published price as euros and cents: ``50.56``, ``226,88``, ``248, 15``, ``50.560000000000002``.

    Float artefacts (within a millionth of a cent) are normalised to the cent; a third decimal, as in the
    half-cent ``102.125`` of version 67, is rounded half-up like every amount (version 78 prints 102.13).
    Raises ``ValueError`` for anything else.
    """
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not cleaned or not re.fullmatch(r"\d+(\.\d+)?", cleaned):
        raise ValueError(text)
    try:
        number = Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above already guards this
        raise ValueError(text) from exc
    cents = number.quantize(CENT, rounding=ROUND_HALF_UP)
    if abs(number - cents) > _ARTEFACT and number != number.quantize(Decimal("0.001")):
        raise ValueError(text)
    return cents


@lru_cache(maxsize=32768)
def fold_word(word: str) -> str:
    """:func:`fold` with a memory: a table has some 5,000 distinct words, repeated 60,000 times."""
    return fold(word)


_LIGATURES = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"}


class _FoldTable(dict[int, str]):
    """``str.translate`` table filled on demand: each character folded once, then looked up in C."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        value = _LIGATURES.get(char)
        if value is None:
            decomposed = unicodedata.normalize("NFKD", char)
            stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
            kept = " ".join(re.findall(r"[a-z0-9]+", stripped))
            # a combining mark vanishes; anything else that is not a letter or digit separates words
            value = kept if kept == stripped else f" {kept} "
        self[code] = value
        return value


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Lower case, no accents, letters and digits separated by single spaces: the searchable form."""
    return " ".join(text.translate(_FOLD).split())


def fold_code(text: str) -> str:
    """A code or the start of one, as typed: ``afl`` → ``AFL``; anything but letters and digits dropped."""
    return "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())


# Words too common to be a keyword (the manual's keywords are words of meaning, four letters or more).
STOPWORDS = frozenset({
    "avec", "sans", "pour", "dans", "par", "sur", "sous", "des", "les", "une", "aux", "chez", "entre",
    "plus", "moins", "leur", "leurs", "cette", "ces", "son", "ses", "autre", "autres", "selon", "apres",
    "avant", "vers", "tout", "tous", "toute", "toutes", "quel", "quelle", "elle", "ils", "non", "voie",
    "acte", "actes", "dont"
})
MIN_KEYWORD = 4
MAX_KEYWORD = 64  # the column's width; the longest word of the CCAM has 26 letters


def keywords_of(label: str) -> dict[str, str]:
    """The keywords of a label: folded form → the word as printed (lower case, accents kept).

    ``Injection péridurale [épidurale] de sang`` → ``{"injection": "injection", "peridurale":
    "péridurale", "epidurale": "épidurale", "sang": "sang"}`` (``de`` is too short: 4 letters or more).
    """
    words: dict[str, str] = {}
    for word in re.findall(r"[^\W\d_]+", label.replace("’", "'")):
        folded = fold_word(word)
        if not MIN_KEYWORD <= len(folded) <= MAX_KEYWORD or folded in STOPWORDS or " " in folded:
            continue
        words.setdefault(folded, word.lower())
    return words


def clean_label(text: str) -> str:
    """One line, single spaces (the listing wraps and pads its labels)."""
    return " ".join(text.split())

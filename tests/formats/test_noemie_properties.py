"""NOEMIE properties: any file the models can hold is written and read back equal, in both forms; junk,
truncation and shuffling give problems (or, for a shuffle, a file that is itself exactly what the writer
writes), never an exception."""

from __future__ import annotations

import os
import random
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feuille.formats.noemie import RECORD
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
    write_file,
)
from feuille.formats.noemie_reader import read_file

from .noemie_samples import SAMPLES
from .test_noemie import LENGTHS

GOLDEN = Path(__file__).parent / "golden"
#: FEUILLE_JUNK_EXAMPLES for a longer hunt (as tests/cli/test_junk_cli.py).
HUNT = int(os.environ.get("FEUILLE_JUNK_EXAMPLES", "0"))


def examples(default: int) -> int:
    return max(HUNT, default)
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))


def code(size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(UPPER, min_size=min_size, max_size=size)


def text(size: int) -> st.SearchStrategy[str]:
    return st.text(PRINTABLE, max_size=size).map(str.rstrip)


def digits(size: int) -> st.SearchStrategy[str]:
    """All the digits of a numeric field (as read back)."""
    return st.integers(0, 10 ** size - 1).map(lambda n: str(n).rjust(size, "0"))


def optional_digits(size: int) -> st.SearchStrategy[str]:
    """An optional numeric code: absent, or not all zeros (all zeros reads as absent)."""
    return st.one_of(st.just(""), st.integers(1, 10 ** size - 1).map(lambda n: str(n).rjust(size, "0")))


def amount(size: int, signed: bool = False) -> st.SearchStrategy[Decimal]:
    low = -(10 ** size - 1) if signed else 0
    return st.integers(low, 10 ** size - 1).map(lambda cents: Decimal(cents) / 100)


DAYS = st.dates(date(2000, 1, 1), date(2099, 12, 31))
MAYBE_DAY = st.none() | DAYS
STATUS = st.sampled_from(["P", "R", "D", ""])

headers = st.builds(Header, code(2), digits(14), code(2), code(14), code(6), DAYS, reference=code(4),
                    version=code(2), emitter_program=text(6), recipient_program=text(6), application=code(2),
                    compression=code(1), encryption=code(1), currency=code(1), flow=code(1), message=text(37))
beneficiaries = st.builds(Beneficiary, code(13), optional_digits(2), text(25), text(25), text(15), code(13),
                          optional_digits(2), optional_digits(6), optional_digits(1), text(25), text(15),
                          optional_digits(4))
acts = st.builds(Act, st.integers(0, 99), code(3), amount(8, signed=True), base=amount(8), unit_price=amount(8),
                 rate=st.integers(0, 999), quantity=st.integers(0, 999), coefficient=optional_digits(5),
                 count=st.integers(0, 999), complement=code(2), management_code=optional_digits(2),
                 exoneration=code(1), processing_mode=optional_digits(2), discipline=optional_digits(3),
                 prescription_date=MAYBE_DAY, care_start=MAYBE_DAY, care_end=MAYBE_DAY, expense=amount(8),
                 expense_qualifier=code(2), local_rate=st.integers(0, 999), local_amount=amount(8),
                 amc_rate=st.integers(0, 999), amc_amount=amount(8), amc_base=amount(8))
rejects = st.builds(RejectLine, text(4), text(86), code(1), code(1), act=text(5), care_date=MAYBE_DAY,
                    performer=optional_digits(9), line=st.integers(0, 999), rank=st.integers(0, 99),
                    information=text(30))
SMALL = {"max_size": 2}


@st.composite
def invoices(draw: st.DrawFn) -> Invoice:
    details = {
        "beneficiary": draw(st.none() | beneficiaries),
        "insured": draw(st.none() | st.builds(Insured, code(13), optional_digits(2), code(1), text(25), text(15))),
        "patient": draw(st.none() | st.builds(Patient, optional_digits(6), code(1), text(25), text(15), code(4))),
        "nature": draw(code(2)), "archive": draw(optional_digits(17)),
        "amo": draw(st.none() | st.builds(Share, amount(8), STATUS, amount(8, signed=True))),
        "amc": draw(st.none() | st.builds(AmcShare, amount(8), STATUS, amount(8, signed=True),
                                          amc_number=optional_digits(10), member_id=text(15))),
        "acts": tuple(draw(st.lists(acts, **SMALL))),
        "messages": tuple(draw(st.lists(st.builds(Message, st.integers(0, 99), text(10), text(80)), **SMALL))),
        "rejects": tuple(draw(st.lists(rejects, **SMALL))),
    }
    number = draw(digits(9))
    if draw(st.booleans()):
        return Invoice(number, extended=False, **details)
    return Invoice(number, number_complement=draw(code(6)), lot_number=draw(code(3)), lot_date=draw(MAYBE_DAY),
                   invoice_type=draw(code(1)),
                   invoice_date=draw(MAYBE_DAY), amc_processing=draw(code(1)), insurance_nature=draw(code(2)),
                   **details)


lots = st.builds(Lot, DAYS, st.integers(0, 999), st.lists(invoices(), **SMALL).map(tuple))
movements = st.builds(Movement, st.integers(0, 99), text(10), code(3), st.sampled_from(["RPR", "CIN", "PAI"]),
                      amount(8, signed=True), MAYBE_DAY, amount(8))
details = st.builds(OneOffDetail, text(5), text(80), code(13), optional_digits(2), optional_digits(6),
                    optional_digits(1), code(1), MAYBE_DAY, MAYBE_DAY, amount(8))
payments = st.builds(OneOffPayment, digits(5), amount(8), st.lists(details, **SMALL).map(tuple))
groups = st.builds(ReturnGroup, digits(2), code(14), st.lists(lots, **SMALL).map(tuple),
                   st.lists(movements, **SMALL).map(tuple), st.lists(payments, **SMALL).map(tuple))
transfers = st.none() | st.builds(Transfer, text(32), text(32), text(10))
settlements = st.builds(Settlement, DAYS, transfers, st.lists(groups, **SMALL).map(tuple))
files = st.builds(NoemieFile, headers, st.lists(st.builds(Payee, digits(15), st.lists(settlements, **SMALL)
                                                          .map(tuple)), max_size=2).map(tuple),
                  st.just("") | digits(15))


@settings(max_examples=examples(60), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(file=files, blocks=st.booleans())
def test_what_is_written_reads_back_equal(file: NoemieFile, blocks: bool) -> None:
    text = write_file(file, blocks=blocks)
    reading = read_file(text)
    assert reading.problems == () and reading.file == file and reading.blocked is blocks
    assert write_file(reading.file, blocks=blocks) == text
    if blocks:
        assert len(text) % RECORD == 0


def golden_texts() -> list[str]:
    return [write_file(build(), blocks=blocks) for build in SAMPLES.values() for blocks in (False, True)]


@settings(max_examples=examples(200), deadline=None)
@given(junk=st.text(max_size=600) | st.binary(max_size=600).map(lambda b: b.decode("latin-1")))
def test_junk_gives_problems(junk: str) -> None:
    reading = read_file(junk)
    assert reading.problems and not reading.ok
    assert all(p.message.startswith("NOEMIE") for p in reading.problems)


@settings(max_examples=examples(200), deadline=None)
@given(junk=st.binary(max_size=400), prefix=st.sampled_from(golden_texts()))
def test_junk_after_a_good_header_gives_problems(junk: bytes, prefix: str) -> None:
    reading = read_file(prefix[:RECORD].encode("ascii") + junk)
    assert not reading.ok and reading.problems


@pytest.mark.parametrize("text", golden_texts(), ids=lambda t: t[49:55] + ("-blocs" if t[RECORD] in "01" else ""))
def test_every_truncation_gives_problems(text: str) -> None:
    for size in range(len(text)):
        reading = read_file(text[:size])
        assert reading.problems and not reading.ok, size


def entity_cuts(text: str) -> list[str]:
    out, position = [], RECORD
    while text[position:position + 3] != "999":
        length = LENGTHS[text[position:position + 3]]
        out.append(text[position:position + length])
        position += length
    return out


@settings(max_examples=examples(200), deadline=None)
@given(name=st.sampled_from(list(SAMPLES)), seed=st.integers(0, 2 ** 32))
def test_shuffled_entities_give_problems_or_a_canonical_file(name: str, seed: int) -> None:
    text = write_file(SAMPLES[name]())
    middle = entity_cuts(text)
    random.Random(seed).shuffle(middle)
    shuffled = text[:RECORD] + "".join(middle) + text[-RECORD:]
    reading = read_file(shuffled)
    if reading.ok:
        assert reading.file is not None and write_file(reading.file) == shuffled
    else:
        assert reading.problems


@settings(max_examples=examples(300), deadline=None)
@given(name=st.sampled_from(list(SAMPLES)), at=st.integers(0, 2000), char=st.characters(max_codepoint=0x17F),
       blocks=st.booleans())
def test_one_changed_character_never_raises(name: str, at: int, char: str, blocks: bool) -> None:
    text = write_file(SAMPLES[name](), blocks=blocks)
    at %= len(text)
    changed = text[:at] + char + text[at + 1:]
    reading = read_file(changed)
    assert reading.ok or reading.problems
    if reading.ok and not blocks:   # a block flag other than 1 is any flag: only the continuous form is exact
        assert reading.file is not None and write_file(reading.file) == changed

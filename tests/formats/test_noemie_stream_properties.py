"""The streaming NOEMIE reader under Hypothesis: any file the models can hold gives back its invoices, movements
and one-off payments in both forms; junk, truncations at every position and bit flips never raise and always
report; the strict reading of an entity and the field-by-field one agree."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feuille.formats.noemie import ENTITIES
from feuille.formats.noemie_decode import BUILDERS, BadEntity, explain
from feuille.formats.noemie_file import NoemieFile, write_file
from feuille.formats.noemie_stream import (
    End,
    Event,
    InvoiceReturn,
    MovementReturn,
    OneOffReturn,
    Problem,
    SettlementEnd,
    SettlementStart,
    Start,
    iter_returns,
)

from .noemie_samples import SAMPLES
from .test_noemie_properties import examples, files

GOLDEN_TEXTS = [write_file(build(), blocks=blocks) for build in SAMPLES.values() for blocks in (False, True)]


def read(data: str | bytes, chunk_size: int = 1 << 20) -> list[Event]:
    return list(iter_returns(data, chunk_size=chunk_size))


def content(file: NoemieFile) -> tuple[list[object], list[object], list[object]]:
    groups = [(s, g) for p in file.payees for s in p.settlements for g in s.groups]
    return ([i for _, g in groups for lot in g.lots for i in lot.invoices], [m for _, g in groups for m in g.movements],
            [p for _, g in groups for p in g.payments])


@settings(max_examples=examples(60), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(file=files, blocks=st.booleans(), chunk=st.sampled_from([1, 7, 128, 4096, 1 << 20]))
def test_what_is_written_streams_back(file: NoemieFile, blocks: bool, chunk: int) -> None:
    found = read(write_file(file, blocks=blocks).encode("ascii"), chunk)
    assert not [e for e in found if isinstance(e, Problem)]
    assert isinstance(found[0], Start) and found[0].header == file.header and found[0].blocked is blocks
    assert ([e.invoice for e in found if isinstance(e, InvoiceReturn)],
            [e.movement for e in found if isinstance(e, MovementReturn)],
            [e.payment for e in found if isinstance(e, OneOffReturn)]) == content(file)
    settlements = [s for p in file.payees for s in p.settlements]
    assert [(e.date, e.transfer) for e in found if isinstance(e, SettlementStart)] == [
        (s.date, s.transfer) for s in settlements]
    assert [e.declared_total for e in found if isinstance(e, SettlementEnd)] == [s.total for s in settlements]
    end = found[-1]
    assert isinstance(end, End) and (end.lot_count, end.total) == (file.lot_count, file.total)


def check_reported(events: list[Event]) -> None:
    problems = [e for e in events if isinstance(e, Problem)]
    assert problems
    assert all(p.message.startswith("NOEMIE") and p.code for p in problems)


@settings(max_examples=examples(200), deadline=None)
@given(junk=st.binary(max_size=800), chunk=st.sampled_from([1, 5, 128, 1 << 20]))
def test_junk_never_raises_and_always_reports(junk: bytes, chunk: int) -> None:
    check_reported(read(junk, chunk))


@settings(max_examples=examples(200), deadline=None)
@given(junk=st.binary(max_size=400), prefix=st.sampled_from(GOLDEN_TEXTS))
def test_junk_after_a_good_header_is_reported(junk: bytes, prefix: str) -> None:
    check_reported(read(prefix[:128].encode("ascii") + junk))


@pytest.mark.parametrize("text", GOLDEN_TEXTS, ids=lambda t: t[49:55] + ("-blocs" if t[128] in "01" else ""))
def test_every_truncation_is_reported(text: str) -> None:
    for size in range(len(text)):
        check_reported(read(text[:size]))


@settings(max_examples=examples(300), deadline=None)
@given(text=st.sampled_from(GOLDEN_TEXTS), seed=st.integers(0, 2 ** 32), flips=st.integers(1, 4))
def test_bit_flips_never_raise(text: str, seed: int, flips: int) -> None:
    data = bytearray(text.encode("ascii"))
    rng = random.Random(seed)
    for _ in range(flips):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    found = read(bytes(data), rng.choice([1, 7, 128, 1 << 20]))
    problems = [e for e in found if isinstance(e, Problem)]
    assert problems or isinstance(found[-1], End)   # a flip in a free text reads, differently
    assert all(p.message.startswith("NOEMIE") for p in problems)


@settings(max_examples=examples(400), deadline=None)
@given(text=st.sampled_from(GOLDEN_TEXTS[::2]), at=st.integers(0, 10_000), char=st.characters(max_codepoint=0xFF))
def test_the_strict_and_the_detailed_readings_agree(text: str, at: int, char: str) -> None:
    """An entity the strict expression refuses is one the field-by-field reading names a problem in."""
    position, number = 128, 2
    entities = []
    while text[position:position + 3] in ENTITIES:
        length = ENTITIES[text[position:position + 3]].length
        entities.append(text[position:position + length])
        position += length
    entity = entities[at % len(entities)]
    kind = entity[:3]
    spot = at % len(entity)
    mutated = entity[:spot] + char + entity[spot + 1:]
    try:
        BUILDERS[kind](mutated)
    except BadEntity:
        assert explain(kind, mutated, number).code != "noemie_entity"
    else:
        assert explain(kind, mutated, number).code == "noemie_entity"   # nothing wrong found either

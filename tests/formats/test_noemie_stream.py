"""The streaming NOEMIE reader: golden files in both forms with their offsets checked exactly, chunk boundaries,
tolerance (an invoice with a broken entity skipped whole, reading going on), and the entities as cut."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pytest

from feuille.formats.noemie import ENTITIES, RECORD
from feuille.formats.noemie_events import PROBLEM_CODES
from feuille.formats.noemie_file import Invoice, NoemieFile, write_file
from feuille.formats.noemie_records import join_blocks
from feuille.formats.noemie_stream import (
    End,
    Entity,
    Event,
    InvoiceReturn,
    MovementReturn,
    OneOffReturn,
    Problem,
    SettlementEnd,
    SettlementStart,
    Start,
    iter_entities,
    iter_returns,
)

from .noemie_samples import SAMPLES
from .test_noemie import LENGTHS, continuous

GOLDEN = Path(__file__).parent / "golden"


def events(data: object, chunk_size: int = 1 << 20) -> list[Event]:
    return list(iter_returns(data, chunk_size=chunk_size))  # type: ignore[arg-type]


def problems(data: object) -> list[Problem]:
    return [e for e in events(data) if isinstance(e, Problem)]


def invoices(file: NoemieFile) -> list[Invoice]:
    return [i for p in file.payees for s in p.settlements for g in s.groups for lot in g.lots for i in lot.invoices]


def offsets_continuous(text: str) -> list[tuple[str, int]]:
    """Each entity's type and offset, cut by the table's lengths alone."""
    out, position = [("000", 0)], RECORD
    while text[position:position + 3] != "999":
        out.append((text[position:position + 3], position))
        position += LENGTHS[text[position:position + 3]]
    return [*out, ("999", position)]


def stored_in_blocks(position: int, end: int, line_end: int = 0) -> int:
    """Where the continuous text's ``position`` is in the blocked file (data blocks give 127 characters after
    their flag; ``end``: where the trailer starts in the continuous text)."""
    stride = RECORD + line_end
    if position < RECORD:
        return position
    if position >= end:   # the trailer: the block after the last data block
        blocks = -(-(end - RECORD) // (RECORD - 1)) or 1
        return stride * (1 + blocks) + position - end
    block, within = divmod(position - RECORD, RECORD - 1)
    return stride * (1 + block) + 1 + within


@pytest.mark.parametrize("name", SAMPLES)
def test_golden_files_give_the_models_in_both_forms_with_exact_offsets(name: str) -> None:
    file = SAMPLES[name]()
    text = continuous(name)
    expected = offsets_continuous(text)
    end = expected[-1][1]
    forms = {"continu": (text.encode(), 0, False), "blocs": (write_file(file, blocks=True).encode(), None, True),
             "lignes": ((GOLDEN / f"noemie_{name}_blocs.txt").read_bytes(), 1, True),
             "lignes_crlf": ((GOLDEN / f"noemie_{name}_blocs.txt").read_bytes().replace(b"\n", b"\r\n"), 2, True)}
    for form, (data, line_end, blocked) in forms.items():
        cut = [e for e in iter_entities(data)]
        assert all(isinstance(e, Entity) for e in cut), form
        assert [e.kind for e in cut if isinstance(e, Entity)] == [kind for kind, _ in expected]
        if line_end == 0:
            wanted = [offset for _, offset in expected]
        else:
            wanted = [stored_in_blocks(offset, end, line_end or 0) for _, offset in expected]
        assert [e.offset for e in cut if isinstance(e, Entity)] == wanted, form
        for entity in cut:
            assert isinstance(entity, Entity)
            assert data[entity.offset:entity.offset + 1].decode() == entity.text[0], (form, entity.number)
        found = events(data)
        assert not [e for e in found if isinstance(e, Problem)], form
        start = found[0]
        assert isinstance(start, Start) and start.header == file.header and start.blocked is blocked
        assert start.mandataire == file.mandataire
        assert [e.invoice for e in found if isinstance(e, InvoiceReturn)] == invoices(file)
        heads = [offset for kind, offset in expected if kind in ("100", "102")]
        if line_end == 0:
            assert [e.offset for e in found if isinstance(e, InvoiceReturn)] == heads
        assert isinstance(found[-1], End) and found[-1].record_count == len(expected)


def test_every_entity_type_is_read() -> None:
    file = SAMPLES["toutes_entites"]()
    found = events(continuous("toutes_entites"))
    kinds = {e.kind for e in iter_entities(continuous("toutes_entites")) if isinstance(e, Entity)}
    assert kinds == {*ENTITIES, "000", "999"}
    settlements = [e for e in found if isinstance(e, SettlementStart)]
    assert [s.transfer is None for s in settlements] == [False, True]
    movements = [e.movement for e in found if isinstance(e, MovementReturn)]
    payments = [e.payment for e in found if isinstance(e, OneOffReturn)]
    groups = [g for s in file.payees[0].settlements for g in s.groups]
    assert movements == [m for g in groups for m in g.movements]
    assert payments == [p for g in groups for p in g.payments]
    assert [e.return_kind for e in found if isinstance(e, MovementReturn | OneOffReturn)] == ["05", "05", "03"]
    ends = [e for e in found if isinstance(e, SettlementEnd)]
    assert [e.declared_total for e in ends] == [s.total for s in file.payees[0].settlements]
    first = next(e for e in found if isinstance(e, InvoiceReturn))
    assert (first.lot_number, first.return_kind, first.settlement) == (31, "01", settlements[0])


@pytest.mark.parametrize("name", SAMPLES)
def test_chunk_boundaries_change_nothing(name: str) -> None:
    texts = [continuous(name), write_file(SAMPLES[name](), blocks=True),
             (GOLDEN / f"noemie_{name}_blocs.txt").read_text()]
    for text in texts:
        reference = events(text.encode())
        for size in (1, 7, 128, 4096):
            assert events(text.encode(), size) == reference, size
            assert events(io.BytesIO(text.encode()), size) == reference, size
        assert events(text) == reference


def test_a_path_and_a_file_object_read_alike(tmp_path: Path) -> None:
    path = tmp_path / "retour.txt"
    path.write_bytes((GOLDEN / "noemie_toutes_entites_blocs.txt").read_bytes())
    with path.open("rb") as stream:
        assert events(path) == events(stream) == events(path.read_bytes())


def test_join_blocks_is_the_continuous_text() -> None:
    for name in SAMPLES:
        assert join_blocks(write_file(SAMPLES[name](), blocks=True)) == continuous(name)
        assert join_blocks((GOLDEN / f"noemie_{name}_blocs.txt").read_text()) == continuous(name)
        assert join_blocks(continuous(name)) is None


def entity_at(text: str, kind: str, nth: int = 0) -> int:
    matches = [offset for k, offset in offsets_continuous(text) if k == kind]
    return matches[nth]


def changed(text: str, at: int, new: str) -> str:
    return text[:at] + new + text[at + len(new):]


def test_an_invoice_with_a_broken_act_is_skipped_whole_and_the_others_given() -> None:
    text = continuous("toutes_entites")
    act = entity_at(text, "210")
    broken = changed(text, act + 60, "Q")   # the sign of the act
    found = events(broken)
    codes = [(e.code, e.entity, e.invoice) for e in found if isinstance(e, Problem)]
    assert codes[0][0] == "noemie_sign"
    skipped = [c for c in codes if c[0] == "noemie_skipped"]
    assert skipped == [("noemie_skipped", 7, "000000301")]
    numbers = [e.invoice.number for e in found if isinstance(e, InvoiceReturn)]
    assert numbers == ["000000302", "000000303"]
    assert [e for e in found if isinstance(e, MovementReturn | OneOffReturn)]
    problem = next(e for e in found if isinstance(e, Problem))
    assert problem.offset == act and problem.kind == "210" and problem.field == "sign"


def test_a_broken_transfer_skips_what_it_pays_and_names_each_invoice() -> None:
    text = continuous("toutes_entites")
    broken = changed(text, entity_at(text, "071") + 5, "249999")   # no such date
    found = events(broken)
    skipped = [e.invoice for e in found if isinstance(e, Problem) and e.code == "noemie_skipped" and e.invoice]
    assert skipped == ["000000301", "000000302"]
    assert [e.invoice.number for e in found if isinstance(e, InvoiceReturn)] == ["000000303"]
    assert not [e for e in found if isinstance(e, MovementReturn | OneOffReturn)]


def test_an_unknown_entity_is_reported_and_reading_resynchronises() -> None:
    text = continuous("toutes_entites")
    at = entity_at(text, "290")
    broken = changed(text, at, "777")
    found = events(broken)
    problem = next(e for e in found if isinstance(e, Problem))
    assert (problem.code, problem.offset, problem.field) == ("noemie_unknown_entity", at, "type")
    assert [e.invoice.number for e in found if isinstance(e, InvoiceReturn)] == ["000000302", "000000303"]
    assert isinstance(found[-1], End) and found[-1].record_count is not None


def test_a_missing_end_is_reported_and_the_next_entity_read() -> None:
    text = continuous("retenue")
    at = entity_at(text, "250")
    broken = changed(text, at + 46, "X")
    found = events(broken)
    problem = next(e for e in found if isinstance(e, Problem))
    assert (problem.code, problem.entity, problem.offset) == ("noemie_missing_end", 13, at)
    assert [e.invoice.number for e in found if isinstance(e, InvoiceReturn)] == ["000000262"]


def test_an_unreadable_header_gives_only_problems() -> None:
    text = changed(continuous("retenue"), 55, "999999")   # creation date
    found = events(text)
    only = [e for e in found if isinstance(e, Problem)]
    assert found and only == found
    assert only[0].entity == 1 and only[0].code == "format_date"


def test_a_truncated_file_gives_what_was_complete_and_a_problem() -> None:
    text = continuous("deux_virements")
    cut = entity_at(text, "102", 1) + 20   # inside the second invoice
    found = events(text[:cut])
    assert [e.invoice.number for e in found if isinstance(e, InvoiceReturn)] == ["000000259", "000000260"]
    codes = [e.code for e in found if isinstance(e, Problem)]
    assert "noemie_truncated" in codes
    assert isinstance(found[-1], End) and found[-1].record_count is None


def test_controls_that_do_not_add_up_are_reported() -> None:
    text = continuous("deux_virements")
    lot_control = [offset for kind, offset in offsets_continuous(text) if kind == "990"][2]   # the first lot's
    found = events(changed(text, lot_control + 30, "00000000469"))
    problem = next(e for e in found if isinstance(e, Problem))
    assert (problem.code, problem.offset) == ("noemie_control_total", lot_control)


def test_models_made_by_the_reader_equal_those_built_normally() -> None:
    file = SAMPLES["toutes_entites"]()
    for event in events(continuous("toutes_entites")):
        if isinstance(event, InvoiceReturn):
            rebuilt = dataclasses.replace(event.invoice)   # through __init__
            assert rebuilt == event.invoice and hash(rebuilt) == hash(event.invoice)
            assert repr(rebuilt) == repr(event.invoice)
    assert file == file


def test_every_problem_code_is_listed_and_documented() -> None:
    """The codes written in the reader's modules are those of PROBLEM_CODES, and docs/formats-noemie.md names each."""
    root = Path(__file__).resolve().parents[2]
    written: set[str] = set()
    for module in ("noemie_stream", "noemie_walk", "noemie_decode", "noemie_records", "noemie"):
        text = (root / "src" / "feuille" / "formats" / f"{module}.py").read_text()
        written |= set(re.findall(r'"(noemie_[a-z_]+)"', text))
    written -= {"noemie_stream"}
    assert written <= set(PROBLEM_CODES), written - set(PROBLEM_CODES)
    docs = (root / "docs" / "formats-noemie.md").read_text()
    assert [code for code in PROBLEM_CODES if f"`{code}`" not in docs] == []
    for name in SAMPLES:
        text = continuous(name)
        for size in range(0, len(text), 7):
            assert all(p.code in PROBLEM_CODES for p in problems(text[:size]))


def big_file(invoices: int) -> NoemieFile:
    from datetime import date

    from feuille.formats.noemie_file import Lot, Payee, ReturnGroup

    from .noemie_samples import PAYEE, header, paid_invoice, transfer

    lots = tuple(Lot(date(2024, 5, 28), n // 500 % 1000, tuple(paid_invoice(str(k + 1), f"{k % 90 + 1}.25")
                                                                 for k in range(n, min(n + 500, invoices))))
                 for n in range(0, invoices, 500))
    return NoemieFile(header("000900"), (Payee(PAYEE, (transfer("1FR", (ReturnGroup("01", lots=lots),)),)),))


def test_memory_stays_flat_as_the_file_grows(tmp_path: Path) -> None:
    import tracemalloc

    peaks = []
    for invoices in (1000, 6000):
        path = tmp_path / f"retour-{invoices}.txt"
        path.write_text(write_file(big_file(invoices), blocks=invoices > 1000))
        tracemalloc.start()
        count = sum(isinstance(e, InvoiceReturn) for e in iter_returns(path, chunk_size=16384))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert count == invoices
    assert peaks[1] < peaks[0] + 512 * 1024, peaks   # six times the records, not six times the memory

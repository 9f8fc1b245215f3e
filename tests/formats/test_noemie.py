"""NOEMIE returns: golden files in both physical forms, the columns of FORMATS.md §3, round trips, and junk.

The golden files were written by the writer from ``noemie_samples.py`` and checked by hand against the entity
table; :func:`test_entities_sit_where_the_table_says` checks their columns again, from the table alone.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from feuille.errors import ValidationError
from feuille.formats.noemie import ENTITIES, RECORD
from feuille.formats.noemie_file import Invoice, Lot, NoemieFile, Payee, ReturnGroup, Settlement, write_file
from feuille.formats.noemie_reader import read_file
from feuille.formats.noemie_records import join_blocks

from .noemie_samples import SAMPLES, header, paid_invoice

GOLDEN = Path(__file__).parent / "golden"
#: FORMATS.md §3, « length » column.
LENGTHS = {"020": 21, "040": 21, "070": 12, "071": 86, "080": 15, "081": 22, "100": 15, "102": 40, "103": 152,
           "110": 88, "120": 57, "150": 8, "160": 23, "198": 24, "199": 49, "210": 118, "250": 47, "261": 19,
           "262": 134, "290": 98, "294": 153, "990": 43}


def continuous(name: str) -> str:
    return (GOLDEN / f"noemie_{name}.txt").read_text(encoding="ascii").removesuffix("\n")


def blocked(name: str) -> str:
    """The blocked golden file holds one block per line, for the eye; the writer writes them end to end."""
    return (GOLDEN / f"noemie_{name}_blocs.txt").read_text(encoding="ascii").replace("\n", "")


def entities(text: str) -> list[str]:
    """The entities between header and trailer, cut by the table's lengths alone."""
    out, position = [], RECORD
    while text[position:position + 3] != "999":
        length = LENGTHS[text[position:position + 3]]
        out.append(text[position:position + length])
        position += length
    assert len(text) == position + RECORD
    return out


def test_the_layouts_have_the_table_lengths() -> None:
    assert {kind: layout.length for kind, layout in ENTITIES.items()} == LENGTHS


@pytest.mark.parametrize("name", SAMPLES)
def test_golden_files_in_both_forms(name: str) -> None:
    file = SAMPLES[name]()
    assert write_file(file) == continuous(name)
    assert write_file(file, blocks=True) == blocked(name)
    for text, is_blocked in ((continuous(name), False), (blocked(name), True)):
        reading = read_file(text)
        assert reading.ok and reading.file == file and reading.blocked is is_blocked
    lines = (GOLDEN / f"noemie_{name}_blocs.txt").read_bytes()
    assert read_file(lines).file == file  # one block per line, as bytes
    assert read_file((GOLDEN / f"noemie_{name}.txt").read_bytes().replace(b"\n", b"\r\n")).file == file


@pytest.mark.parametrize("name", SAMPLES)
def test_entities_sit_where_the_table_says(name: str) -> None:
    text = continuous(name)
    assert len(text[:RECORD]) == RECORD and text[:3] == "000" and text[69] == "U" and text[61:64] in ("576", "900")
    for entity in entities(text):
        assert entity[-1] == "@" and entity[3:5].isdigit() and "@" not in entity[:-1].replace("-", "")
    trailer = text[-RECORD:]
    assert trailer[:3] == "999" and trailer[3:55] == text[3:55]
    assert int(trailer[55:63]) == len(entities(text)) + 2
    assert trailer[96] == "P"


def test_amounts_and_signs_of_the_withholding_file() -> None:
    found = {e[:3] + e[6:7]: e for e in entities(continuous("retenue")) if e[:3] == "250"}
    initial, withheld = found["2501"], found["2502"]
    assert (initial[26:29], initial[29:37], initial[37]) == ("CIN", "00000552", "P")   # 27-29, 30-37, 38
    assert (withheld[26:29], withheld[29:37], withheld[37]) == ("RPR", "00000552", "N")
    assert withheld[7:17] == "DETTE7FR  " and withheld[17:23] == "240529"
    control = [e for e in entities(continuous("retenue")) if e[:3] == "990"][-1]
    assert (control[5:7], control[22:30], control[30:41], control[41]) == ("03", "00000003", "00000009448", "P")
    assert continuous("retenue")[-RECORD:][85:97] == "00000009448P"   # 999: 86-96 total, 97 sign


def test_shares_acts_and_rejects_columns() -> None:
    found = {e[:3]: e for e in entities(continuous("paiement_partiel"))}
    amo, amc = found["198"], found["199"]
    assert (amo[5:13], amo[13], amo[14:22], amo[22]) == ("00000009", "P", "00000006", "P")
    assert (amc[23:33], amc[33:48]) == ("1100000000", "ADH-001        ")
    act = found["210"]
    assert (act[49:52], act[52:60], act[60], act[61:64], act[85:87]) == ("060", "00000003", "P", "M03", "DE")
    reject = {e[:3]: e for e in entities(continuous("rejet"))}["294"]
    assert (reject[5:9], reject[95], reject[96], reject[97:102], reject[102:108]) == ("0102", "L", "O", "VU3  ",
                                                                                    "240108")
    assert (reject[108:117], reject[117:120], reject[120:122]) == ("992604231", "001", "01")


def test_a_one_off_payment_and_its_detail() -> None:
    found = {e[:3]: e for e in reversed(entities(continuous("paiement_ponctuel")))}   # the first of each type
    assert found["020"][5:20] == "000000992604231"
    assert (found["261"][5:10], found["261"][10:18]) == ("00001", "00004000")
    detail = found["262"]
    assert (detail[5:10], detail[90:103], detail[105:111], detail[112], detail[125:133]) == (
        "CODE1", "PAT01        ", "991130", "A", "00004000")


def test_a_transfer_carries_its_labels_and_paying_organism() -> None:
    transfer = [e for e in entities(continuous("deux_virements")) if e[:3] == "071"][1]
    assert (transfer[5:11], transfer[11:43].rstrip(), transfer[43:75].rstrip(), transfer[75:85]) == (
        "240529", "VIR AMO LIGNE 1-9FR", "VIR AMO LIGNE 2 -9FR", "10349000  ")
    reading = read_file(continuous("deux_virements"))
    assert reading.file is not None
    assert [s.total for s in reading.file.payees[0].settlements] == [Decimal("5.52"), Decimal("3.22")]


def test_the_blocks_flag_the_last_data_block() -> None:
    text = blocked("deux_virements")
    flags = [text[i] for i in range(RECORD, len(text) - RECORD, RECORD)]
    assert flags[-1] == "1" and set(flags[:-1]) == {"0"} and len(text) % RECORD == 0
    assert join_blocks(text) == continuous("deux_virements")
    assert join_blocks(continuous("deux_virements")) is None


def damaged(name: str, at: int, new: str) -> str:
    text = continuous(name)
    return text[:at] + new + text[at + len(new):]


def entity_start(name: str, kind: str, nth: int = 0) -> int:
    text, position, seen = continuous(name), RECORD, 0
    for entity in entities(text):
        if entity[:3] == kind:
            if seen == nth:
                return position
            seen += 1
        position += len(entity)
    raise AssertionError(kind)


# Entities of « retenue »: 1 000, 2 040, 3 071, 4 081, 5 080, 6 102, 7 103, 8 198, 9 210, 10 990 (invoice),
# 11 990 (lot), 12 081, 13 250, 14 250, 15 990 (settlement), 16 999.
@pytest.mark.parametrize(("text", "code", "entity"), [
    (damaged("retenue", entity_start("retenue", "250"), "777"), "noemie_unknown_entity", 13),
    (damaged("retenue", entity_start("retenue", "250") + 46, "X"), "noemie_missing_end", 13),
    (damaged("retenue", entity_start("retenue", "250") + 37, "Q"), "noemie_sign", 13),
    (damaged("retenue", entity_start("retenue", "250") + 17, "241399"), "format_date", 13),
    (damaged("retenue", entity_start("retenue", "198") + 14, "00010001"), "noemie_control_total", 10),
    (damaged("retenue", entity_start("retenue", "990") + 22, "00000009"), "noemie_control_count", 10),
    (damaged("retenue", len(continuous("retenue")) - RECORD + 55, "00000099"), "noemie_trailer", 16),
    (damaged("retenue", len(continuous("retenue")) - RECORD + 85, "00000009449"), "noemie_trailer", 16),
    (continuous("retenue")[:-1], "noemie_truncated", 16),
    (continuous("retenue")[:500], "noemie_truncated", 9),
    (continuous("retenue") + "x", "noemie_trailing", 17),
    (damaged("retenue", entity_start("retenue", "081", 1), "080"), "noemie_missing_end", 12),
])
def test_a_damaged_file_gives_french_problems(text: str, code: str, entity: int) -> None:
    reading = read_file(text)
    assert not reading.ok
    problem = next(p for p in reading.problems if p.code == code)
    assert problem.entity == entity and problem.message.startswith("NOEMIE") and "entité" in problem.message


def test_an_entity_out_of_place_stops_the_reading() -> None:
    text = continuous("retenue")
    start = entity_start("retenue", "103")   # moved before the payee
    moved = text[:RECORD] + text[start:start + LENGTHS["103"]] + text[RECORD:start] + text[start + LENGTHS["103"]:]
    reading = read_file(moved)
    assert reading.file is None and reading.problems[0].code == "noemie_structure"
    assert "inattendue" in reading.problems[0].message


def test_every_bad_field_is_reported_not_only_the_first() -> None:
    text = damaged("retenue", entity_start("retenue", "250") + 37, "Q")
    text = text[:entity_start("retenue", "250", 1) + 37] + "Q" + text[entity_start("retenue", "250", 1) + 38:]
    assert [p.entity for p in read_file(text).problems] == [13, 14]


def test_the_writer_refuses_in_french() -> None:
    short = Invoice("12", extended=False, lot_number="001")
    file = NoemieFile(header("000001"), (Payee("1", (Settlement(date(2024, 1, 1), None, (
        ReturnGroup("01", lots=(Lot(date(2024, 1, 1), 1, (short,)),)),)),)),))
    with pytest.raises(ValidationError) as caught:
        write_file(file)
    assert caught.value.code == "noemie_short_invoice"
    too_big = NoemieFile(header("000001"), (Payee("1", (Settlement(date(2024, 1, 1), None, (
        ReturnGroup("01", lots=(Lot(date(2024, 1, 1), 1, (paid_invoice("1", "1000000.00"),)),)),)),)),))
    with pytest.raises(ValidationError) as caught:
        write_file(too_big)
    assert caught.value.code == "too_long" and caught.value.message.startswith("NOEMIE, entité 198")

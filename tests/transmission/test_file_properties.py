"""What « Mettre en fichier » builds reads back identically whatever the lot (FSE or DRE number, certification,
mode, the professional's name with accents and punctuation, the settings), and the plain f-string writer of the
benchmark gives the engine's bytes (so the benchmark compares like with like)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks import b2_plain
from feuille.domain.lots import LotKind, next_number
from feuille.formats import b2_file as m
from feuille.formats.b2_reader import read_b2
from feuille.storage.models import Lot, Professional
from feuille.transmission import files
from feuille.transmission.settings import SendingMode, TransmissionSettings
from tests.formats.b2_samples import digits, invoices

DAY = date(2025, 1, 15)
NAMES = st.text(st.sampled_from("abcdéèçÉÀ-' ZyXô"), min_size=1, max_size=60)


@st.composite
def lots(draw: st.DrawFn) -> tuple[Lot, Professional, list[m.Invoice], TransmissionSettings]:
    regime = draw(st.sampled_from(["01", "02", "03", "10", "91"]))
    caisse = draw(digits(3))
    kind = draw(st.sampled_from(LotKind))
    number = next_number(kind, None)
    for _ in range(draw(st.integers(0, 40))):
        number = next_number(kind, number)
    billing = draw(digits(9))
    professional = Professional(last_name=draw(NAMES), first_name=draw(NAMES), billing_number=billing)
    lot = Lot(regime=regime, caisse=caisse, number=number, lot_date=DAY,
              certification=draw(st.sampled_from("SFD")))
    found = [replace(invoice, header=replace(invoice.header, regime=regime, caisse=caisse))
             for invoice in draw(st.lists(invoices(billing, DAY), min_size=1, max_size=4))]
    chosen = TransmissionSettings(mode=draw(st.sampled_from(SendingMode)), norme=draw(st.sampled_from(["CP", "CE"])),
                                  centres_informatiques={f"{regime} {caisse}": draw(digits(3))})
    return lot, professional, found, chosen


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=lots(), file_id=st.integers(1, 999_999))
def test_a_lot_file_reads_back_identically(case: tuple[Lot, Professional, list[m.Invoice], TransmissionSettings],
                                           file_id: int) -> None:
    lot, professional, found, chosen = case
    model = files.build(lot, professional, found, chosen, f"{file_id:06d}")
    text = m.write_b2(model)
    reading = read_b2(text)
    assert reading.ok, reading.problems
    assert reading.file == model
    assert reading.file.lots[0].closing.marking == ("R" if chosen.mode == SendingMode.PRODUCTION else "T")
    assert all(c.isalnum() or c == " " for c in model.lots[0].header.partner_name)


def _plain_friendly(invoice: m.Invoice) -> m.Invoice:
    """The records the benchmark's lots hold: no 2S, 4S, 4E, 4M."""
    return replace(invoice, detail=None, lines=tuple(m.Line(line.act) for line in invoice.lines))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=lots())
def test_the_benchmarks_plain_writer_gives_the_engines_bytes(
        case: tuple[Lot, Professional, list[m.Invoice], TransmissionSettings]) -> None:
    lot, professional, found, chosen = case
    model = files.build(lot, professional, [_plain_friendly(i) for i in found], chosen, "000042")
    assert b2_plain.write_b2(model) == m.write_b2(model)

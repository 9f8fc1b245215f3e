"""The paying step's pure part: decisions and the entities that say them; Hypothesis on the money invariants and
on a return written and read back with the product's reader."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from feuille.formats.noemie_file import PAID, REJECTED, Lot, NoemieFile, Payee, ReturnGroup, Settlement, write_file
from feuille.formats.noemie_reader import read_file
from feuille.money import total
from feuille_sim.payments import build
from feuille_sim.payments.store import DueLot, Line, StoredInvoice

DAY = date(2026, 12, 10)
LOT = DueLot(1, "01996", "00000996102182", "007", date(2026, 12, 5))
cents = st.integers(min_value=0, max_value=99_999_99).map(lambda c: Decimal(c) / 100)


def stored(amounts: list[Decimal], number: int = 1, amc: Decimal = Decimal("0.00")) -> StoredInvoice:
    lines = tuple(Line(n, DAY, "VU3CB", 1, Decimal("1.00"), a, a, 70, a) for n, a in enumerate(amounts, start=1))
    return StoredInvoice(number, 1, "996102182", number, "1800175000001", "36", date(1980, 1, 15), 1, "10", DAY,
                         DAY, total(amounts), amc, lines)


def test_half_a_cent_is_rounded_up_on_each_line() -> None:
    invoice = build.settle(stored([Decimal("0.05"), Decimal("0.05")]), LOT, build.Decision(PAID, 50))
    assert [a.reimbursed for a in invoice.acts] == [Decimal("0.03"), Decimal("0.03")]
    assert invoice.amo is not None and invoice.amo.paid == Decimal("0.06") and invoice.amo.claimed == Decimal("0.10")


def test_a_long_act_code_keeps_its_complement_and_the_coefficient_is_in_hundredths() -> None:
    [act] = build.settle(stored([Decimal("1.00")]), LOT, build.Decision(PAID)).acts
    assert (act.act_code, act.complement, act.coefficient) == ("VU3", "CB", "00100")


def test_the_rules_pick_reject_before_partial_and_match_the_lot() -> None:
    invoice = stored([Decimal("1.00")])
    nir = invoice.nir + invoice.nir_key
    rules = {"rejeter": [{"nir": nir, "motif": "non", "lot": 8}], "payer_partiel": [{"lot": 7, "taux": 10}]}
    assert build.decide(invoice, LOT, rules) == build.Decision(PAID, 10)
    rules["rejeter"].append({"nir": nir, "motif": "droits fermés", "lot": None})
    assert build.decide(invoice, LOT, rules) == build.Decision(REJECTED, 0, "droits fermés")
    assert build.decide(invoice, DueLot(2, "01996", "0" * 14, "ABC", DAY), {"payer_partiel": [{"lot": 7, "taux": 1}]}) \
        == build.Decision(PAID)


def test_free_text_is_folded_for_the_file() -> None:
    assert build.text("Droits fermés — « œuvre »\n") == "DROITS FERMES   UVRE"
    assert build.text("ééé\x00") == "EEE" and build.text("") == "REJET" and build.alpha("a-b") == "A B"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(cents, min_size=0, max_size=4), min_size=1, max_size=6),
       st.integers(min_value=0, max_value=100), st.booleans(), cents)
def test_paid_is_the_sum_of_rounded_lines_never_more_than_claimed_and_reads_back(
        invoices: list[list[Decimal]], rate: int, reject: bool, amc: Decimal) -> None:
    decision = build.Decision(REJECTED, 0, "motif") if reject else build.Decision(PAID, rate)
    settled = [build.settle(stored(amounts, n, amc), LOT, decision) for n, amounts in enumerate(invoices, start=1)]
    for amounts, invoice in zip(invoices, settled, strict=True):
        assert invoice.amo is not None
        assert 0 <= invoice.amo.paid <= invoice.amo.claimed == total(amounts)
        if amounts:
            assert invoice.amo.paid == total(a.reimbursed for a in invoice.acts)
        if rate == 100 and not reject:
            assert invoice.amo.paid == invoice.amo.claimed
        if reject:
            assert invoice.amo.paid == 0 and invoice.rejects
    settlement = Settlement(DAY, None if reject else build.transfer("01996", DAY, 3, 1),
                            (ReturnGroup("01", lots=(Lot(LOT.received_on, 7, tuple(settled)),)),))
    file = NoemieFile(build.header("01996", LOT.sender, 3, DAY, build.REJECTS if reject else build.PAYMENTS),
                      (Payee(build.payee_number("996102182"), (settlement,)),))
    for blocks in (False, True):
        reading = read_file(write_file(file, blocks=blocks))
        assert reading.ok, reading.problems
        assert reading.file == file and reading.blocked == blocks

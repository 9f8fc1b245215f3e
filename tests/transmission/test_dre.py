"""DRE lots (docs/dre.md): which invoices have a DRE and to whom, grouping per professional and complementary
(split at 999), the DRE file written and read back identically, junk refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feuille.errors import ValidationError
from feuille.formats import b2_file as m
from feuille.formats.b2_reader import read_b2
from feuille.transmission import dre

AMC = "1100000000"
DAY = date(2025, 1, 14)


def frozen(routing: str = "dre", *, tp_amc: bool = True, number: str = AMC) -> dict[str, Any]:
    return {"tiers_payant": {"amo": True, "amc": tp_amc},
            "amc_transmission": {"amc_number": number, "contract_type": "01", "management": "separee",
                                 "routing": routing, "convention": {"convention_type": "CM",
                                                                    "secondary_criterion": "T"},
                                 "pec": {"number": "1234", "date": "2025-01-10"}}}


@pytest.mark.parametrize(("document", "amc", "expected"), [
    (frozen(), Decimal("6.90"), dre.DreRecipient(AMC)),
    (frozen(number="12345678"), Decimal("6.90"), dre.DreRecipient("0012345678")),
    (frozen(), Decimal("0.00"), None),                        # no AMC amount: nothing to ask the complementary
    (frozen(tp_amc=False), Decimal("6.90"), None),            # the patient is paid back: no tiers payant AMC
    (frozen("fse"), Decimal("6.90"), None),                   # gestion unique: the AMC part is in the FSE
    (frozen("aucune"), Decimal("6.90"), None),
    ({}, Decimal("6.90"), None),                              # no complementary
    ({"amc_transmission": "junk"}, Decimal("6.90"), None),
])
def test_which_invoices_have_a_dre(document: dict[str, Any], amc: Decimal, expected: object) -> None:
    assert dre.recipient(document, amc) == expected


def test_groups_per_professional_and_complementary_split_at_the_limit() -> None:
    a, b = dre.DreRecipient(AMC), dre.DreRecipient("2200000000")
    items = [dre.DreItem(1, a, 10), dre.DreItem(2, a, 11), dre.DreItem(1, b, 12), dre.DreItem(1, a, 13),
             dre.DreItem(1, a, 14)]
    assert dre.group(items, limit=2) == [dre.DreGroup(1, a, (10, 13)), dre.DreGroup(1, a, (14,)),
                                         dre.DreGroup(2, a, (11,)), dre.DreGroup(1, b, (12,))]
    many = [dre.DreItem(1, a, n) for n in range(1000)]
    assert [len(g.invoice_ids) for g in dre.group(many)] == [999, 1]
    assert dre.group([]) == []
    with pytest.raises(ValueError):
        dre.group(items, limit=0)


def invoice(number: int, **header: Any) -> m.Invoice:
    act = m.Act(care_date=DAY, act_code="C", quantity=1, coefficient=Decimal("1.00"), unit_price=Decimal("23.00"),
                base=Decimal("23.00"), rate=70, amo=Decimal("16.10"), fees=Decimal("23.00"), amc=Decimal("6.90"),
                performer_number="001033901", performer_specialty="01")
    fields = {"amc_separate": "F", "dre": "D", "amc_number": AMC, "contract_type": "01", "pec_number": "1234",
              "pec_date": "250110", "convention_type": "CM", "secondary_criterion": "T", **header}
    return m.Invoice("001033901", "1421962965165", "96", 1, number,
                     m.InvoiceHeader("01", "349", "9881", "10", proof="4", birth_date=date(1942, 1, 19), **fields),
                     (m.Line(act),), signatures=(m.InvoiceSignature(m.Signer.CPS, "ES256", "AB" * 32, b"sig"),))


def lot_header(number: str = "AAE") -> m.LotHeader:
    return m.LotHeader("001033901", dre.LOT_ORGANISM, number, DAY, partner_name="DOCTEUR MEDECIN",
                       certification="S")


def test_a_dre_file_is_written_and_read_back_identically() -> None:
    file = dre.dre_file(sender_number="00000001033901", file_id="000007", created=DAY, lot=lot_header(),
                        amc_number=AMC, invoices=(invoice(253), invoice(254)))
    assert (file.header.recipient_type, file.header.recipient_number) == ("OC", "00001100000000")
    text = m.write_b2(file)
    records = [text[i:i + 128] for i in range(0, len(text), 128)]
    head = records[2]   # 000, 1, then the first invoice's record 2
    assert (head[39], head[58:76].rstrip(), head[79:85], head[94], head[102:107].rstrip(), head[107:116].rstrip(),
            head[118:128]) == ("D", "1234", "250110", "F", "CM", "T", AMC)
    assert records[1][19:22] == "AAE" and records[1][16:19] == "000"
    reading = read_b2(text)
    assert reading.problems == () and reading.file == file


@given(number=st.from_regex(r"[1-9][0-9]{0,9}", fullmatch=True),
       pec=st.from_regex(r"[A-Z0-9]{0,18}", fullmatch=True), lot=st.from_regex(r"[A-Z]{3}", fullmatch=True))
def test_any_dre_reads_back(number: str, pec: str, lot: str) -> None:
    amc = number.zfill(10)
    file = dre.dre_file(sender_number="00000001033901", file_id="000001", created=DAY, lot=lot_header(lot),
                        amc_number=number, invoices=(invoice(1, amc_number=amc, pec_number=pec),))
    assert read_b2(m.write_b2(file)).file == file


@pytest.mark.parametrize("changes", [{"dre": ""}, {"amc_separate": ""}, {"amc_number": "2200000000"}])
def test_an_invoice_without_its_dre_is_refused_from_a_dre_lot(changes: dict[str, str]) -> None:
    with pytest.raises(ValidationError) as caught:
        dre.dre_file(sender_number="00000001033901", file_id="000001", created=DAY, lot=lot_header(),
                     amc_number=AMC, invoices=(invoice(1), invoice(2, **changes)))
    assert "Facture 2 : pas de DRE pour la complémentaire 1100000000" in caught.value.message


def test_junk_recipients_and_headers_are_refused() -> None:
    no_amc = replace(invoice(1), lines=(replace(invoice(1).lines[0], act=replace(invoice(1).lines[0].act,
                                                                                   amc=Decimal("0.00"))),))
    other_organism = replace(lot_header(), organism="349")
    for kwargs in ({"amc_number": "AB12"}, {"amc_number": "12345678901"}, {"amc_number": "0000"},
                   {"lot": other_organism},
                   {"invoices": (no_amc,)}):
        options: dict[str, Any] = {"sender_number": "00000001033901", "file_id": "000001", "created": DAY,
                                   "lot": lot_header(), "amc_number": AMC, "invoices": (invoice(1),), **kwargs}
        with pytest.raises(ValidationError):
            dre.dre_file(**options)

"""The caisse de test's rules for the returns' hard cases (``payer_plus``, ``regulariser``, ``facture_inconnue``,
``rejeter`` and a corrected invoice) and the complementaries' own payments (gestion unique, DRE; nothing in
gestion séparée without DRE), each return read back with the product's reader."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from feuille.formats import b2_file as m
from feuille.formats.noemie_file import PAID, UNTREATED
from feuille_sim import scenario
from feuille_sim.payments import amc, extras, produce
from feuille_sim.payments.status import payments_by_organism
from tests.sim.lots_desk import PARTNER, Desk, make_desk
from tests.sim.test_dre_lots import MAILBOX, dre_file, dre_invoice, send
from tests.sim.test_payments import AMO, advance, by_reference, invoice, load, nir_of, send_lots
from tests.support import lots as L
from tests.support.noemie import NoemieMail, invoices

D = Decimal
AMC_NUMBER = "1100000000"


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Desk:
    made = make_desk(tmp_path)
    monkeypatch.setenv("FEUILLE_CARDS_DIR", str(tmp_path / "cartes"))
    return made


def amo_returns(mails: list[NoemieMail]) -> list[NoemieMail]:
    return [mail for mail in mails if mail.file.header.emitter_type != amc.EMITTER_TYPE]


def amc_returns(mails: list[NoemieMail]) -> list[NoemieMail]:
    return [mail for mail in mails if mail.file.header.emitter_type == amc.EMITTER_TYPE]


def test_payer_plus_pays_more_than_the_amo_share_claimed(desk: Desk) -> None:
    load(desk, {"regle": "payer_plus", "nir": nir_of(2), "montant": "5,00"})
    send_lots(desk, ("001", [1, 2]))
    [mail] = advance(desk, produce.DEFAULT_DELAY)
    first, second = invoices(mail.file)
    assert first.amo is not None and (first.amo.claimed, first.amo.paid) == (AMO, AMO)
    assert second.amo is not None and (second.amo.claimed, second.amo.status, second.amo.paid) == (
        AMO, PAID, AMO + 5)
    assert sum(a.reimbursed for a in second.acts) == AMO + 5     # the acts add up to what is paid
    assert mail.file.total == 2 * AMO + 5


def test_a_regularisation_takes_back_a_paid_invoice_in_a_later_transfer(desk: Desk) -> None:
    load(desk, {"regle": "regulariser", "facture": 1})
    send_lots(desk, ("001", [1, 2]))
    [paid] = advance(desk, produce.DEFAULT_DELAY)        # paid first: the rule waits for it
    assert [i.amo.paid for i in invoices(paid.file) if i.amo] == [AMO, AMO]
    send_lots(desk, ("002", [3]))
    later, lot2 = advance(desk, produce.DEFAULT_DELAY)     # the advance's first day, then lot 002's
    assert [i.number for i in invoices(lot2.file)] == ["000000003"]
    [taken] = invoices(later.file)
    assert taken.amo is not None and (taken.amo.status, taken.amo.paid) == (PAID, -AMO)
    assert [a.reimbursed for a in taken.acts] == [-AMO]
    assert taken.lot_number == "001" and taken.messages[0].code == extras.REGULARISATION_CODE
    assert later.file.total == -AMO and later.file.header.created < lot2.file.header.created
    assert advance(desk, 30) == []                                # once


def test_a_partial_regularisation_and_one_waiting_for_its_invoice(desk: Desk) -> None:
    load(desk, {"regle": "regulariser", "facture": 1, "montant": "4.50"})
    send_lots(desk, ("001", [1]))
    [mail] = advance(desk, produce.DEFAULT_DELAY)
    assert [i.number for i in invoices(mail.file)] == ["000000001"]  # the same day's payment is not taken back
    [later] = advance(desk, 1)
    [taken] = invoices(later.file)
    assert taken.amo is not None and taken.amo.paid == D("-4.50") and taken.acts == ()
    assert later.file.total == D("-4.50")


def test_an_unknown_invoice_is_paid_once_to_the_last_payee(desk: Desk) -> None:
    load(desk, {"regle": "facture_inconnue", "organisme": "01996", "montant": "12.34", "numero": 424242})
    assert advance(desk, 3) == []                                 # no payee known yet: it waits
    send_lots(desk, ("001", [1]))
    mails = advance(desk, produce.DEFAULT_DELAY)
    numbers = [i.number for mail in mails for i in invoices(mail.file)]
    assert sorted(numbers) == ["000000001", "000424242"]
    unknown = next(i for mail in mails for i in invoices(mail.file) if i.number == "000424242")
    assert unknown.amo is not None and unknown.amo.paid == D("12.34")
    assert unknown.beneficiary is not None and unknown.beneficiary.nir + unknown.beneficiary.nir_key == nir_of(1)
    assert mails[0].file.payees[0].number == "000000" + PARTNER
    assert advance(desk, 30) == []


def test_rejeter_with_the_first_lot_pays_the_corrected_invoice_and_without_a_lot_rejects_it(desk: Desk) -> None:
    load(desk, {"regle": "rejeter", "nir": nir_of(1), "motif": "droits fermés", "lot": 1},
         {"regle": "rejeter", "nir": nir_of(2), "motif": "droits fermés"})
    send_lots(desk, ("001", [1, 2]))
    first = by_reference(advance(desk, produce.DEFAULT_DELAY))
    assert [i.number for i in invoices(first["900"].file)] == ["000000001", "000000002"]
    corrections = [invoice(desk, 3, 1), invoice(desk, 4, 2)]     # new numbers, the same persons
    _, arls = desk.send_file(L.b2_file(PARTNER, [("002", corrections)], certification="F"))
    assert arls and arls[0].arl.positive
    later = by_reference(advance(desk, produce.DEFAULT_DELAY))
    assert [i.number for i in invoices(later["576"].file)] == ["000000003"]   # person 1's correction is paid
    assert [i.number for i in invoices(later["900"].file)] == ["000000004"]   # person 2: rejected in every lot


def gu_invoice(desk: Desk, number: int, *, amc_number: str = AMC_NUMBER, separate: bool = False) -> m.Invoice:
    """An FSE whose record 2 names the complementary (gestion unique), or bills it apart (gestion séparée)."""
    bare = L.invoice(PARTNER, number, serial=number, care=L.days_ago(3), cards=None)
    header = replace(bare.header, amc_number=amc_number, contract_type="01", amc_separate="F" if separate else "")
    unsigned = replace(bare, header=header)
    return replace(unsigned, signatures=(desk.cards["cps"].sign(unsigned),))


def send_gu(desk: Desk, lot: str, invoices_: list[m.Invoice]) -> None:
    _, arls = desk.send_file(L.b2_file(PARTNER, [(lot, invoices_)], certification="F"))
    assert arls and all(a.arl.positive for a in arls), [a.arl for a in arls]


def test_gestion_unique_the_amc_pays_its_share_after_the_amo_on_its_own_return(desk: Desk) -> None:
    load(desk, {"regle": "rejeter", "nir": nir_of(3), "motif": "droits fermés"})
    send_gu(desk, "001", [gu_invoice(desk, 1), gu_invoice(desk, 2, separate=True), gu_invoice(desk, 3)])
    mails = advance(desk, produce.DEFAULT_DELAY)
    assert amc_returns(mails) == []
    amo_paid = invoices(by_reference(mails)["576"].file)
    assert all(i.amc is not None and i.amc.status == UNTREATED for i in amo_paid)
    assert advance(desk, amc.DEFAULT_DELAY - 1) == []
    [mail] = advance(desk, 1)
    file = mail.file
    assert (file.header.emitter_type, file.header.emitter_number) == ("OC", AMC_NUMBER.zfill(14))
    assert mail.subject.startswith(f"NOEMIE/576/AMC{AMC_NUMBER}/") and mail.description.test
    assert mail.message["From"] == f"{AMC_NUMBER}@amc.rss.fr"
    [payee] = file.payees
    [settlement] = payee.settlements
    assert settlement.transfer is not None and settlement.transfer.paying_organism == AMC_NUMBER
    [paid] = invoices(file)                       # 2 is gestion séparée without DRE, 3 was rejected by the AMO
    assert paid.number == "000000001" and paid.amo is None and paid.lot_number == "001"
    assert paid.amc is not None and (paid.amc.claimed, paid.amc.status, paid.amc.paid, paid.amc.amc_number) == (
        D("9.00"), PAID, D("9.00"), AMC_NUMBER)
    assert [(a.reimbursed, a.amc_amount) for a in paid.acts] == [(D("9.00"), D("9.00"))]
    assert file.total == D("9.00")
    assert payments_by_organism(desk.state)["AMC" + AMC_NUMBER]["paye"] == "9.00"
    assert advance(desk, 30) == []


def test_a_dre_lot_is_paid_by_the_complementary_after_its_delay(desk: Desk) -> None:
    load(desk, {"regle": "delai_paiement_amc", "jours": 2})
    invoices_ = [dre_invoice(1, desk.cards), dre_invoice(2, desk.cards)]
    _, arls = send(desk, dre_file(invoices_))
    assert arls[0].arl.positive
    _, arls = desk.send_file(L.b2_file(PARTNER, [("001", invoices_[:1])]))   # the FSE of the first one
    assert arls[0].arl.positive
    mails = advance(desk, 2)
    [mail] = amc_returns(mails)
    assert mail.subject.startswith(f"NOEMIE/576/{MAILBOX}/")
    paid = {i.number: i for i in invoices(mail.file)}
    assert sorted(paid) == ["000000001", "000000002"]
    assert all(i.amc is not None and i.amc.paid == D("9.00") and i.amo is None for i in paid.values())
    assert [a.amc_amount for a in paid["000000001"].acts] == [D("9.00")]   # lines from the FSE
    assert paid["000000002"].acts == ()                                     # no FSE: the DRE alone
    later = advance(desk, 10)
    assert amc_returns(later) == []
    [amo] = amo_returns(later)
    [fse] = invoices(amo.file)
    assert fse.amc is not None and fse.amc.status == UNTREATED           # the AMO leaves the DRE's share alone


@pytest.mark.parametrize(("rule", "message"), [
    ({"regle": "payer_plus", "montant": "0"}, "montant entre 0,01"),
    ({"regle": "payer_plus", "montant": "1", "nir": "123"}, "champ « nir »"),
    ({"regle": "regulariser", "facture": 0}, "champ « facture » : trop petit"),
    ({"regle": "regulariser", "facture": 1, "montant": "x"}, "montant en euros attendu"),
    ({"regle": "facture_inconnue", "organisme": "01996", "montant": "1", "numero": 10**9},
     "champ « numero » : trop grand"),
    ({"regle": "delai_paiement_amc", "jours": 400}, "champ « jours » : trop grand"),
])
def test_new_rules_are_checked_in_french(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(scenario.ScenarioError) as caught:
        scenario.parse(json.dumps({"nom": "x", "regles": [rule]}), ".json")
    assert message in str(caught.value)


def test_days_later_the_first_day_is_the_advance_first_day(desk: Desk) -> None:
    """A regularisation stated on a day without a due lot still makes a transfer (negative)."""
    load(desk, {"regle": "regulariser", "facture": 1, "montant": "1.00"})
    send_lots(desk, ("001", [1]))
    advance(desk, produce.DEFAULT_DELAY)
    [mail] = advance(desk, 1)
    assert mail.file.payees[0].settlements[0].date == L.today() + timedelta(days=produce.DEFAULT_DELAY + 1)


def test_a_return_names_the_lot_s_own_date_not_the_day_the_caisse_received_it(desk: Desk) -> None:
    advance(desk, 2)                                             # the caisse's date moves on: day + 2
    file = L.b2_file(PARTNER, [("001", [invoice(desk, 1)])], certification="F", created=L.today())
    _, arls = desk.send_file(file)
    assert arls[0].arl.positive
    [mail] = advance(desk, produce.DEFAULT_DELAY)
    [lot] = mail.file.payees[0].settlements[0].groups[0].lots
    assert lot.date == L.today() and lot.invoices[0].lot_date == L.today()
    assert mail.file.header.created == L.today() + timedelta(days=2 + produce.DEFAULT_DELAY)

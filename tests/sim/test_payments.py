"""The caisse de test pays, in process: accepted lots → ``advance`` → NOEMIE mails read with the product's reader;
each scenario rule; idempotence and a failure mid-advance."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from feuille.formats import b2_file as m
from feuille.formats.noemie_file import PAID, REJECTED, UNTREATED, WITHHOLDING
from feuille_sim import clock, scenario
from feuille_sim.payments import produce, store
from feuille_sim.payments.status import payments_by_organism
from feuille_sim.state import Tx
from tests.sim.lots_desk import PARTNER, Desk, make_desk
from tests.support import lots as L
from tests.support.noemie import NoemieMail, claimed, invoices, is_noemie, read_noemie_mail

D = Decimal
AMO = D("21.00")          # what tests.support.lots.invoice claims from the AMO


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Desk:
    made = make_desk(tmp_path)
    monkeypatch.setenv("FEUILLE_CARDS_DIR", str(tmp_path / "cartes"))
    return made


def advance(desk: Desk, days: int) -> list[NoemieMail]:
    before = {mail.id for mail in desk.state.mailbox_content("cabinet")}
    clock.advance(desk.state, days)
    return [read_noemie_mail(mail.raw) for mail in desk.state.mailbox_content("cabinet")
            if mail.id not in before and is_noemie(mail.raw)]


def load(desk: Desk, *rules: dict[str, Any]) -> None:
    scenario.load(desk.state, scenario.parse(json.dumps({"nom": "essai", "regles": list(rules)}), ".json"))


def invoice(desk: Desk, number: int, serial: int | None = None) -> m.Invoice:
    """Invoice ``number`` for the insured person ``serial`` (default: ``number``), signed by the CPS alone (lots in
    SESAM sans Vitale, certification F: one Vitale card cannot sign for several insured persons)."""
    return desk.invoice(number, serial=number if serial is None else serial, signers=("cps",))


def send_lots(desk: Desk, *lots: tuple[str, list[int]]) -> None:
    file = L.b2_file(PARTNER, [(number, [invoice(desk, n) for n in numbers]) for number, numbers in lots],
                     certification="F")
    _, arls = desk.send_file(file)
    assert arls and all(a.arl.positive for a in arls), [a.arl for a in arls]


def nir_of(serial: int) -> str:
    first13, key = L.nir(serial)
    return first13 + key


def by_reference(mails: list[NoemieMail]) -> dict[str, NoemieMail]:
    out = {mail.reference: mail for mail in mails}
    assert len(out) == len(mails), [m.subject for m in mails]
    return out


def test_accepted_invoices_are_paid_after_the_delay_in_one_transfer(desk: Desk) -> None:
    send_lots(desk, ("001", [1, 2]), ("002", [3]))
    assert advance(desk, produce.DEFAULT_DELAY - 1) == []
    [mail] = advance(desk, 1)
    file = mail.file
    day = L.today() + timedelta(days=produce.DEFAULT_DELAY)
    assert mail.subject == f"NOEMIE/576/01996/{file.header.file_id}/{day:%Y%m%d}"
    assert mail.description.kind == "NOEMIE" and mail.description.test and not mail.reading.blocked
    assert mail.message["From"] == "01996@996.01.rss.fr"
    assert file.header.reference == "576" and file.header.created == day and file.header.flow == "T"
    assert file.header.recipient_number == "00000996102182"
    [payee] = file.payees
    assert payee.number == "000000" + PARTNER
    [settlement] = payee.settlements
    assert settlement.date == day and settlement.transfer is not None
    assert settlement.transfer.paying_organism == "01996000"
    assert settlement.transfer.label_1 == f"VIR AMO 01 996 {day:%d%m%y}"
    [group] = settlement.groups
    assert group.kind == "01" and [lot.number for lot in group.lots] == [1, 2]
    paid = invoices(file)
    assert [i.number for i in paid] == ["000000001", "000000002", "000000003"]
    assert all(i.amo is not None and i.amo.status == PAID and i.amo.paid == AMO for i in paid)
    assert all(i.amc is not None and i.amc.status == UNTREATED and i.amc.paid == 0 for i in paid)
    assert paid[0].beneficiary is not None and paid[0].beneficiary.nir + paid[0].beneficiary.nir_key == nir_of(1)
    assert [(a.act_code, a.reimbursed, a.rate) for a in paid[0].acts] == [("C", AMO, 70)]
    assert file.total == claimed(file) == 3 * AMO


def test_advancing_again_produces_nothing_new(desk: Desk) -> None:
    send_lots(desk, ("001", [1]))
    assert len(advance(desk, 10)) == 1
    assert advance(desk, 0) == [] and advance(desk, 10) == []
    with desk.state.transaction() as tx:
        assert produce.produce_returns(tx, tx.today() - timedelta(days=30), tx.today()) == []
    assert payments_by_organism(desk.state)["01996"]["factures_payees"] == 1


def test_a_lot_received_later_is_paid_on_its_own_day(desk: Desk) -> None:
    send_lots(desk, ("001", [1]))
    advance(desk, 2)
    send_lots(desk, ("002", [2]))
    mails = advance(desk, 10)
    days = [m.file.header.created for m in mails]
    start = L.today()
    assert days == [start + timedelta(days=5), start + timedelta(days=7)]


def test_rejected_invoices_go_into_a_reject_file_and_the_transfer_pays_the_rest(desk: Desk) -> None:
    load(desk, {"regle": "rejeter", "nir": nir_of(2), "motif": "Droits fermés à la date des soins"})
    send_lots(desk, ("001", [1, 2, 3]))
    mails = by_reference(advance(desk, 5))
    payments, rejects = mails["576"].file, mails["900"].file
    billed = 3 * AMO
    assert payments.total == billed - AMO
    assert [i.number for i in invoices(payments)] == ["000000001", "000000003"]
    [rejected] = invoices(rejects)
    assert rejected.number == "000000002" and rejected.amo is not None
    assert (rejected.amo.status, rejected.amo.claimed, rejected.amo.paid) == (REJECTED, AMO, 0)
    assert [(m.code, m.label) for m in rejected.messages] == [("R001", "DROITS FERMES A LA DATE DES SOINS")]
    [line] = rejected.rejects
    assert (line.code, line.reject_level, line.share, line.performer) == ("R001", "F", "O", PARTNER)
    [settlement] = rejects.payees[0].settlements
    assert settlement.transfer is None and rejects.total == 0
    counts = payments_by_organism(desk.state)["01996"]
    assert (counts["factures_payees"], counts["factures_rejetees"], counts["montant_rejete"], counts["paye"]) == (
        2, 1, "21.00", "42.00")


def test_a_reject_rule_with_a_lot_rejects_only_in_that_lot(desk: Desk) -> None:
    load(desk, {"regle": "rejeter", "nir": nir_of(1), "motif": "non", "lot": 2})
    send_lots(desk, ("001", [1]), ("002", [2]))
    # invoice 2 has another NIR: nothing of lot 2 is this person's, nothing is rejected
    assert [m.reference for m in advance(desk, 5)] == ["576"]
    load(desk, {"regle": "rejeter", "nir": nir_of(4), "motif": "non", "lot": 4})
    send_lots(desk, ("003", [4]), ("004", [5]))
    _, arls = desk.send_file(L.b2_file(PARTNER, [("005", [invoice(desk, 6, serial=4)])], certification="F"))
    assert arls[0].arl.positive
    mails = by_reference(advance(desk, 5))
    assert [i.number for i in invoices(mails["576"].file)] == ["000000004", "000000005", "000000006"]
    assert "900" not in mails


def test_a_lot_numbered_with_letters_is_paid(desk: Desk) -> None:
    send_lots(desk, ("001", [1]))
    with desk.state.transaction() as tx:   # the manual shows a lot « AAE »: the 102 keeps it, the 080 says 0
        tx.execute("UPDATE lots_recus SET lot = 'AAE'")
    [mail] = advance(desk, 5)
    [lot] = mail.file.payees[0].settlements[0].groups[0].lots
    assert lot.number == 0 and lot.invoices[0].lot_number == "AAE" and mail.file.total == AMO


def test_a_partial_payment_pays_the_rate_of_each_line_rounded_half_up(desk: Desk) -> None:
    load(desk, {"regle": "payer_partiel", "lot": 1, "taux": 33})
    send_lots(desk, ("001", [1, 2]), ("002", [3]))
    [mail] = advance(desk, 5)
    first, _, third = invoices(mail.file)
    assert first.amo is not None and third.amo is not None
    assert (first.amo.status, first.amo.claimed, first.amo.paid) == (PAID, AMO, D("6.93"))
    assert [a.reimbursed for a in first.acts] == [D("6.93")]
    assert [m.code for m in first.messages] == ["A001"] and third.messages == ()
    assert third.amo.paid == AMO
    assert mail.file.total == 2 * D("6.93") + AMO


def test_doubler_retour_sends_the_same_return_twice(desk: Desk) -> None:
    load(desk, {"regle": "doubler_retour", "lot": 2})
    send_lots(desk, ("001", [1]))
    assert len(advance(desk, 5)) == 1
    send_lots(desk, ("002", [2]))
    first, second = advance(desk, 5)
    assert first.raw == second.raw and first.file == second.file
    assert advance(desk, 5) == []


def test_a_one_off_payment_is_paid_once_with_its_detail(desk: Desk) -> None:
    load(desk, {"regle": "paiement_ponctuel", "organisme": "01996", "montant": "40,00", "code": 7,
                "libelle": "Aide à la télétransmission"})
    assert advance(desk, 1) == []          # no payee known yet: it waits
    send_lots(desk, ("001", [1]))
    [mail] = advance(desk, 1)
    groups = mail.file.payees[0].settlements[0].groups
    assert [g.kind for g in groups] == ["03"]
    [payment] = groups[0].payments
    assert (payment.code, payment.amount) == ("00007", D("40.00"))
    assert payment.details[0].label == "AIDE A LA TELETRANSMISSION"
    assert mail.file.total == D("40.00")
    [mail] = advance(desk, 5)              # the lot: the one-off payment is not paid again
    assert [g.kind for g in mail.file.payees[0].settlements[0].groups] == ["01"]
    load(desk, {"regle": "paiement_ponctuel", "organisme": "01996", "montant": "40,00", "code": 7,
                "libelle": "Aide à la télétransmission", "facturation": PARTNER})
    [mail] = advance(desk, 1)              # another rule (it names the payee): paid
    assert mail.file.total == D("40.00")


def test_two_identical_one_off_rules_pay_twice_and_doubling_without_a_lot_doubles_every_return(desk: Desk) -> None:
    rule = {"regle": "paiement_ponctuel", "organisme": "01996", "montant": "40.00", "facturation": PARTNER}
    load(desk, rule, rule, {"regle": "doubler_retour"})
    first, second = advance(desk, 1)
    assert first.raw == second.raw and len(first.file.payees[0].settlements[0].groups[0].payments) == 2
    assert first.file.total == D("80.00")
    load(desk, rule, {"regle": "doubler_retour"})   # reloaded: the first rule was paid already
    assert advance(desk, 1) == []


def test_a_withholding_is_recovered_on_later_transfers(desk: Desk) -> None:
    load(desk, {"regle": "retenue", "organisme": "01996", "montant": "30.00", "reference": "DETTE7FR",
                "nature": "IND", "facturation": PARTNER})
    send_lots(desk, ("001", [1]))
    [mail] = advance(desk, 5)
    movements = mail.file.payees[0].settlements[0].groups[-1].movements
    stated = L.today() + timedelta(days=1)
    assert [(m.line, m.operation, m.amount, m.remaining, m.debt_date) for m in movements] == [
        (1, "CIN", D("30.00"), D("30.00"), stated), (2, WITHHOLDING, -AMO, D("9.00"), stated)]
    assert mail.file.total == 0
    assert payments_by_organism(desk.state)["01996"]["retenues_a_recuperer"] == "9.00"
    send_lots(desk, ("002", [2]))
    [mail] = advance(desk, 5)
    movements = mail.file.payees[0].settlements[0].groups[-1].movements
    assert [(m.operation, m.amount, m.remaining) for m in movements] == [(WITHHOLDING, D("-9.00"), 0)]
    assert mail.file.total == AMO - D("9.00")
    send_lots(desk, ("003", [3]))
    [mail] = advance(desk, 5)
    assert mail.file.total == AMO and len(mail.file.payees[0].settlements[0].groups) == 1
    assert payments_by_organism(desk.state)["01996"]["paye"] == f"{3 * AMO - 30:.2f}"


def test_the_blocked_form_from_the_scenario_or_the_serve_setting(desk: Desk) -> None:
    store.set_setting(desk.state, produce.FORM_SETTING, "blocs")
    send_lots(desk, ("001", [1]))
    [mail] = advance(desk, 5)
    assert mail.reading.blocked and mail.reading.ok
    load(desk, {"regle": "forme_noemie", "forme": "continue"})
    send_lots(desk, ("002", [2]))
    [mail] = advance(desk, 5)
    assert not mail.reading.blocked and mail.reading.ok


def test_a_zero_delay_pays_on_the_next_day(desk: Desk) -> None:
    load(desk, {"regle": "delai_paiement", "jours": 0})
    send_lots(desk, ("001", [1]))
    assert advance(desk, 0) == []
    [mail] = advance(desk, 1)
    assert mail.file.header.created == L.today() + timedelta(days=1)


def test_a_failure_during_the_advance_changes_nothing(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(tx: Tx, from_date: date, to_date: date) -> list[Any]:
        raise RuntimeError("arrêt brutal")

    load(desk, {"regle": "retenue", "organisme": "01996", "montant": "1.00"},
         {"regle": "paiement_ponctuel", "organisme": "01996", "montant": "2.00"})
    send_lots(desk, ("001", [1]))
    monkeypatch.setitem(clock._PRODUCERS, "zz_panne", broken)
    with pytest.raises(RuntimeError):
        clock.advance(desk.state, 5)
    assert desk.count("retours_noemie") == desk.count("dettes") == desk.count("ponctuels") == 0
    assert desk.count("factures_reglees") == 0 and desk.state.today() == L.today()
    monkeypatch.delitem(clock._PRODUCERS, "zz_panne")
    one_off, lot = advance(desk, 5)      # the one-off payment on the first day (the debt taken from it), the lot
    assert (one_off.file.total, lot.file.total) == (D("2.00") - D("1.00"), AMO)
    assert advance(desk, 5) == []


def test_more_than_the_lots_a_file_holds_make_another_file(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(produce, "MAX_LOTS", 2)
    send_lots(desk, ("001", [1]), ("002", [2]), ("003", [3]))
    mails = advance(desk, 5)
    assert [m.file.lot_count for m in mails] == [2, 1]
    assert len({m.file.header.file_id for m in mails}) == 2
    assert sum((m.file.total for m in mails), D(0)) == 3 * AMO


@pytest.mark.parametrize(("rule", "message"), [
    ({"regle": "retenue", "organisme": "01996", "montant": 5.5}, "champ « montant » : texte attendu"),
    ({"regle": "retenue", "organisme": "01996", "montant": "-1"}, "champ « montant » : montant en euros"),
    ({"regle": "retenue", "organisme": "01996", "montant": "0"}, "montant entre 0,01"),
    ({"regle": "retenue", "organisme": "1996", "montant": "1"}, "champ « organisme » : format refusé (attendu : 5"),
    ({"regle": "retenue", "organisme": "01996", "montant": "1", "nature": "ind"}, "3 majuscules"),
    ({"regle": "paiement_ponctuel", "organisme": "01996", "montant": "1", "code": 0}, "trop petit"),
    ({"regle": "paiement_ponctuel", "organisme": "01996", "montant": "1", "facturation": "12"}, "9 chiffres"),
    ({"regle": "forme_noemie", "forme": "bloc"}, "valeur refusée"),
    ({"regle": "delai_paiement", "jours": 366}, "trop grand (au plus 365)"),
])
def test_payment_rules_are_checked_in_french(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(scenario.ScenarioError) as caught:
        scenario.parse(json.dumps({"nom": "x", "regles": [rule]}), ".json")
    assert message in str(caught.value) and "règle 1" in str(caught.value)

"""The caisse de test's lot reception, in process: each check's positive and negative case, junk, idempotence."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from feuille.formats import arl as arl_format
from feuille.formats import b2_file as m
from feuille_sim import scenario
from feuille_sim.lots import references
from tests.sim.lots_desk import PARTNER, Desk, make_desk, next_stamp
from tests.support import lots as L


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Desk:
    made = make_desk(tmp_path)
    monkeypatch.setenv("FEUILLE_CARDS_DIR", str(tmp_path / "cartes"))
    return made


def only(arls: list[L.ArlMail]) -> arl_format.Arl:
    assert len(arls) == 1, arls
    return arls[0].arl


def reasons(arl: arl_format.Arl) -> set[str]:
    return {d.reason for d in arl.details}


def test_a_good_lot_gets_a_positive_arl_and_its_invoices_are_kept(desk: Desk) -> None:
    file = L.b2_file(PARTNER, [("001", [desk.invoice(1), desk.invoice(2)])])
    mail_id, arls = desk.send_file(file)
    arl = only(arls)
    assert arl.positive and arl.lot_number == "001" and arl.file_id == "000001"
    assert arls[0].subject.positive and arls[0].description == m_description(test=True)
    assert arls[0].message["From"] == "01996@996.01.rss.fr"
    assert desk.status(mail_id) == ("traite", "lot 001 accepté")
    with desk.state.transaction() as tx:
        rows = tx.execute("SELECT numero, nir, honoraires, amo, amc FROM factures_recues ORDER BY numero").fetchall()
        lines = tx.execute("SELECT date_soins, code_acte, base, taux FROM lignes_recues").fetchall()
    assert [r[0] for r in rows] == [1, 2] and rows[0][2:] == ("30.00", "21.00", "9.00")
    assert lines[0] == (L.days_ago(3).isoformat(), "C", "30.00", 70)


def m_description(test: bool) -> object:
    from feuille.formats.mail import Description
    return Description("ARL", test, False)


def test_a_gzipped_lot_is_read(desk: Desk) -> None:
    _, arls = desk.send_file(L.b2_file(PARTNER, [("001", [desk.invoice(1)])]), compress=True)
    assert only(arls).positive


def test_wrong_control_totals_are_refused(desk: Desk) -> None:
    text = m.write_b2(L.b2_file(PARTNER, [("001", [desk.invoice(1)])]))
    records = [text[i:i + 128] for i in range(0, len(text), 128)]
    trailer = next(i for i, r in enumerate(records) if r.startswith("6"))
    records[trailer] = records[trailer][:24] + "000009999" + records[trailer][33:]
    mail = L.lot_mail("".join(records), desk.certificate, stamp=next_stamp())
    arl = only(desk.deliver(mail.raw)[1])
    assert not arl.positive and "2003" in reasons(arl)
    assert desk.count("factures_recues") == 0


def test_lot_numbers_follow_one_another_per_partner(desk: Desk) -> None:
    assert only(desk.send_file(L.b2_file(PARTNER, [("001", [desk.invoice(1)])]))[1]).positive
    gap = only(desk.send_file(L.b2_file(PARTNER, [("003", [desk.invoice(2)])]))[1])
    assert gap.reason == "2004" and "LOT N 002 ATTENDU" in gap.details[0].label
    repeat = only(desk.send_file(L.b2_file(PARTNER, [("001", [desk.invoice(3)])]))[1])
    assert repeat.reason == "2004" and "002 ATTENDU" in repeat.details[0].label
    assert only(desk.send_file(L.b2_file(PARTNER, [("002", [desk.invoice(2)])]))[1]).positive
    other = L.invoice("996102190", 1, care=L.days_ago(3), cards=None)
    assert only(desk.send_file(L.b2_file("996102190", [("017", [other])], certification=""))[1]).positive


def test_a_missing_signature_is_refused(desk: Desk) -> None:
    arl = only(desk.send_file(L.b2_file(PARTNER, [("001", [desk.invoice(1, signers=("cps",))])]))[1])
    assert arl.reason == "3002"


def test_an_unsecured_lot_needs_no_signature(desk: Desk) -> None:
    file = L.b2_file(PARTNER, [("001", [desk.invoice(1, signers=())])], certification="")
    assert only(desk.send_file(file)[1]).positive


def test_a_signature_over_another_invoice_is_refused(desk: Desk) -> None:
    good, other = desk.invoice(1), desk.invoice(2)
    forged = replace(good, signatures=(good.signatures[0], other.signatures[1]))
    arl = only(desk.send_file(L.b2_file(PARTNER, [("001", [forged])]))[1])
    assert reasons(arl) == {"3003"}


def test_a_card_the_caisse_does_not_know_is_refused(desk: Desk) -> None:
    stranger = L.SoftCard("cps", m.Signer.CPS, ec.generate_private_key(ec.SECP256R1()))
    cards = {**desk.cards, "cps": stranger}
    invoice = L.invoice(PARTNER, 1, care=L.days_ago(3), cards=cards)
    arl = only(desk.send_file(L.b2_file(PARTNER, [("001", [invoice])]))[1])
    assert reasons(arl) == {"3004"}


def test_a_wrong_nir_key_is_refused(desk: Desk) -> None:
    _, key = L.nir(1)
    wrong = f"{(int(key) + 1) % 97:02d}"
    arl = only(desk.send_file(L.b2_file(PARTNER, [("001", [desk.invoice(1, key=wrong)])]))[1])
    assert "4001" in reasons(arl)


def test_closed_rights_on_the_date_of_care_are_refused(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    first13, _ = L.nir(1)
    person = {"date_naissance": "15011980", "rang": 1, "qualite": "0",
              "periodes_droits": [{"debut": "2020-01-01", "fin": L.days_ago(10).isoformat()}]}
    monkeypatch.setattr(references, "people", lambda: {first13: {"nir": first13, "beneficiaires": [person]}})
    arl = only(desk.send_file(L.b2_file(PARTNER, [("001", [desk.invoice(1)])]))[1])
    assert reasons(arl) == {"4002"}
    assert only(desk.send_file(L.b2_file(PARTNER, [("001", [desk.invoice(1, care=L.days_ago(20))])]))[1]).positive


def test_an_invoice_number_already_received_is_refused(desk: Desk) -> None:
    assert only(desk.send_file(L.b2_file(PARTNER, [("001", [desk.invoice(10)])]))[1]).positive
    arl = only(desk.send_file(L.b2_file(PARTNER, [("002", [desk.invoice(10)])]))[1])
    assert reasons(arl) == {"4003"}
    twice = only(desk.send_file(L.b2_file(PARTNER, [("002", [desk.invoice(11), desk.invoice(11)])]))[1])
    assert reasons(twice) == {"4003"}


def test_care_more_than_a_year_old_is_refused(desk: Desk) -> None:
    arl = only(desk.send_file(L.b2_file(PARTNER, [("001", [desk.invoice(1, care=L.days_ago(367))])]))[1])
    assert reasons(arl) == {"4004"}


def test_a_degraded_invoice_needs_its_care_sheet(desk: Desk) -> None:
    invoice = desk.invoice(1, signers=("cps",))
    arl = only(desk.send_file(L.b2_file(PARTNER, [("001", [invoice])], certification="D"))[1])
    assert reasons(arl) == {"4005"}
    scor = ((PARTNER, 1, b"%PDF-1.4 feuille de soins"),)
    assert only(desk.send_file(L.b2_file(PARTNER, [("001", [invoice])], certification="D"), scor=scor)[1]).positive


def test_a_file_for_another_organism_is_refused(desk: Desk) -> None:
    file = L.b2_file(PARTNER, [("001", [desk.invoice(1)])], organism=("01", "349"))
    arl = only(desk.send_file(file)[1])
    assert reasons(arl) == {"4006"}


def test_a_mailbox_without_a_certificate_is_an_unknown_organism(desk: Desk) -> None:
    mail = L.lot_mail(m.write_b2(L.b2_file(PARTNER, [("001", [desk.invoice(1)])])), desk.certificate,
                      stamp=next_stamp(), organism="01422")
    arl = only(desk.deliver(mail.raw, organism="01422")[1])
    assert arl.reason == "4006" and (arl.regime, arl.caisse) == ("01", "422")


def test_a_mail_encrypted_for_someone_else_gets_a_negative_arl(desk: Desk) -> None:
    other = desk.pki.organism_certificate("01349")
    mail = L.lot_mail(m.write_b2(L.b2_file(PARTNER, [("001", [desk.invoice(1)])])), other, stamp=next_stamp())
    mail_id, arls = desk.deliver(mail.raw)
    assert only(arls).reason == "5001" and arls[0].subject.stamp == mail.stamp
    assert desk.status(mail_id)[0] == "traite"


def test_a_mail_without_a_subject_or_file_is_logged(desk: Desk) -> None:
    mail_id, arls = desk.deliver(b"From: x@y\r\n\r\nbonjour\r\n")
    assert arls == []
    status, detail = desk.status(mail_id)
    assert status == "sans_reponse" and "non identifiable" in detail
    assert any(entry["service"] == "lots" and "non identifiable" in entry["resultat"]
               for entry in desk.state.journal(10))


def test_a_lost_arl_scenario_sends_nothing_but_keeps_the_lot(desk: Desk) -> None:
    scenario.load(desk.state, scenario.parse(json.dumps({"nom": "perte", "regles": [
        {"regle": "perdre_arl", "lot": 1}]}), ".json"))
    mail_id, arls = desk.send_file(L.b2_file(PARTNER, [("001", [desk.invoice(1)])]))
    assert arls == [] and "ARL perdu" in desk.status(mail_id)[1]
    assert desk.count("factures_recues") == 1
    assert only(desk.send_file(L.b2_file(PARTNER, [("002", [desk.invoice(2)])]))[1]).positive


def test_the_same_mail_delivered_twice_is_answered_once(desk: Desk) -> None:
    mail = L.lot_mail(m.write_b2(L.b2_file(PARTNER, [("001", [desk.invoice(1)])])), desk.certificate,
                      stamp=next_stamp())
    assert only(desk.deliver(mail.raw)[1]).positive
    again, arls = desk.deliver(mail.raw)
    assert arls == [] and desk.status(again)[0] == "doublon"
    assert desk.count("factures_recues") == 1 and desk.count("lots_recus") == 1


def test_an_accepted_lot_sent_again_gets_its_arl_again_and_is_kept_once(desk: Desk) -> None:
    file = L.b2_file(PARTNER, [("001", [desk.invoice(1)])])
    first = only(desk.send_file(file)[1])
    second = only(desk.send_file(file)[1])
    assert first == second and first.positive
    assert desk.count("factures_recues") == 1


def test_a_file_of_two_lots_gets_two_arls(desk: Desk) -> None:
    file = L.b2_file(PARTNER, [("001", [desk.invoice(1)]), ("002", [desk.invoice(2, key="00")])])
    mail_id, arls = desk.send_file(file)
    by_lot = {a.arl.lot_number: a.arl for a in arls}
    assert by_lot["001"].positive and reasons(by_lot["002"]) == {"4001"}
    assert desk.status(mail_id)[1] == "lot 001 accepté ; lot 002 refusé (4001)"


def test_an_unreadable_file_names_each_lot_it_holds(desk: Desk) -> None:
    text = m.write_b2(L.b2_file(PARTNER, [("001", [desk.invoice(1)]), ("002", [desk.invoice(2)])]))
    mail = L.lot_mail(text[:-60], desk.certificate, stamp=next_stamp())
    arls = desk.deliver(mail.raw)[1]
    assert sorted(a.arl.lot_number for a in arls) == ["001", "002"]
    assert all("1002" in reasons(a.arl) for a in arls)


def test_the_arl_date_is_the_caisse_date(desk: Desk) -> None:
    with desk.state.transaction() as tx:
        tx.set_today(L.today() + timedelta(days=5))
    arl = only(desk.send_file(L.b2_file(PARTNER, [("001", [desk.invoice(1)])]))[1])
    assert arl.arl_date == L.today() + timedelta(days=5)


def test_signatures_of_the_provisioned_cards_are_checked(desk: Desk, provisioned_cards: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The real virtual cards: the CPS signs in its SoftHSM2 token, the Vitale card with its software key."""
    from datetime import date

    from feuille.cards.card_files import CardDir, load_card
    from feuille.cards.pkcs11_signer import Pkcs11Token
    from feuille.cards.software_key import load_key, sign
    from tests.conftest import MODULE

    monkeypatch.setenv("FEUILLE_CARDS_DIR", str(provisioned_cards))
    cards = CardDir(provisioned_cards)
    cps, vitale = load_card(cards, "cps-medecin"), load_card(cards, "vitale-essai")
    assert cps.token_label and vitale.private_key and cps.professional and cps.professional.billing_number
    partner = cps.professional.billing_number.replace(" ", "")
    insured = vitale.vitale.insured_nir.replace(" ", "") if vitale.vitale else ""
    plain = L.invoice(partner, 1, care=L.days_ago(3), cards=None)
    bare = replace(plain, insured_nir=insured[:13], nir_key=insured[13:],    # ESSAI Alexis of people.json
                   header=replace(plain.header, birth_date=date(1991, 11, 11)))
    by_token = Pkcs11Token(MODULE, cps.token_label, cards.softhsm_conf).sign("1234", m.signed_data(bare))
    by_vitale = sign(load_key(vitale.private_key), vitale.serial, vitale.kind, m.signed_data(bare))
    assert by_token is not None
    signed = replace(bare, signatures=(
        m.InvoiceSignature(m.Signer.CPS, "ES256", m.key_fingerprint(by_token.public_key), by_token.value),
        m.InvoiceSignature(m.Signer.VITALE, "ES256", m.key_fingerprint(by_vitale.public_key), by_vitale.value)))
    assert only(desk.send_file(L.b2_file(partner, [("001", [signed])]))[1]).positive
    swapped = replace(signed, signatures=(replace(signed.signatures[0], signer=m.Signer.VITALE),
                                          replace(signed.signatures[1], signer=m.Signer.CPS)))
    arl = only(desk.send_file(L.b2_file(partner, [("002", [replace(swapped, number=2)])]))[1])
    assert reasons(arl) == {"3004"}


def test_odd_headers_of_the_lot_mail_do_not_break_the_answer(desk: Desk) -> None:
    mail = L.lot_mail(m.write_b2(L.b2_file(PARTNER, [("001", [desk.invoice(1)])])), desk.certificate,
                      stamp=next_stamp())
    raw = mail.raw.replace(b"From: cabinet@example.org", b"From: =?x?q?\xff?= <a@b>\r\n folded\r\n\tagain", 1)
    arls = desk.deliver(raw.replace(b"Message-ID: <", b"Message-ID: \r\n <\x01", 1))[1]
    assert only(arls).positive


def test_a_failure_of_the_caisse_is_answered_as_an_unreadable_mail(desk: Desk,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from feuille_sim.lots import checks

    def broken(*_: object) -> list[checks.Problem]:
        raise RuntimeError("panne du contrôle")

    monkeypatch.setattr(checks, "check_lot", broken)
    mail_id, arls = desk.send_file(L.b2_file(PARTNER, [("001", [desk.invoice(1)])]))
    assert only(arls).reason == "5001" and desk.status(mail_id)[0] == "traite"
    assert any("panne du contrôle" in entry["resultat"] for entry in desk.state.journal(10))
    assert desk.count("factures_recues") == 0


def test_the_cps_must_be_the_billing_professionals_or_the_substitutes(desk: Desk) -> None:
    other = "996102190"
    invoice = L.invoice(other, 1, care=L.days_ago(3), cards=desk.cards)
    arl = only(desk.send_file(L.b2_file(other, [("001", [invoice])]))[1])
    assert reasons(arl) == {"3004"} and "AUTRE PROFESSIONNEL" in arl.details[0].label
    file = L.b2_file(other, [("001", [invoice])])
    substitute = replace(file, lots=(replace(file.lots[0], closing=m.LotClosing(substitute_number=PARTNER)),))
    assert only(desk.send_file(substitute)[1]).positive


def test_content_d_signatures_are_verified_with_their_digest(desk: Desk) -> None:
    bare = desk.invoice(1, signers=())
    digest = bytes(range(32))
    signed = replace(bare, signatures=tuple(desk.cards[n].sign(bare, digest) for n in ("cps", "vitale")))
    assert only(desk.send_file(L.b2_file(PARTNER, [("001", [signed])]))[1]).positive
    other = replace(signed, number=2, signatures=tuple(replace(s, content_digest=bytes(32))
                                                       for s in signed.signatures))
    arl = only(desk.send_file(L.b2_file(PARTNER, [("002", [other])]))[1])
    assert reasons(arl) == {"3003"}   # the digest is part of what the cards signed


def test_an_unknown_card_beside_the_billing_cps_is_refused(desk: Desk) -> None:
    stranger = L.SoftCard("cps", m.Signer.CPS, ec.generate_private_key(ec.SECP256R1()))
    bare = desk.invoice(1, signers=())
    known = {**desk.cards}
    signed = replace(bare, signatures=(stranger.sign(bare), *(known[n].sign(bare) for n in ("vitale", "cps"))))
    arl = only(desk.send_file(L.b2_file(PARTNER, [("001", [signed])]))[1])
    assert reasons(arl) == {"3004"}   # a card the caisse does not know, whatever it signs beside the others
    alone = replace(bare, signatures=(known["vitale"].sign(bare),))
    assert reasons(only(desk.send_file(L.b2_file(PARTNER, [("001", [alone])]))[1])) == {"3002"}


def test_the_vitale_card_must_be_the_insured_persons(desk: Desk) -> None:
    other_insured = replace(desk.invoice(1, signers=()), insured_nir=L.nir(2)[0], nir_key=L.nir(2)[1])
    signed = replace(other_insured, signatures=tuple(desk.cards[n].sign(other_insured) for n in ("cps", "vitale")))
    arl = only(desk.send_file(L.b2_file(PARTNER, [("001", [signed])]))[1])
    assert reasons(arl) == {"3004"} and "AUTRE ASSURE" in arl.details[0].label


def test_the_paying_step_reads_accepted_lots_once(desk: Desk) -> None:
    from decimal import Decimal

    from feuille_sim.lots import store
    from feuille_sim.payments import store as paying

    desk.send_file(L.b2_file(PARTNER, [("001", [desk.invoice(1), desk.invoice(2)])]))
    desk.send_file(L.b2_file(PARTNER, [("002", [desk.invoice(3, key="00")])]))   # refused: never paid
    with desk.state.transaction() as tx:
        lots = paying.due_lots(tx, L.today())
        invoices = [list(paying.invoices(tx, lot.id)) for lot in lots]
        assert [(lot.number, [i.number for i in found]) for lot, found in zip(lots, invoices, strict=True)] == [
            ("001", [1, 2])]
        line = invoices[0][0].lines[0]
        assert (line.amo, line.rate, line.care_date) == (Decimal("21.00"), 70, L.days_ago(3))
        assert paying.due_lots(tx, L.days_ago(1)) == []
        assert store.mark_paid(tx, lots[0].id) and not store.mark_paid(tx, lots[0].id)
        assert paying.due_lots(tx, L.today()) == []


def test_wrong_totals_refuse_their_lot_only(desk: Desk) -> None:
    text = m.write_b2(L.b2_file(PARTNER, [("001", [desk.invoice(1)]), ("002", [desk.invoice(2)])]))
    records = [text[i:i + 128] for i in range(0, len(text), 128)]
    second = [i for i, r in enumerate(records) if r.startswith("6")][1]
    records[second] = records[second][:24] + "000009999" + records[second][33:]
    arls = desk.deliver(L.lot_mail("".join(records), desk.certificate, stamp=next_stamp()).raw)[1]
    by_lot = {a.arl.lot_number: a.arl for a in arls}
    assert by_lot["001"].positive and reasons(by_lot["002"]) == {"2003"}
    assert by_lot["002"].details[0].record == second + 1
    records[-1] = records[-1][:55] + "00000099" + records[-1][63:]     # the file trailer's record count
    arls = desk.deliver(L.lot_mail("".join(records), desk.certificate, stamp=next_stamp()).raw)[1]
    assert all("2006" in reasons(a.arl) for a in arls) and len(arls) == 2


def test_a_file_without_a_lot_is_answered(desk: Desk) -> None:
    empty = m.B2File(L.b2_file(PARTNER, []).header, ())
    arl = only(desk.send_file(empty)[1])
    assert arl.reason == "1999" and arl.lot_number == "000" and "SANS AUCUN LOT" in arl.details[0].label


def test_the_people_fixture_closes_odiles_rights(desk: Desk) -> None:
    """feuille_sim/people.json: the insured of vitale-droits-clos has no rights after 31/03/2024."""
    from datetime import date

    person = references.people()["2600692123456"]
    assert person["cle"] == "29"
    odile = replace(desk.invoice(1, signers=()), insured_nir="2600692123456", nir_key="29",
                    header=replace(desk.invoice(1).header, birth_date=date(1960, 6, 14)))
    arl = only(desk.send_file(L.b2_file(PARTNER, [("001", [odile])], certification=""))[1])
    assert reasons(arl) == {"4002"}
    alexis = replace(odile, number=2, insured_nir="1421962965165", nir_key="96",
                     header=replace(odile.header, birth_date=date(1991, 11, 11)))
    assert only(desk.send_file(L.b2_file(PARTNER, [("001", [alexis])], certification=""))[1]).positive

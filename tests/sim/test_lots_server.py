"""Lots sent over SMTP (STARTTLS) to a running ``feuille-sim servir --cartes``; ARLs fetched back over POP3 (STLS)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from feuille.formats import b2_file as m
from tests.sim.lots_desk import PARTNER, next_stamp
from tests.support import lots as L
from tests.support.caisse import CaisseDeTest, start_caisse


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CaisseDeTest, dict[str, L.SoftCard]]]:
    root = tmp_path_factory.mktemp("lots")
    cards = L.write_card_dir(root / "cartes")
    with start_caisse(root / "caisse", "--cartes", str(root / "cartes")) as caisse:
        yield caisse, cards


def exchange(caisse: CaisseDeTest, mail: L.LotMail, times: int = 1) -> list[L.ArlMail]:
    context = caisse.ssl_context()
    for _ in range(times):
        L.send(caisse.host, caisse.ports["smtp"], context, mail.recipient, mail.raw)
    user, password = caisse.mailbox
    arls = L.fetch_arls(caisse.host, caisse.ports["pop3"], context, user, password)
    return [a for a in arls if a.subject.stamp == mail.stamp]


def certificate(caisse: CaisseDeTest) -> Path:
    return Path(caisse.info["organismes"]) / "01996.pem"


def test_a_lot_sent_over_smtp_gets_its_positive_arl_over_pop3(
        served: tuple[CaisseDeTest, dict[str, L.SoftCard]]) -> None:
    caisse, cards = served
    invoices = [L.invoice(PARTNER, n, care=L.days_ago(2), cards=cards, serial=n) for n in (1, 2, 3)]
    mail = L.lot_mail(m.write_b2(L.b2_file(PARTNER, [("001", invoices)])), certificate(caisse), stamp=next_stamp(),
                      invoices=3, compress=True)
    arls = exchange(caisse, mail)
    assert len(arls) == 1 and arls[0].arl.positive and arls[0].subject.sender_number == mail.sender
    assert arls[0].description.kind == "ARL" and arls[0].description.test
    status = caisse.sim("etat", "--json")
    assert '"arl_envoyes": 1' in status.stdout


def test_a_bad_lot_and_a_junk_mail_get_negative_arls(served: tuple[CaisseDeTest, dict[str, L.SoftCard]]) -> None:
    caisse, cards = served
    partner = "996102190"
    bad = L.invoice(partner, 1, care=L.days_ago(2), cards=cards, key="00")
    mail = L.lot_mail(m.write_b2(L.b2_file(partner, [("005", [bad])])), certificate(caisse), stamp=next_stamp())
    arls = exchange(caisse, mail)
    assert len(arls) == 1 and arls[0].arl.reason == "4001" and not arls[0].subject.positive
    junk = L.lot_mail("pas un fichier B2 (ébauche)".encode("latin-1"), certificate(caisse), stamp=next_stamp())
    assert [a.arl.reason for a in exchange(caisse, junk)] == ["1001"]


def test_a_mail_delivered_twice_is_answered_once(served: tuple[CaisseDeTest, dict[str, L.SoftCard]]) -> None:
    caisse, cards = served
    partner = "996102208"
    invoice = L.invoice(partner, 1, care=L.days_ago(2), cards=cards)
    mail = L.lot_mail(m.write_b2(L.b2_file(partner, [("001", [invoice])])), certificate(caisse), stamp=next_stamp())
    arls = exchange(caisse, mail, times=2)
    assert len(arls) == 1 and arls[0].arl.positive

"""Lots sent over SMTP (STARTTLS) to a running ``feuille-sim servir --cartes``; ARLs fetched back over POP3 (STLS)."""

from __future__ import annotations

import imaplib
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
    invoices = [L.invoice(PARTNER, n, care=L.days_ago(2), cards=cards) for n in (1, 2, 3)]
    mail = L.lot_mail(m.write_b2(L.b2_file(PARTNER, [("001", invoices)])), certificate(caisse), stamp=next_stamp(),
                      invoices=3, compress=True)
    arls = exchange(caisse, mail)
    assert len(arls) == 1 and arls[0].arl.positive and arls[0].subject.sender_number == mail.sender
    assert arls[0].description.kind == "ARL" and arls[0].description.test
    status = caisse.sim("etat", "--json")
    assert '"arl_envoyes": 1' in status.stdout
    user, password = caisse.mailbox
    with imaplib.IMAP4_SSL(caisse.host, caisse.ports["imap"], ssl_context=caisse.ssl_context()) as imap:
        imap.login(user, password)
        imap.select("INBOX", readonly=True)
        numbers = imap.search(None, "ALL")[1][0].split()
        fetched = [imap.fetch(n, "(RFC822)")[1][0] for n in numbers]
    raws = [item[1] for item in fetched if isinstance(item, tuple)]
    assert [L.read_arl_mail(raw).arl for raw in raws if mail.stamp.encode() in raw] == [arls[0].arl]


def test_a_bad_lot_and_a_junk_mail_get_negative_arls(served: tuple[CaisseDeTest, dict[str, L.SoftCard]]) -> None:
    caisse, _ = served
    partner = "996102190"
    bad = L.invoice(partner, 1, care=L.days_ago(2), cards=None, key="00")
    mail = L.lot_mail(m.write_b2(L.b2_file(partner, [("005", [bad])], certification="")), certificate(caisse),
                      stamp=next_stamp())
    arls = exchange(caisse, mail)
    assert len(arls) == 1 and arls[0].arl.reason == "4001" and not arls[0].subject.positive
    junk = L.lot_mail("pas un fichier B2 (ébauche)".encode("latin-1"), certificate(caisse), stamp=next_stamp())
    assert [a.arl.reason for a in exchange(caisse, junk)] == ["1001"]


def test_a_mail_delivered_twice_is_answered_once(served: tuple[CaisseDeTest, dict[str, L.SoftCard]]) -> None:
    caisse, _ = served
    partner = "996102208"
    invoice = L.invoice(partner, 1, care=L.days_ago(2), cards=None)
    mail = L.lot_mail(m.write_b2(L.b2_file(partner, [("001", [invoice])], certification="")), certificate(caisse),
                      stamp=next_stamp())
    arls = exchange(caisse, mail, times=2)
    assert len(arls) == 1 and arls[0].arl.positive


def test_a_lot_stored_before_a_kill_is_answered_at_the_next_start(tmp_path: Path) -> None:
    """The mail is in the state but its hooks never ran (the process was killed): the next start answers it."""
    from feuille_sim.pki import Pki
    from feuille_sim.state import State

    cards = L.write_card_dir(tmp_path / "cartes")
    folder = tmp_path / "caisse"
    pki = Pki(folder)
    pki.ensure()
    invoice = L.invoice(PARTNER, 1, care=L.days_ago(2), cards=cards)
    mail = L.lot_mail(m.write_b2(L.b2_file(PARTNER, [("001", [invoice])])), pki.organism_certificate("01996"),
                      stamp=next_stamp())
    with State(folder).transaction() as tx:
        tx.add_received("cabinet@example.org", mail.recipient, "01996", mail.raw)
    with start_caisse(folder, "--cartes", str(tmp_path / "cartes")) as caisse:
        user, password = caisse.mailbox
        arls = L.fetch_arls(caisse.host, caisse.ports["pop3"], caisse.ssl_context(), user, password)
    assert [a.arl.positive for a in arls if a.subject.stamp == mail.stamp] == [True]

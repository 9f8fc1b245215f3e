"""The mail transport against a running caisse de test: SMTP (STARTTLS, implicit TLS, AUTH), POP3 and IMAP, the
organisms' certificates, and every fault as a French ``TransmissionError``."""

from __future__ import annotations

import itertools
import os
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from feuille.errors import TransmissionError
from feuille.formats import arl as arl_format
from feuille.formats import b2_file as m
from feuille.transmission.certificates import OrganismCertificates
from feuille.transmission.mail_settings import MailSettings, parse
from feuille.transmission.mail_transport import MailTransport
from feuille.transmission.transport import B2, Incoming, OutgoingFile, Recipient, Transport
from feuille_sim.state import OutgoingMail, State
from tests.support import lots as L
from tests.support.caisse import CaisseDeTest, start_caisse
from tests.transmission.keys import organism

PARTNER = "996102182"
SENDER = "00000996102182"
_lots = itertools.count(1)
_serial = itertools.count(1)


@pytest.fixture(scope="module")
def caisse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaisseDeTest]:
    """A caisse of our own: the tests put junk in its mailbox and count its lots."""
    with start_caisse(tmp_path_factory.mktemp("transport") / "caisse") as running:
        yield running


def settings_for(caisse: CaisseDeTest, *, protocol: str = "pop3", smtp: str = "smtp",
                 **changes: object) -> MailSettings:
    data: dict[str, object] = {
        "smtp": {"hote": caisse.host, "port": caisse.ports[smtp], "securite": "tls" if smtp == "smtps" else "starttls"},
        "releve": {"protocole": protocol, "hote": caisse.host, "port": caisse.ports[protocol],
                   "securite": "tls" if protocol == "imap" else "starttls"},
        "utilisateur": caisse.mailbox[0], "expediteur": "cabinet@exemple.fr", "ca": caisse.ca.read_text("ascii"),
        "secret": "essai", "certificats_organismes": caisse.info["organismes"], "annuaire": caisse.adri_url,
        "delai": 10.0}
    data.update(changes)
    return parse(data)


def transport(caisse: CaisseDeTest, password: str | None = None, **changes: object) -> MailTransport:
    found = settings_for(caisse, **changes)  # type: ignore[arg-type]
    certificates = OrganismCertificates(found.certificates_folder, found.directory_url, found.ca_pem,
                                        timeout=found.timeout, clock=datetime.now)
    return MailTransport(found, caisse.mailbox[1] if password is None else password, certificates)


def lot_file(test: bool = True, lot: str | None = None) -> OutgoingFile:
    """A one-invoice unsecured lot the caisse accepts: the next lot number, a new invoice number, a new stamp.

    A file meant never to arrive takes a lot number of its own (``lot``): a number consumed without an accepted
    lot would make the caisse refuse the next one (numbering, ARL 2004)."""
    lot = lot or f"{next(_lots):03d}"
    invoice = L.invoice(PARTNER, 100 + int(lot), care=L.days_ago(2), cards=None)
    text = m.write_b2(L.b2_file(PARTNER, [(lot, [invoice])], certification=" "))
    stamp = f"{datetime.now():%Y%m%d%H%M%S}{next(_serial):05d}"
    return OutgoingFile(SENDER, Recipient("01", "996"), B2, text.encode("ascii"), test, 1, stamp, "000001")


def arls_for(incoming: list[Incoming], stamp: str) -> list[arl_format.Arl]:
    return [arl_format.read_arl(i.payload) for i in incoming if i.kind == "ARL" and stamp in i.subject]


def test_sent_over_starttls_acknowledged_over_pop3_and_imap(caisse: CaisseDeTest) -> None:
    out: Transport = transport(caisse)
    item = lot_file()
    receipt = out.send(item)
    assert receipt.message_id == f"<{item.stamp}@exemple.fr>" and receipt.recipient == "01996@996.01.rss.fr"
    assert receipt.reply.startswith("250")
    over_pop3 = out.receive()
    arls = arls_for(over_pop3, item.stamp)
    assert len(arls) == 1 and arls[0].positive and arls[0].sender_number == SENDER
    over_imap = transport(caisse, protocol="imap").receive()
    assert arls_for(over_imap, item.stamp) == arls
    mine = [i for i in over_imap if item.stamp in i.subject]
    assert mine[0].test and mine[0].message_id and mine[0].raw
    transport(caisse, protocol="imap").forget([mine[0].id])
    assert arls_for(out.receive(), item.stamp) == []
    out.forget([mine[0].id, "inconnu"])   # forgetting twice, or an unknown id, changes nothing


def test_implicit_tls_with_login_and_pop3_forget(caisse: CaisseDeTest) -> None:
    out = transport(caisse, smtp="smtps")
    item = lot_file()
    out.send(item)
    mine = [i for i in out.receive() if item.stamp in i.subject]
    assert len(mine) == 1 and arls_for(mine, item.stamp)[0].positive
    out.forget([mine[0].id])
    assert [i for i in out.receive() if item.stamp in i.subject] == []


def test_pop3_over_implicit_tls(caisse: CaisseDeTest) -> None:
    item = lot_file()
    transport(caisse).send(item)
    over_tls = transport(caisse)
    over_tls = MailTransport(replace(over_tls.settings, mailbox=replace(
        over_tls.settings.mailbox, port=caisse.ports["pop3s"], security="tls")), caisse.mailbox[1],
        over_tls.certificates)
    assert [arl.positive for arl in arls_for(over_tls.receive(), item.stamp)] == [True]
    assert over_tls.check_mailbox() >= 1


def test_imap_with_starttls(caisse: CaisseDeTest) -> None:
    item = lot_file()
    transport(caisse).send(item)
    starttls = transport(caisse, protocol="imap")
    starttls = MailTransport(replace(starttls.settings, mailbox=replace(
        starttls.settings.mailbox, port=caisse.ports["imap_starttls"], security="starttls")), caisse.mailbox[1],
        starttls.certificates)
    assert [arl.positive for arl in arls_for(starttls.receive(), item.stamp)] == [True]


def test_the_caisse_refuses_an_imap_login_before_starttls(caisse: CaisseDeTest) -> None:
    import imaplib

    with imaplib.IMAP4(caisse.host, caisse.ports["imap_starttls"], timeout=10) as plain:
        assert "STARTTLS" in plain.capabilities and "LOGINDISABLED" in plain.capabilities
        with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
            plain.login(*caisse.mailbox)


def test_a_resent_file_is_the_same_mail_answered_once(caisse: CaisseDeTest) -> None:
    out = transport(caisse)
    item = lot_file()
    first, second = out.send(item), out.send(item)
    assert first.message_id == second.message_id
    assert [arl.positive for arl in arls_for(out.receive(), item.stamp)] == [True]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def expect(code: str, action: object) -> TransmissionError:
    with pytest.raises(TransmissionError) as caught:
        action()  # type: ignore[operator]
    assert caught.value.code == code, caught.value.message
    assert "Traceback" not in caught.value.message and caught.value.message.isprintable()
    return caught.value


def test_server_down(caisse: CaisseDeTest) -> None:
    port = closed_port()
    down = transport(caisse, smtp="smtp")
    down = MailTransport(replace(down.settings, smtp=replace(down.settings.smtp, port=port),
                                 mailbox=replace(down.settings.mailbox, port=port)), "x", down.certificates)
    error = expect("smtp_unreachable", lambda: down.send(lot_file(lot="900")))
    assert "injoignable" in error.message and "rien n'a été envoyé" in error.message
    expect("mailbox_unreachable", down.receive)
    expect("mailbox_unreachable", lambda: down.forget(["1"]))


def test_the_caisse_in_fault_then_back(caisse: CaisseDeTest) -> None:
    """``feuille-sim panne --service messagerie``: refusing (421), then silent after DATA; then the same file goes."""
    item = lot_file()
    try:
        assert caisse.sim("panne", "--service", "messagerie", "--mode", "erreur").returncode == 0
        error = expect("smtp_unreachable", lambda: transport(caisse).send(item))
        assert "service indisponible" in error.message and "421" in error.message
        assert caisse.sim("panne", "--service", "messagerie", "--mode", "muet", "--secondes", "3").returncode == 0
        expect("smtp_timeout", lambda: transport(caisse, delai=1.0).send(item))
    finally:
        caisse.sim("panne", "--service", "messagerie", "--mode", "aucune")
    transport(caisse).send(item)
    assert [arl.positive for arl in arls_for(transport(caisse).receive(), item.stamp)] == [True]


def test_wrong_authority_is_a_tls_failure(caisse: CaisseDeTest, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    other_ca = organism().certificate.public_bytes(Encoding.PEM).decode("ascii")
    for smtp in ("smtp", "smtps"):
        wrong = transport(caisse, smtp=smtp, ca=other_ca, annuaire=None)
        error = expect("smtp_tls", lambda: wrong.send(lot_file(lot="900")))  # noqa: B023
        assert "autorité de certification" in error.message
    expect("mailbox_tls", transport(caisse, ca=other_ca).receive)
    expect("mailbox_tls", transport(caisse, protocol="imap", ca=other_ca).receive)
    directory_only = transport(caisse, ca=other_ca, certificats_organismes=None)
    expect("directory_unreachable", lambda: directory_only.send(lot_file(lot="900")))


def test_implicit_tls_on_a_starttls_port_is_a_tls_failure(caisse: CaisseDeTest) -> None:
    confused = transport(caisse)
    confused = MailTransport(replace(confused.settings, smtp=replace(confused.settings.smtp, security="tls")),
                             caisse.mailbox[1], confused.certificates)
    expect("smtp_tls", lambda: confused.send(lot_file(lot="900")))


def test_authentication_refused(caisse: CaisseDeTest) -> None:
    error = expect("smtp_auth_refused", lambda: transport(caisse, "faux").send(lot_file(lot="900")))
    assert "identifiants refusés" in error.message
    expect("mailbox_auth_refused", transport(caisse, "faux").receive)
    expect("mailbox_auth_refused", transport(caisse, "faux", protocol="imap").receive)


class OneCertificate(OrganismCertificates):
    """Every recipient gets the test mailbox's certificate, so that the SMTP server is the one to refuse."""

    def get(self, code: str):  # type: ignore[no-untyped-def]
        return super().get("01996")


def test_recipient_refused(caisse: CaisseDeTest) -> None:
    plain = transport(caisse)
    out = MailTransport(plain.settings, caisse.mailbox[1],
                        OneCertificate(plain.settings.certificates_folder, None, None, timeout=5, clock=datetime.now))
    item = replace(lot_file(lot="900"), recipient=Recipient(address="dre@mutuelle-essai.fr"))
    error = expect("smtp_recipient_refused", lambda: out.send(item))
    assert "dre@mutuelle-essai.fr" in error.message


def test_timeout(caisse: CaisseDeTest) -> None:
    """A server that accepts the connection and never says a word."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        port = silent.getsockname()[1]
        mute = transport(caisse, delai=0.5)
        mute = MailTransport(replace(mute.settings, smtp=replace(mute.settings.smtp, port=port),
                                     mailbox=replace(mute.settings.mailbox, port=port)), "x", mute.certificates)
        expect("smtp_timeout", lambda: mute.send(lot_file(lot="900")))
        expect("mailbox_timeout", mute.receive)


def test_junk_mails_are_reported_and_left(caisse: CaisseDeTest) -> None:
    junk = [b"Subject: publicite\r\n\r\nAchetez !\r\n", b"\xff\xfe\x00 pas un courriel",
            b"Subject: ARL\r\nContent-Type: application/EDI-consent\r\nContent-Description: IRIS/ARL/Z\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\nbm9uIGd6aXA=\r\n"]
    with State(caisse.dir).transaction() as tx:
        for n, raw in enumerate(junk):
            tx.add_outgoing(OutgoingMail("cabinet", f"junk-{n}", raw))
    item = lot_file()
    out = transport(caisse)
    out.send(item)
    for protocol in ("pop3", "imap"):
        found = transport(caisse, protocol=protocol).receive()
        bad = [i for i in found if i.junk]
        assert len(bad) >= 3 and all(i.kind is None and i.problem for i in bad)
        assert any("aucune pièce" in (i.problem or "") for i in bad)
        assert any("illisible" in (i.problem or "") for i in bad)
        assert [arl.positive for arl in arls_for(found, item.stamp)] == [True]
    assert len([i for i in out.receive() if i.junk]) >= 3   # left in the mailbox


def test_certificates_from_the_folder_or_the_directory(caisse: CaisseDeTest, tmp_path: Path) -> None:
    folder_only = OrganismCertificates(caisse.info["organismes"], None, None, timeout=5, clock=datetime.now)
    assert folder_only.get("01996").public_key()
    error = expect("organism_certificate_unknown", lambda: folder_only.get("02123"))
    assert "02123" in error.message and "le lot reste prêt" in error.message
    directory = OrganismCertificates(None, caisse.adri_url, caisse.ca.read_text("ascii"), timeout=5,
                                     clock=datetime.now)
    assert directory.get("01422").subject   # published on demand by the caisse's directory
    expect("organism_certificate_unknown", lambda: directory.get("pas-un-code"))
    nothing = OrganismCertificates(None, None, None, timeout=5, clock=datetime.now)
    expect("organism_certificate_unknown", lambda: nothing.get("01996"))
    later = OrganismCertificates(caisse.info["organismes"], None, None, timeout=5,
                                 clock=lambda: datetime.now() + timedelta(days=365 * 30))
    expect("organism_certificate_invalid", lambda: later.get("01996"))
    (tmp_path / "01999.pem").write_text("pas un certificat")
    expect("organism_certificate_invalid",
           lambda: OrganismCertificates(str(tmp_path), None, None, timeout=5, clock=datetime.now).get("01999"))


def test_an_unknown_organism_sends_nothing(caisse: CaisseDeTest) -> None:
    before = State(caisse.dir).summary()
    out = transport(caisse, annuaire=None)
    item = replace(lot_file(lot="900"), recipient=Recipient("02", "123"))
    expect("organism_certificate_unknown", lambda: out.send(item))
    assert State(caisse.dir).summary() == before


def test_a_mail_too_large_is_refused(caisse: CaisseDeTest) -> None:
    """The caisse's size limit (10 MiB): refused at MAIL FROM (SIZE), nothing stored."""
    before = State(caisse.dir).summary()
    item = replace(lot_file(lot="900"), payload=os.urandom(8 * 1024 * 1024))
    error = expect("smtp_refused", lambda: transport(caisse).send(item))
    assert "552" in error.message
    assert State(caisse.dir).summary() == before

"""The caisse de test's services, through the stdlib clients the product uses (smtplib, poplib, imaplib, httpx)."""

from __future__ import annotations

import imaplib
import json
import poplib
import smtplib
import socket
import ssl
from email.message import EmailMessage

import httpx
import pytest
from cryptography import x509

from feuille_sim.state import OutgoingMail, State
from tests.support.caisse import CaisseDeTest


def _mail(subject: str, body: str = "contenu\n.ligne qui commence par un point\n") -> bytes:
    message = EmailMessage()
    message["From"] = "caisse@422.01.rss.fr"
    message["To"] = "cabinet@example.test"
    message["Subject"] = subject
    message.set_content(body)
    return bytes(message)


def _queue(caisse: CaisseDeTest, mailbox: str, *subjects: str) -> str:
    """Put mails in a mailbox of the running caisse; returns its password."""
    state = State(caisse.dir)
    with state.transaction() as tx:
        for subject in subjects:
            tx.add_outgoing(OutgoingMail(mailbox, f"test-{mailbox}-{subject}", _mail(subject), "arl", "01422"))
        return tx.mailbox_password(mailbox)


def test_https_health_and_certificate_directory(caisse_de_test: CaisseDeTest) -> None:
    with httpx.Client(verify=caisse_de_test.ssl_context(), base_url=caisse_de_test.adri_url) as client:
        assert client.get("/sante").json() == {"etat": "ok"}
        pem = client.get("/annuaire/organismes/01422.pem")
        assert pem.status_code == 200
        cert = x509.load_pem_x509_certificate(pem.content)
        assert "01422@422.01.rss.fr" in cert.subject.rfc4514_string()
        assert (caisse_de_test.dir / "pki" / "organismes" / "01422.pem").read_bytes() == pem.content
        assert client.get("/annuaire/organismes/abc.pem").status_code == 404


def test_https_untrusted_without_the_test_ca(caisse_de_test: CaisseDeTest) -> None:
    with pytest.raises(httpx.ConnectError), httpx.Client() as client:
        client.get(caisse_de_test.adri_url + "/sante")


def test_smtp_accepts_an_insurer_address_and_refuses_others(caisse_de_test: CaisseDeTest) -> None:
    with smtplib.SMTP(caisse_de_test.host, caisse_de_test.ports["smtp"], timeout=30) as smtp:
        smtp.starttls(context=caisse_de_test.ssl_context())
        refused = smtp.sendmail("cabinet@example.test", ["01422@422.01.rss.fr", "01422@423.01.rss.fr"],
                                _mail("IR000001/lot"))
        assert list(refused) == ["01422@423.01.rss.fr"]
        assert refused["01422@423.01.rss.fr"][0] == 550
        assert "Destinataire inconnu" in refused["01422@423.01.rss.fr"][1].decode()
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.sendmail("cabinet@example.test", ["personne@example.com"], _mail("x"))
    status = caisse_de_test.sim("status", "--json")
    assert status.returncode == 0, status.stderr
    assert '"01422"' in status.stdout
    with State(caisse_de_test.dir).transaction() as tx:
        row = tx.execute("SELECT destinataire, brut, etat FROM courriels_recus WHERE organisme = '01422'").fetchone()
    # processed by the hooks: the lots hook marks a mail that is no lot from an identifiable sender sans_reponse
    assert row[0] == "01422@422.01.rss.fr" and b"IR000001/lot" in row[1] and row[2] == "sans_reponse"


def test_pop3_fetches_and_deletes_at_quit(caisse_de_test: CaisseDeTest) -> None:
    password = _queue(caisse_de_test, "boite-pop3", "premier", "second")
    pop = poplib.POP3(caisse_de_test.host, caisse_de_test.ports["pop3"], timeout=30)
    with pytest.raises(poplib.error_proto, match="STLS"):
        pop.user("boite-pop3")
    pop.stls(context=caisse_de_test.ssl_context())
    pop.user("boite-pop3")
    pop.pass_(password)
    assert pop.stat()[0] == 2
    _, lines, _ = pop.retr(1)
    assert b"Subject: premier" in lines and b".ligne qui commence par un point" in lines
    assert len(pop.uidl()[1]) == 2
    assert b"Subject: second" in pop.top(2, 0)[1]
    pop.dele(1)
    assert pop.stat()[0] == 1
    pop.rset()
    pop.dele(1)
    pop.quit()
    pop = poplib.POP3(caisse_de_test.host, caisse_de_test.ports["pop3"], timeout=30)
    pop.stls(context=caisse_de_test.ssl_context())
    pop.user("boite-pop3")
    pop.pass_(password)
    _, lines, _ = pop.retr(1)
    assert b"Subject: second" in lines and pop.stat()[0] == 1
    pop.close()   # no QUIT: nothing deleted
    assert [m.raw for m in State(caisse_de_test.dir).mailbox_content("boite-pop3")] == [_mail("second")]


def test_pop3_wrong_password(caisse_de_test: CaisseDeTest) -> None:
    pop = poplib.POP3(caisse_de_test.host, caisse_de_test.ports["pop3"], timeout=30)
    pop.stls(context=caisse_de_test.ssl_context())
    pop.user("cabinet")
    with pytest.raises(poplib.error_proto, match="faux"):
        pop.pass_("pas le bon")
    pop.quit()


def test_imap_search_fetch_store_expunge(caisse_de_test: CaisseDeTest) -> None:
    password = _queue(caisse_de_test, "boite-imap", "un", "deux", "trois")
    with imaplib.IMAP4_SSL(caisse_de_test.host, caisse_de_test.ports["imap"],
                           ssl_context=caisse_de_test.ssl_context(), timeout=30) as imap:
        imap.login("boite-imap", password)
        assert imap.select("INBOX") == ("OK", [b"3"])
        assert imap.search(None, "UNSEEN")[1] == [b"1 2 3"]
        typ, data = imap.fetch("2", "(RFC822)")
        assert typ == "OK" and b"Subject: deux" in data[0][1]
        assert imap.search(None, "UNSEEN")[1] == [b"1 3"]
        typ, data = imap.uid("FETCH", "1:*", "(BODY.PEEK[])")
        assert typ == "OK" and len([d for d in data if isinstance(d, tuple)]) == 3
        imap.store("1", "+FLAGS", "(\\Deleted)")
        typ, data = imap.expunge()
        assert data == [b"1"]
        assert imap.search(None, "ALL")[1] == [b"1 2"]
        with pytest.raises(imaplib.IMAP4.error):
            imap.search(None, "FROM", "x")
    assert [m.raw for m in State(caisse_de_test.dir).mailbox_content("boite-imap")] == [_mail("deux"), _mail("trois")]


def test_imap_wrong_password(caisse_de_test: CaisseDeTest) -> None:
    with imaplib.IMAP4_SSL(caisse_de_test.host, caisse_de_test.ports["imap"],
                           ssl_context=caisse_de_test.ssl_context(), timeout=30) as imap, \
            pytest.raises(imaplib.IMAP4.error, match="faux"):
        imap.login("cabinet", "pas le bon")


JUNK = [b"\x00\xff" * 40 + b"\r\n", b"A" * 100_000 + b"\r\n", "😴 RETR 1\r\n".encode(), b"RETR -1\r\nTOP 1 x\r\n",
        b"USER\r\nPASS\r\nLIST 999999999999999999999\r\n", b"\r\n\r\n", b"HELO\r\nMAIL FROM:<>\r\nDATA\r\n"]


@pytest.mark.parametrize("service", ["smtp", "pop3"])
def test_junk_on_sockets_never_crashes_the_server(caisse_de_test: CaisseDeTest, service: str) -> None:
    for junk in JUNK:
        with socket.create_connection((caisse_de_test.host, caisse_de_test.ports[service]), timeout=10) as sock:
            sock.recv(1024)
            try:
                sock.sendall(junk)
                sock.recv(4096)
            except OSError:   # the server may close the connection on junk: that is fine
                pass
    assert caisse_de_test.process.poll() is None
    with smtplib.SMTP(caisse_de_test.host, caisse_de_test.ports["smtp"], timeout=30) as smtp:
        assert smtp.noop()[0] == 250
    pop = poplib.POP3(caisse_de_test.host, caisse_de_test.ports["pop3"], timeout=30)
    with pytest.raises(poplib.error_proto, match="identification requise"):   # refused before login, but answered
        pop.noop()
    pop.quit()


def test_junk_on_the_imap_socket(caisse_de_test: CaisseDeTest) -> None:
    context = caisse_de_test.ssl_context()
    junks = [b"a1 LOGIN\r\n", b"a2 SELECT x\r\n", b"a3 FETCH 1:* (BODY[])\r\n", b"\xff\xfe\r\n", b"a4 LOGIN {5}\r\n",
             b"a5 " + b"X" * 5000 + b"\r\n"]
    for junk in junks:
        with socket.create_connection((caisse_de_test.host, caisse_de_test.ports["imap"]), timeout=10) as raw, \
                context.wrap_socket(raw, server_hostname=caisse_de_test.host) as sock:
            sock.recv(1024)
            sock.sendall(junk)
            assert b"BAD" in sock.recv(4096) or junk.startswith(b"a5")
    assert caisse_de_test.process.poll() is None


ADRI = "/adri/v1/droits"


def test_fault_modes_on_https(caisse_de_test: CaisseDeTest) -> None:
    with httpx.Client(verify=caisse_de_test.ssl_context(), base_url=caisse_de_test.adri_url, timeout=30) as client:
        # The same whether the ADRi app is wired (it applies the fault file) or not (the middleware does).
        assert client.post(ADRI, content=b"{}").status_code != 503
        assert caisse_de_test.sim("panne", "--mode", "erreur").returncode == 0
        try:
            answer = client.post(ADRI, content=b"{}")
            assert answer.status_code == 503 and answer.json()["code"] == "service_indisponible"
            assert client.get("/sante").status_code == 200
            assert client.get("/annuaire/organismes/01996.pem").status_code == 200
            assert caisse_de_test.sim("panne", "--mode", "muet", "--secondes", "60").returncode == 0
            with pytest.raises(httpx.ReadTimeout):
                client.post(ADRI, content=b"{}", timeout=1)
        finally:
            assert caisse_de_test.sim("panne", "--mode", "aucune").returncode == 0
        assert client.post(ADRI, content=b"{}").status_code != 503
    refused = caisse_de_test.sim("panne", "--mode", "cassé")
    assert refused.returncode == 2 and "inconnu" in refused.stderr


def test_exchange_log(caisse_de_test: CaisseDeTest) -> None:
    with httpx.Client(verify=caisse_de_test.ssl_context(), base_url=caisse_de_test.adri_url) as client:
        client.get("/sante")
    services = {entry["service"] for entry in State(caisse_de_test.dir).journal(500)}
    assert {"serveur", "https"} <= services
    listed = caisse_de_test.sim("journal", "--limite", "500", "--json")
    assert listed.returncode == 0 and {e["service"] for e in json.loads(listed.stdout)} >= {"serveur", "https"}
    text = caisse_de_test.sim("journal", "--limite", "3")
    assert text.returncode == 0 and len(text.stdout.splitlines()) == 3 and "→" in text.stdout


def test_tls_certificate_names_localhost(caisse_de_test: CaisseDeTest) -> None:
    context = caisse_de_test.ssl_context()
    with socket.create_connection(("localhost", caisse_de_test.ports["imap"]), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname="localhost") as sock:
        assert sock.version() in ("TLSv1.2", "TLSv1.3")
    with pytest.raises(ssl.SSLCertVerificationError), \
            socket.create_connection(("127.0.0.1", caisse_de_test.ports["imap"]), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname="caisse.example.org"):
        pass

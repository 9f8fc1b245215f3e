"""The mail adapter of the transport port (FORMATS.md §2): SMTP out, POP3 or IMAP in, standard library only.

SMTP with implicit TLS (``smtplib.SMTP_SSL``) or STARTTLS as configured, the server's certificate checked against
the configured CA; a login only when a password is configured and the server offers AUTH, and never over a plain
connection unless the settings say ``clair_pour_essai``. Returns are read over POP3 (STLS or POP3 over TLS) or
IMAP (over TLS or STARTTLS), never deleted by ``receive`` (at least once): ``forget`` deletes them. Every failure
is a French ``TransmissionError`` with a stable code (``errors.CATALOGUE``); nothing here stores any state.
"""

from __future__ import annotations

import contextlib
import imaplib
import poplib
import smtplib
import ssl
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from feuille.auth import Context
from feuille.errors import TransmissionError, quoted
from feuille.transmission import mail_message, mail_settings
from feuille.transmission.certificates import OrganismCertificates
from feuille.transmission.mail_settings import MailSettings
from feuille.transmission.tls import client_context
from feuille.transmission.transport import Incoming, OutgoingFile, SendReceipt, refuse_unknown_ids

MAX_MAILS = 10_000   # feuille's own: one receive reads at most this many mails (the rest at the next one)


def _error(side: str, code: str, what: str) -> TransmissionError:
    return TransmissionError(f"{side} : {what}", code=code)


@contextlib.contextmanager
def smtp_errors(where: str) -> Iterator[None]:
    """smtplib's and ssl's exceptions as French errors; the order matters (most are OSError subclasses)."""
    side = f"Serveur d'envoi (SMTP) {where}"
    try:
        yield
    except ssl.SSLError as exc:
        raise _error(side, "smtp_tls", f"connexion chiffrée impossible ({_reason(exc)}) : rien n'a été "
                                       "envoyé. Vérifiez l'autorité de certification et la sécurité "
                                       "configurées.") from None
    except smtplib.SMTPNotSupportedError:
        raise _error(side, "smtp_tls", "le serveur ne propose pas STARTTLS : rien n'a été envoyé.") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise _error(side, "smtp_auth_refused", f"identifiants refusés ({_reply(exc)}) : rien n'a été "
                                                "envoyé.") from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = "; ".join(f"{address} : {_text(reply[1])}" for address, reply in exc.recipients.items())
        raise _error(side, "smtp_recipient_refused", f"destinataire refusé ({refused}) : rien n'a été "
                                                     "envoyé.") from None
    except (TimeoutError, smtplib.SMTPServerDisconnected) as exc:
        raise _error(side, "smtp_timeout", f"sans réponse ou coupé en cours d'échange ({type(exc).__name__}) : "
                                           "l'envoi est à refaire (le même courriel, reconnu par "
                                           "l'organisme).") from None
    except smtplib.SMTPConnectError as exc:
        raise _error(side, "smtp_unreachable", f"connexion refusée ({_reply(exc)}) : rien n'a été "
                                               "envoyé.") from None
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code == 421:   # RFC 5321: service not available, the server is closing the channel
            raise _error(side, "smtp_unreachable", f"service indisponible ({_reply(exc)}) : rien n'a été envoyé, "
                                                   "réessayez plus tard.") from None
        raise _error(side, "smtp_refused", f"courriel refusé ({_reply(exc)}) : rien n'a été envoyé.") from None
    except smtplib.SMTPException as exc:
        raise _error(side, "smtp_refused", f"échange refusé ({type(exc).__name__}) : rien n'a été "
                                           "envoyé.") from None
    except OSError as exc:
        raise _error(side, "smtp_unreachable", f"injoignable ({_reason(exc)}) : rien n'a été envoyé, "
                                               "réessayez plus tard.") from None


@contextlib.contextmanager
def mailbox_errors(where: str) -> Iterator[None]:
    side = f"Boîte aux lettres {where}"
    try:
        yield
    except ssl.SSLError as exc:
        raise _error(side, "mailbox_tls", f"connexion chiffrée impossible ({_reason(exc)}). Vérifiez "
                                          "l'autorité de certification et la sécurité configurées.") from None
    except TimeoutError:
        raise _error(side, "mailbox_timeout", "sans réponse dans le délai : réessayez plus tard.") from None
    except (poplib.error_proto, imaplib.IMAP4.error) as exc:
        text = _text(exc.args[0] if exc.args else "")
        raise _error(side, "mailbox_error", f"réponse inattendue ({quoted(text, 120)}).") from None
    except (OSError, EOFError) as exc:
        raise _error(side, "mailbox_unreachable", f"injoignable ({_reason(exc)}) : réessayez plus "
                                                  "tard.") from None


def _text(value: object) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)


def _reply(exc: smtplib.SMTPResponseException | smtplib.SMTPConnectError) -> str:
    return f"{exc.smtp_code} {_text(exc.smtp_error)}"[:200]


def _reason(exc: BaseException) -> str:
    return (getattr(exc, "reason", None) or getattr(exc, "strerror", None) or type(exc).__name__)[:120]


def deliver(client: smtplib.SMTP, sender: str, recipient: str, raw: bytes) -> tuple[int, bytes]:
    """MAIL, RCPT, DATA one by one (``sendmail`` hides the server's answer to DATA, the one that says « accepted »)."""
    code, reply = client.mail(sender, [f"SIZE={len(raw)}"] if client.has_extn("size") else [])
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = client.rcpt(recipient)
    if code not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
    code, reply = client.data(raw)
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)
    return code, reply


class MailTransport:
    """``Transport`` over mail. ``certificates`` gives each organism's S/MIME certificate."""

    def __init__(self, settings: MailSettings, password: str | None, certificates: OrganismCertificates) -> None:
        self.settings = settings
        self.password = password
        self.certificates = certificates

    # --- out -----------------------------------------------------------------------------------------------------
    def build(self, item: OutgoingFile) -> bytes:
        certificate = self.certificates.get(item.recipient.directory_code)
        return mail_message.build_mail(item, certificate, sender=self.settings.sender,
                                       subject_code=self.settings.subject_code)

    def send(self, item: OutgoingFile) -> SendReceipt:
        raw = self.build(item)   # before any connection: a missing certificate sends nothing
        recipient = item.recipient.mail_address
        server = self.settings.smtp
        with smtp_errors(f"{server.host}:{server.port}"), self.smtp() as client:
            code, reply = deliver(client, self.settings.sender, recipient, raw)
        return SendReceipt(mail_message.message_id(item, self.settings.sender), item.stamp, recipient, len(raw),
                           f"{code} {_text(reply)}"[:200])

    @contextlib.contextmanager
    def smtp(self) -> Iterator[smtplib.SMTP]:
        """A connected, secured and (when configured) logged-in SMTP client; closed on the way out."""
        server, timeout = self.settings.smtp, self.settings.timeout
        if server.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout,
                                                    context=client_context(self.settings.ca_pem))
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=timeout)
        try:
            client.ehlo()
            if server.security == "starttls":
                client.starttls(context=client_context(self.settings.ca_pem))
                client.ehlo()
            if self.password and client.has_extn("auth"):
                if server.security == "aucune" and not self.settings.plain_for_test:
                    raise TransmissionError("Serveur d'envoi (SMTP) sans chiffrement : le mot de passe n'est pas "
                                            "envoyé en clair.", code="smtp_tls")
                client.login(self.settings.user, self.password)
            yield client
        finally:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                client.quit()
            client.close()

    # --- in ------------------------------------------------------------------------------------------------------
    def receive(self) -> list[Incoming]:
        box = self.settings.mailbox
        with mailbox_errors(f"{self.settings.protocol.upper()} {box.host}:{box.port}"):
            if self.settings.protocol == "imap":
                return self._receive_imap()
            return self._receive_pop3()

    def forget(self, incoming_ids: Iterable[str]) -> None:
        wanted = set(refuse_unknown_ids(incoming_ids))
        if not wanted:
            return
        box = self.settings.mailbox
        with mailbox_errors(f"{self.settings.protocol.upper()} {box.host}:{box.port}"):
            if self.settings.protocol == "imap":
                self._forget_imap(wanted)
            else:
                self._forget_pop3(wanted)

    def check_mailbox(self) -> int:
        """Log in and count the mails waiting (``feuille messagerie tester``)."""
        box = self.settings.mailbox
        with mailbox_errors(f"{self.settings.protocol.upper()} {box.host}:{box.port}"):
            if self.settings.protocol == "imap":
                with self.imap() as client:
                    return len(_imap_uids(client))
            with self.pop3() as pop:
                return len(_pop3_uids(pop))

    @contextlib.contextmanager
    def pop3(self) -> Iterator[poplib.POP3]:
        box, context = self.settings.mailbox, client_context(self.settings.ca_pem)
        if box.security == "tls":
            client: poplib.POP3 = poplib.POP3_SSL(box.host, box.port, timeout=self.settings.timeout, context=context)
        else:
            client = poplib.POP3(box.host, box.port, timeout=self.settings.timeout)
        try:
            if box.security == "starttls":
                client.stls(context=context)
            try:
                client.user(self.settings.user)
                client.pass_(self.password or "")
            except poplib.error_proto as exc:
                raise _auth_refused("POP3", exc) from None
            yield client
            client.quit()   # deletions (DELE) happen at QUIT only
        finally:
            with contextlib.suppress(OSError):   # a failed STLS leaves a closed socket: keep the first error
                client.close()

    def _receive_pop3(self) -> list[Incoming]:
        with self.pop3() as client:
            return [mail_message.read_incoming(uid, _pop3_raw(client, number))
                    for number, uid in list(_pop3_uids(client).items())[:MAX_MAILS]]

    def _forget_pop3(self, wanted: set[str]) -> None:
        with self.pop3() as client:
            for number, uid in _pop3_uids(client).items():
                if uid in wanted:
                    client.dele(number)

    @contextlib.contextmanager
    def imap(self) -> Iterator[imaplib.IMAP4]:
        box, context = self.settings.mailbox, client_context(self.settings.ca_pem)
        if box.security == "tls":
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(box.host, box.port, ssl_context=context,
                                                      timeout=self.settings.timeout)
        else:
            client = imaplib.IMAP4(box.host, box.port, timeout=self.settings.timeout)
        try:
            if box.security == "starttls":
                client.starttls(ssl_context=context)
            try:
                client.login(self.settings.user, self.password or "")
            except imaplib.IMAP4.error as exc:
                raise _auth_refused("IMAP", exc) from None
            _ok(client.select("INBOX"))
            yield client
            client.close()
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()

    def _receive_imap(self) -> list[Incoming]:
        with self.imap() as client:
            return [mail_message.read_incoming(uid, _imap_raw(client, uid)) for uid in _imap_uids(client)[:MAX_MAILS]]

    def _forget_imap(self, wanted: set[str]) -> None:
        with self.imap() as client:
            present = [uid for uid in _imap_uids(client) if uid in wanted]
            if present:
                _ok(client.uid("STORE", ",".join(present), "+FLAGS", r"(\Deleted)"))
                _ok(client.expunge())


def _auth_refused(protocol: str, exc: Exception) -> TransmissionError:
    text = _text(exc.args[0] if exc.args else "")
    return TransmissionError(f"Boîte aux lettres ({protocol}) : identifiants refusés ({quoted(text, 120)}). "
                             "Vérifiez l'utilisateur et le mot de passe (feuille messagerie configurer).",
                             code="mailbox_auth_refused")


def _pop3_uids(client: poplib.POP3) -> dict[int, str]:
    """Message number -> UIDL, the id that stays the same from one session to the next."""
    out = {}
    for line in client.uidl()[1]:
        number, _, uid = _text(line).partition(" ")
        if number.isdigit() and uid.strip():
            out[int(number)] = uid.strip()
    return out


def _pop3_raw(client: poplib.POP3, number: int) -> bytes:
    return b"\r\n".join(client.retr(number)[1]) + b"\r\n"


def _ok(answer: tuple[str, object]) -> object:
    status, data = answer
    if status != "OK":
        raise imaplib.IMAP4.error(f"{status} {_text(data)}")
    return data


def _imap_uids(client: imaplib.IMAP4) -> list[str]:
    data = _ok(client.uid("SEARCH", "ALL"))
    first = data[0] if isinstance(data, list) and data else b""
    return [uid for uid in _text(first).split() if uid.isdigit()]


def _imap_raw(client: imaplib.IMAP4, uid: str) -> bytes:
    data = _ok(client.uid("FETCH", uid, "(BODY.PEEK[])"))
    for item in data if isinstance(data, list) else []:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return b""


def configured_transport(ctx: Context, clock: Callable[[], datetime] | None = None) -> MailTransport:
    """The mail transport of the practice's settings (``feuille messagerie configurer`` or the caisse de test)."""
    settings, password = mail_settings.load(ctx)
    certificates = OrganismCertificates(settings.certificates_folder, settings.directory_url, settings.ca_pem,
                                        timeout=settings.timeout, clock=clock or ctx.clock)
    return MailTransport(settings, password, certificates)


def describe(settings: MailSettings) -> str:
    """One French line: where mail goes and comes from."""
    smtp, box = settings.smtp, settings.mailbox
    return (f"envoi SMTP {smtp.host}:{smtp.port} ({smtp.security}), relève {settings.protocol.upper()} "
            f"{box.host}:{box.port} ({box.security}), utilisateur {quoted(settings.user)}")


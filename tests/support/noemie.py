"""Reading the caisse de test's NOEMIE mails as the product would: the EDI-consent part, its description, the file
read with ``feuille.formats.noemie_reader``; and fetching them over POP3 (STLS)."""

from __future__ import annotations

import email
import email.policy
import poplib
import ssl
from dataclasses import dataclass
from decimal import Decimal
from email.message import Message

from feuille.formats import mail as mail_facts
from feuille.formats.noemie_file import Invoice, NoemieFile
from feuille.formats.noemie_reader import Reading, read_file
from feuille.money import ZERO, total


@dataclass(frozen=True)
class NoemieMail:
    subject: str
    description: mail_facts.Description
    reading: Reading
    message: Message
    raw: bytes

    @property
    def file(self) -> NoemieFile:
        assert self.reading.ok, self.reading.problems
        assert self.reading.file is not None
        return self.reading.file

    @property
    def reference(self) -> str:
        return self.file.header.reference


def is_noemie(raw: bytes) -> bool:
    return b"Subject: NOEMIE/" in raw


def read_noemie_mail(raw: bytes) -> NoemieMail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    part = next(p for p in message.walk() if p.get_content_type() == "application/edi-consent")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return NoemieMail(str(message["Subject"]), mail_facts.parse_content_description(str(part["Content-Description"])),
                      read_file(payload), message, raw)


def invoices(file: NoemieFile) -> list[Invoice]:
    return [i for p in file.payees for s in p.settlements for g in s.groups for lot in g.lots for i in lot.invoices]


def claimed(file: NoemieFile) -> Decimal:
    return total(i.amo.claimed if i.amo else ZERO for i in invoices(file))


def fetch_noemie(host: str, port: int, context: ssl.SSLContext, user: str, password: str) -> list[NoemieMail]:
    """Every NOEMIE mail waiting in the mailbox (left there)."""
    client = poplib.POP3(host, port, timeout=60)
    try:
        client.stls(context=context)
        client.user(user)
        client.pass_(password)
        out = []
        for n in range(1, len(client.list()[1]) + 1):
            raw = b"\r\n".join(client.retr(n)[1]) + b"\r\n"
            if is_noemie(raw):
                out.append(read_noemie_mail(raw))
        return out
    finally:
        client.quit()

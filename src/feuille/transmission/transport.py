"""The transport port: how a file leaves the practice and how the insurers' returns come back.

The shipped adapter is the mail one (``mail_transport.MailTransport``, FORMATS.md §2); an approved concentrator
(OCT) adapter plugs in here instead, with the same three operations:

- ``send(item)`` hands one file over and returns once the far side has accepted it (or raises a French
  ``TransmissionError``: then nothing may be marked sent). The same ``OutgoingFile`` always gives the same
  message identity (stamp, Message-ID): a file re-sent after a crash is recognised by the insurer as the mail it
  already has (the caisse de test answers a re-delivered mail once).
- ``receive()`` lists what waits in the practice's mailbox, **without** removing it (at least once): the caller
  stores what it needs, idempotently, then calls ``forget``. A mail that is not a readable return (junk) comes back
  as an ``Incoming`` whose ``problem`` says why in French: the caller reports it and leaves it; the others go on.
- ``forget(ids)`` deletes those mails from the mailbox (ids unknown there are ignored: forgetting twice is safe).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from feuille.errors import Problems, ValidationError, quoted
from feuille.formats import mail as mail_facts

B2 = "B2"
SCOR = "SCOR"
OUTGOING_KINDS = (B2, SCOR)
_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}")


@dataclass(frozen=True)
class Recipient:
    """An AMO organism (régime 2 digits + caisse 3 digits), or a complementary's mailbox address (DRE)."""

    regime: str = ""
    caisse: str = ""
    address: str = ""

    @property
    def mail_address(self) -> str:
        if self.address:
            return self.address
        return mail_facts.recipient_address(self.regime, self.caisse)

    @property
    def directory_code(self) -> str:
        """The name of its certificate in the directory: ``01422`` for an organism, the mailbox's local part else."""
        return f"{self.regime}{self.caisse}" if not self.address else self.address.split("@", 1)[0]


@dataclass(frozen=True)
class OutgoingFile:
    sender_number: str          # 14 digits: the B2 file header's sender (000 columns 6-19)
    recipient: Recipient
    kind: str                   # B2 or SCOR
    payload: bytes              # the file as written (the transport compresses it)
    test: bool                  # IRISTEST: to a test organism
    invoice_count: int          # the subject's count (type-5 records)
    stamp: str                  # 19 digits (formats.mail.stamp): the mail's identity, kept for a re-send
    file_id: str                # 6 characters: the B2 file identifier


@dataclass(frozen=True)
class SendReceipt:
    message_id: str
    stamp: str
    recipient: str              # the address the file went to
    size: int                   # bytes handed over
    reply: str                  # the server's answer, as it gave it


@dataclass(frozen=True)
class Incoming:
    id: str                     # the mailbox's stable id (POP3 UIDL, IMAP UID)
    kind: str | None            # from the Content-Description: ARL, NOEMIE, B2, SCOR; None for junk
    test: bool
    subject: str
    payload: bytes              # decoded (base64, gunzip when /Z)
    message_id: str
    raw: bytes
    problem: str | None = None  # French: why this mail is junk (then ``kind`` is None and ``payload`` empty)

    @property
    def junk(self) -> bool:
        return self.problem is not None


class Transport(Protocol):
    def send(self, item: OutgoingFile) -> SendReceipt: ...

    def receive(self) -> list[Incoming]: ...

    def forget(self, incoming_ids: Iterable[str]) -> None: ...


def check_outgoing(item: OutgoingFile) -> None:
    """Every field of ``item`` as the mail needs it, all problems at once (French ``ValidationError``)."""
    problems = Problems()
    problems.check(bool(re.fullmatch(r"\d{14}", item.sender_number)), "sender_number",
                   f"Numéro d'émetteur {quoted(item.sender_number)} : 14 chiffres attendus.", "transport_file")
    problems.check(item.kind in OUTGOING_KINDS, "kind",
                   f"Contenu {quoted(item.kind)} : B2 ou SCOR attendu.", "transport_file")
    problems.check(bool(re.fullmatch(r"\d{19}", item.stamp)), "stamp",
                   f"Horodatage {quoted(item.stamp)} : 19 chiffres attendus.", "transport_file")
    problems.check(bool(re.fullmatch(r"[0-9A-Z]{6}", item.file_id)), "file_id",
                   f"Identifiant de fichier {quoted(item.file_id)} : 6 caractères attendus.", "transport_file")
    problems.check(0 <= item.invoice_count < 100_000, "invoice_count",
                   "Nombre de factures : de 0 à 99999.", "transport_file")
    problems.check(bool(item.payload), "payload", "Fichier vide : rien à envoyer.", "transport_file")
    recipient = item.recipient
    if recipient.address:
        problems.check(bool(_ADDRESS.fullmatch(recipient.address)), "recipient",
                       f"Adresse du destinataire {quoted(recipient.address)} invalide.", "transport_file")
    else:
        problems.check(bool(re.fullmatch(r"\d{2}", recipient.regime) and re.fullmatch(r"\d{3}", recipient.caisse)),
                       "recipient", f"Organisme destinataire {quoted(recipient.regime + recipient.caisse)} : "
                       "régime (2 chiffres) et caisse (3 chiffres) attendus.", "transport_file")
    problems.raise_if_any()


def refuse_unknown_ids(ids: Iterable[object]) -> list[str]:
    """The ids to forget, as text; a non-text id is a defect of the caller, refused in French."""
    out = []
    for value in ids:
        if not isinstance(value, str) or not value or len(value) > 200:
            raise ValidationError(f"Identifiant de courriel {quoted(value)} invalide.", code="transport_file",
                                  field="incoming_ids")
        out.append(value)
    return out

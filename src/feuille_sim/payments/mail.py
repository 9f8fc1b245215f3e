"""A NOEMIE return's mail into the professional's mailbox (FORMATS.md §2: returns come back by mail, the readable
part is the ``application/EDI-consent`` part, base64, whose ``Content-Description`` names the kind of return).

**feuille's own**: the description ``IRIS/NOEMIE`` (``IRISTEST/NOEMIE`` from the test organism 01996), as the
ARL's ``IRIS/ARL``; the subject ``NOEMIE/<référence>/<organisme>/<identifiant du fichier>/<AAAAMMJJ>`` (576 a
payment file, 900 a reject file); a short French text part before it.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from email.utils import formatdate

from feuille.formats import mail as mail_facts
from feuille.money import format_euros_fr
from feuille_sim.state import DEFAULT_MAILBOX, OutgoingMail

TEST_ORGANISM = "01996"
KINDS = {"576": "paiements", "900": "rejets"}


def subject(reference: str, organism: str, file_id: str, day: date) -> str:
    return f"NOEMIE/{reference}/{organism}/{file_id}/{day:%Y%m%d}"


def noemie_mail(*, organism: str, reference: str, file_id: str, day: date, content: str, key: str,
                invoices: int, amount: Decimal, amc: str = "", test: bool = False) -> OutgoingMail:
    """From the organism's address, or a complementary's (``amc``: its number; then ``organism`` is ``AMC<n°>``)."""
    regime, caisse = (organism[:2], organism[2:]) if not amc else ("00", "amc")
    message = EmailMessage()
    message["From"] = mail_facts.amc_address(amc) if amc else mail_facts.recipient_address(regime, caisse)
    message["To"] = DEFAULT_MAILBOX
    message["Subject"] = subject(reference, organism, file_id, day)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = f"<noemie-{hashlib.sha256(key.encode()).hexdigest()[:24]}@{caisse}.{regime}.rss.fr>"
    kind = KINDS.get(reference, "retour")
    who = f"de la complémentaire {amc}" if amc else f"de l'organisme {regime} {caisse}"
    message.set_content(f"Retour NOEMIE ({kind}) {who} du {day:%d/%m/%Y}, fichier "
                        f"{file_id} : {invoices} facture(s), {format_euros_fr(amount)}.\n")
    description = mail_facts.content_description(
        mail_facts.Description("NOEMIE", organism == TEST_ORGANISM or test, compressed=False))
    message.add_attachment(content.encode("ascii"), maintype="application", subtype="EDI-consent", cte="base64",
                           filename=f"noemie-{reference}-{file_id}.txt",
                           headers=[f"Content-Description: {description}"])
    return OutgoingMail(mailbox=DEFAULT_MAILBOX, key=key, raw=message.as_bytes(), kind="noemie", organism=organism)

"""The ARL's mail into the professional's mailbox (FORMATS.md §2 for returns; subject and description are
feuille's own, ``feuille.formats.mail``): a short French text part, then the ARL records in an
``application/EDI-consent`` part (base64) described ``IRIS/ARL``, or ``IRISTEST/ARL`` for a test lot (described
``IRISTEST/B2``) or from the test mailbox 01996.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from feuille.formats import arl as arl_format
from feuille.formats import mail as mail_facts
from feuille_sim.state import DEFAULT_MAILBOX, OutgoingMail

TEST_ORGANISM = "01996"


@dataclass(frozen=True)
class Reply:
    """What an ARL mail answers: the lot mail's sender number and stamp, its Message-ID and From."""

    organism: str
    sender_number: str
    stamp: str
    message_id: str
    to: str
    test: bool


def arl_mail(reply: Reply, arl: arl_format.Arl, key: str) -> OutgoingMail:
    regime, caisse = reply.organism[:2], reply.organism[2:]
    complementary = reply.organism.startswith("AMC")   # feuille_sim.lots.amc.PREFIX: a complementary's mailbox
    if complementary:
        regime, caisse = "amc", reply.organism[3:]
    records = arl_format.write_arl(arl)
    message = EmailMessage()
    message["From"] = (mail_facts.amc_address(caisse) if complementary
                       else mail_facts.recipient_address(regime, caisse))
    message["To"] = reply.to or DEFAULT_MAILBOX
    message["Subject"] = mail_facts.build_arl_subject(
        mail_facts.ArlSubject(reply.sender_number, reply.stamp, arl.positive))
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = f"<arl-{hashlib.sha256(key.encode()).hexdigest()[:24]}@{caisse}.{regime}.rss.fr>"
    if reply.message_id:
        message["In-Reply-To"] = reply.message_id
    message.set_content(_summary(arl))
    description = mail_facts.content_description(mail_facts.Description("ARL", reply.test, compressed=False))
    message.add_attachment(records.encode("ascii"), maintype="application", subtype="EDI-consent", cte="base64",
                           filename="arl.txt", headers=[f"Content-Description: {description}"])
    return OutgoingMail(mailbox=DEFAULT_MAILBOX, key=key, raw=message.as_bytes(), kind="arl",
                        organism=reply.organism)


def _summary(arl: arl_format.Arl) -> str:
    if arl.positive:
        return f"Lot {arl.lot_number} (fichier {arl.file_id}) accepté par l'organisme {arl.regime} {arl.caisse}.\n"
    lines = [f"Lot {arl.lot_number} (fichier {arl.file_id}) refusé par l'organisme {arl.regime} {arl.caisse} : "
             f"{arl_format.arl_label(arl.reason)}.", ""]
    lines += [f"- {d.reason} {arl_format.arl_label(d.reason)} (enregistrement {d.record})" for d in arl.details[:50]]
    if len(arl.details) > 50:
        lines.append(f"… et {len(arl.details) - 50} autre(s) motif(s), dans l'ARL joint.")
    return "\n".join(lines) + "\n"

"""An ARL mail, read: the lot mail it answers and what it says. Pure, never raises on junk.

The transport reads the mail (``mail_message.read_incoming``: the ``application/EDI-consent`` part, base64, gunzip
when ``/Z``, its kind from the ``Content-Description``, FORMATS.md §2). Here: **feuille's own** ARL subject
``ARL/<sender>/<stamp>/P|N`` (``formats.mail``), whose stamp names the lot mail answered, and the ARL records
(``formats.arl``); both must agree on positive or negative.
"""

from __future__ import annotations

from dataclasses import dataclass

from feuille.errors import ValidationError
from feuille.formats import arl as arl_format
from feuille.formats import mail as mail_facts

ARL, NOEMIE, OTHER = "arl", "noemie", "autre"


@dataclass(frozen=True)
class ArlReading:
    subject: mail_facts.ArlSubject | None
    arl: arl_format.Arl | None
    problem: str | None            # French: why the ARL is unusable


def arl_reading(subject: str, payload: bytes | None) -> ArlReading:
    """An ARL mail's subject and records, read; a French ``problem`` instead of an exception when either is
    unreadable or they disagree."""
    try:
        arl_subject = mail_facts.parse_arl_subject(subject)
    except ValidationError as error:
        return ArlReading(None, None, error.message)
    if not payload:
        return ArlReading(arl_subject, None, "ARL illisible (contenu absent ou mal encodé).")
    try:
        arl = arl_format.read_arl(payload)
    except ValidationError as error:
        return ArlReading(arl_subject, None, error.message)
    if arl.positive != arl_subject.positive:
        return ArlReading(arl_subject, None, "ARL incohérent : l'objet et le contenu ne disent pas le même résultat.")
    return ArlReading(arl_subject, arl, None)

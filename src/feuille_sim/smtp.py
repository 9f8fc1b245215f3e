"""The insurers' mail reception: an aiosmtpd server that accepts lots for ``<régime><caisse>@<caisse>.<régime>.rss.fr``.

Every recipient is checked at ``RCPT`` (FORMATS.md §2: the two halves of the address must agree); any other
address gets a 550 with its reason in French. A mail is stored raw, one row per accepted recipient, then the hooks
run (``hooks.process_mail``). **feuille's own:** the size limit, ``SIZE_LIMIT`` (a B2 file stays under 999 records
of 128 characters, about 128 kB; encrypted and base64 it stays far below 10 MiB).
"""

from __future__ import annotations

import re
import ssl
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from feuille_sim.hooks import process_mail
from feuille_sim.lots import amc
from feuille_sim.state import State, ascii_line

SIZE_LIMIT = 10 * 1024 * 1024
ADDRESS = re.compile(r"^(?P<regime>[0-9]{2})(?P<caisse>[0-9]{3})@(?P<caisse2>[0-9]{3})\.(?P<regime2>[0-9]{2})"
                     r"\.rss\.fr$", re.IGNORECASE)


def organism_of(address: str) -> str | None:
    """``01422`` for ``01422@422.01.rss.fr``, ``AMC1100000000`` for a complementary's ``1100000000@amc.rss.fr``
    (feuille's own, ``feuille_sim.lots.amc``); None for any other address."""
    complementary = amc.organism_of(address)
    if complementary is not None:
        return complementary
    match = ADDRESS.match(address.strip().strip("<>"))
    if not match or match["regime"] != match["regime2"] or match["caisse"] != match["caisse2"]:
        return None
    return match["regime"] + match["caisse"]


class Handler:
    def __init__(self, state: State) -> None:
        self.state = state

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        organism = organism_of(address)
        peer = _peer(session)
        if organism is None:
            self.state.log("smtp", peer, f"RCPT {address[:80]}", "refusé : adresse inconnue")
            return ascii_line("550 5.1.1 Destinataire inconnu : seules les adresses <régime><caisse>@<caisse>.<régime>"
                              ".rss.fr et <n° AMC>@amc.rss.fr existent ici (exemple : 01422@422.01.rss.fr)").decode()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        peer = _peer(session)
        ids = []
        with self.state.transaction() as tx:
            for address in envelope.rcpt_tos:
                organism = organism_of(address) or ""
                ids.append(tx.add_received(str(envelope.mail_from or ""), address, organism, raw))
            tx.log("smtp", peer, f"DATA de {envelope.mail_from} pour {', '.join(envelope.rcpt_tos)} "
                   f"({len(raw)} octets)", f"stocké n° {', '.join(map(str, ids))}")
        for mail_id in ids:
            try:
                process_mail(self.state, mail_id)
            except Exception as exc:  # a hook's bug must not lose the mail: it stays « recu », retried at start
                self.state.log("smtp", peer, f"traitement du courriel n° {mail_id}", f"erreur : {exc!r}"[:300])
        return "250 Message accepte"


def _peer(session: Session) -> str:
    peer: Any = session.peer
    return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)


def smtp_factory(state: State, tls: ssl.SSLContext, hostname: str) -> SMTP:
    return SMTP(Handler(state), hostname=hostname, tls_context=tls, require_starttls=False,
                data_size_limit=SIZE_LIMIT, auth_required=False, auth_require_tls=True, decode_data=False,
                ident="Caisse de test feuille")

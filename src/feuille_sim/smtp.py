"""The insurers' mail reception: an aiosmtpd server that accepts lots for ``<régime><caisse>@<caisse>.<régime>.rss.fr``.

The fault of ``feuille-sim panne --service messagerie`` (``DIR/messagerie-panne.json``): ``erreur`` answers 421 to
MAIL FROM; ``lent`` answers DATA after N seconds (the mail is stored); ``muet`` says nothing after DATA for N seconds
(default an hour: the client gives up first), stores nothing, then answers 421.

Two ports: ``smtp`` (STARTTLS offered) and ``smtps`` (TLS from the first byte, RFC 8314). AUTH (PLAIN, LOGIN) is
offered once the connection is secured, with the practice mailboxes' credentials; it is not required.

Every recipient is checked at ``RCPT`` (FORMATS.md §2: the two halves of the address must agree); any other
address gets a 550 with its reason in French. A mail is stored raw, one row per accepted recipient, then the hooks
run (``hooks.process_mail``). **feuille's own:** the size limit, ``SIZE_LIMIT`` (a B2 file stays under 999 records
of 128 characters, about 128 kB; encrypted and base64 it stays far below 10 MiB).
"""

from __future__ import annotations

import asyncio
import re
import ssl
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from feuille_sim.hooks import process_mail
from feuille_sim.lots import amc
from feuille_sim.state import MAIL_FAULT_FILE, State, ascii_line, read_fault

UNAVAILABLE = "421 4.3.2 Service indisponible (panne de la caisse de test) : reessayez plus tard"

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

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          mail_options: list[str]) -> str:
        if read_fault(self.state.folder, MAIL_FAULT_FILE)[0] == "erreur":
            self.state.log("smtp", _peer(session), f"MAIL FROM {address[:80]}", "refusé : panne (erreur)")
            return UNAVAILABLE
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        peer = _peer(session)
        mode, seconds = read_fault(self.state.folder, MAIL_FAULT_FILE)
        if mode in ("lent", "muet"):   # muet: the client gives up first; nothing is stored, then 421
            await asyncio.sleep(seconds or (3600.0 if mode == "muet" else 0.0))
            if mode == "muet":
                self.state.log("smtp", peer, f"DATA de {envelope.mail_from}", "non stocké : panne (muet)")
                return UNAVAILABLE
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


class Authenticator:
    """AUTH PLAIN / LOGIN with a mailbox's credentials (the practice's ``cabinet``), offered over TLS only.

    Not required (a client may send without logging in, as the lot tests do); a client that logs in with wrong
    credentials gets 535, as a real provider answers, and the attempt is logged.
    """

    def __init__(self, state: State) -> None:
        self.state = state

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                 auth_data: object) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        ok = self.state.check_login(login, auth_data.password.decode("utf-8", "replace"))
        self.state.log("smtp", _peer(session), f"AUTH {mechanism} {login[:40]}", "accepté" if ok else "refusé")
        return AuthResult(success=ok, handled=False)


def smtp_factory(state: State, tls: ssl.SSLContext | None, hostname: str) -> SMTP:
    """One SMTP session. ``tls`` None: the connection is already TLS (the implicit-TLS port), no STARTTLS."""
    return SMTP(Handler(state), hostname=hostname, tls_context=tls, require_starttls=False,
                data_size_limit=SIZE_LIMIT, auth_required=False, auth_require_tls=tls is not None,
                authenticator=Authenticator(state), decode_data=False, ident="Caisse de test feuille")

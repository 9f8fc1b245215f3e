"""The professional's mailbox over IMAP4rev1 (RFC 3501), TLS from the first byte (IMAPS), on asyncio.

The subset the product needs, tested with the standard library's ``imaplib``: CAPABILITY, NOOP, LOGIN, SELECT /
EXAMINE (the one folder INBOX), SEARCH (ALL, SEEN, UNSEEN, DELETED, UNDELETED), FETCH (FLAGS, UID, RFC822.SIZE,
RFC822, BODY[], BODY.PEEK[]), STORE (±FLAGS \\Seen \\Deleted), EXPUNGE, CLOSE, LOGOUT, and UID FETCH/SEARCH/STORE.
A fetched body is marked read (``releve``); ``\\Deleted`` is kept for the session and applied at EXPUNGE or CLOSE.
The same session serves the ``imap_starttls`` port (RFC 3501 STARTTLS): LOGIN is refused until TLS is on
(``LOGINDISABLED``), so the password never travels in clear.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Callable

from feuille_sim.state import State, StoredMail, ascii_line

MAX_LINE = 1024
IDLE_SECONDS = 600
TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(\((?:[^()])*\))|([^\s()"]+)')
SEARCH_KEYS = {"ALL", "SEEN", "UNSEEN", "DELETED", "UNDELETED"}


def tokens(text: str) -> list[str]:
    out = []
    for quoted, group, atom in TOKEN.findall(text):
        out.append(re.sub(r"\\(.)", r"\1", quoted) if quoted else group or atom)
    return out


class Bad(Exception):
    pass


class ImapSession:
    def __init__(self, state: State, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 tls: ssl.SSLContext | None = None) -> None:
        self.state, self.reader, self.writer = state, reader, writer
        self.tls = tls                        # set: a plain connection that must STARTTLS before LOGIN
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.mailbox: str | None = None
        self.selected = False
        self.mails: list[StoredMail] = []
        self.seen: set[int] = set()
        self.deleted: set[int] = set()

    def line(self, text: str) -> None:
        self.writer.write(ascii_line(text) + b"\r\n")

    def capabilities(self) -> str:
        return "IMAP4rev1" + (" STARTTLS LOGINDISABLED" if self.tls is not None else "")

    async def starttls(self, tag: str) -> None:
        if self.tls is None:
            self.line(f"{tag} BAD TLS deja actif")
            return
        self.line(f"{tag} OK debut de la negociation TLS")
        await self.writer.drain()
        await self.writer.start_tls(self.tls)
        self.tls = None

    async def run(self) -> None:
        self.line(f"* OK [CAPABILITY {self.capabilities()}] Caisse de test feuille, IMAP prêt")
        await self.writer.drain()
        while True:
            try:
                raw = await asyncio.wait_for(self.reader.readline(), IDLE_SECONDS)
            except (TimeoutError, ValueError):
                self.line("* BYE ligne trop longue ou session inactive")
                await self.writer.drain()
                return
            if not raw:
                return
            tag, _, rest = raw.decode("utf-8", "replace").strip().partition(" ")
            command, _, argument = rest.partition(" ")
            if command.upper() == "STARTTLS":
                await self.starttls(tag or "*")
                continue
            try:
                done = self.dispatch(tag or "*", command.upper(), argument)
            except Bad as exc:
                self.line(f"{tag or '*'} BAD {exc}")
                done = False
            await self.writer.drain()
            if done:
                return

    def dispatch(self, tag: str, command: str, argument: str) -> bool:
        """Answer one command; True ends the session."""
        if len(argument) > MAX_LINE or argument.rstrip().endswith("}"):
            raise Bad("commande trop longue ou littéral non pris en charge")
        if command == "LOGOUT":
            self.line("* BYE au revoir")
            self.line(f"{tag} OK LOGOUT terminé")
            return True
        if command == "CAPABILITY":
            self.line(f"* CAPABILITY {self.capabilities()}")
        elif command == "NOOP":
            pass
        elif command == "LOGIN" and self.tls is not None:
            self.line(f"{tag} NO [PRIVACYREQUIRED] STARTTLS d'abord : le mot de passe ne circule pas en clair")
            return False
        elif command == "LOGIN":
            self.login(tag, tokens(argument))
            return False
        elif self.mailbox is None:
            raise Bad("identification requise (LOGIN)")
        elif command in ("SELECT", "EXAMINE"):
            self.select(argument)
        elif not self.selected:
            raise Bad("sélectionnez INBOX d'abord (SELECT)")
        elif command == "UID":
            sub, _, rest = argument.partition(" ")
            self.selected_command(sub.upper(), rest, by_uid=True)
        else:
            self.selected_command(command, argument, by_uid=False)
        self.line(f"{tag} OK {command} terminé")
        return False

    def login(self, tag: str, args: list[str]) -> None:
        if len(args) != 2:
            raise Bad("LOGIN utilisateur mot_de_passe")
        if self.state.check_login(args[0], args[1]):
            self.mailbox = args[0]
            self.state.log("imap", self.peer, f"connexion de {args[0]}", "ok")
            self.line(f"{tag} OK LOGIN terminé")
        else:
            self.state.log("imap", self.peer, f"connexion de {args[0][:60]}", "refusée")
            self.line(f"{tag} NO identifiant ou mot de passe faux")

    def select(self, argument: str) -> None:
        if [t.upper() for t in tokens(argument)] != ["INBOX"]:
            raise Bad("seule la boîte INBOX existe")
        assert self.mailbox is not None
        self.mails = self.state.mailbox_content(self.mailbox)
        self.seen = {m.id for m in self.mails if m.fetched}
        self.deleted = set()
        self.selected = True
        self.line(f"* {len(self.mails)} EXISTS")
        self.line("* 0 RECENT")
        self.line("* FLAGS (\\Seen \\Deleted)")
        self.line("* OK [UIDVALIDITY 1] identifiants stables")

    def selected_command(self, command: str, argument: str, by_uid: bool) -> None:
        if command == "SEARCH":
            self.search(argument, by_uid)
        elif command == "FETCH":
            sequence, _, items = argument.partition(" ")
            for number, mail in self.pick(sequence, by_uid):
                self.fetch(number, mail, items.upper(), by_uid)
        elif command == "STORE":
            self.store(argument, by_uid)
        elif command in ("EXPUNGE", "CLOSE"):
            self.expunge(announce=command == "EXPUNGE")
            self.selected = command != "CLOSE"
        else:
            raise Bad("commande inconnue")

    def pick(self, sequence: str, by_uid: bool) -> list[tuple[int, StoredMail]]:
        numbered = list(enumerate(self.mails, 1))
        if not numbered:
            return []
        top = self.mails[-1].id if by_uid else len(self.mails)
        wanted: set[int] = set()
        for part in sequence.split(","):
            low, _, high = part.partition(":")
            try:
                a = top if low == "*" else int(low)
                b = a if not high else top if high == "*" else int(high)
            except ValueError as exc:
                raise Bad("ensemble de messages invalide") from exc
            wanted.update(range(min(a, b), min(max(a, b), top) + 1))
        return [(n, m) for n, m in numbered if (m.id if by_uid else n) in wanted]

    def flags(self, mail: StoredMail) -> str:
        names = [f for f, on in (("\\Seen", mail.id in self.seen), ("\\Deleted", mail.id in self.deleted)) if on]
        return "(" + " ".join(names) + ")"

    def search(self, argument: str, by_uid: bool) -> None:
        keys = [t.upper() for t in tokens(argument)]
        if not keys or any(k not in SEARCH_KEYS for k in keys):
            raise Bad("critères pris en charge : ALL SEEN UNSEEN DELETED UNDELETED")
        tests: dict[str, Callable[[StoredMail], bool]] = {
            "ALL": lambda m: True, "SEEN": lambda m: m.id in self.seen, "UNSEEN": lambda m: m.id not in self.seen,
            "DELETED": lambda m: m.id in self.deleted, "UNDELETED": lambda m: m.id not in self.deleted}
        found = [str(m.id if by_uid else n) for n, m in enumerate(self.mails, 1) if all(tests[k](m) for k in keys)]
        self.line("* SEARCH" + "".join(" " + f for f in found))

    def fetch(self, number: int, mail: StoredMail, items: str, by_uid: bool) -> None:
        parts: list[str] = []
        literal: bytes | None = None
        if by_uid or "UID" in items:
            parts.append(f"UID {mail.id}")
        if "RFC822.SIZE" in items:
            parts.append(f"RFC822.SIZE {len(mail.raw)}")
        bare = items.replace("RFC822.SIZE", "")
        body_name = next((n for n in ("BODY.PEEK[]", "BODY[]", "RFC822") if n in bare), None)
        if body_name is not None and not body_name.startswith("BODY.PEEK") and mail.id not in self.seen:
            self.seen.add(mail.id)
            self.state.mark_fetched([mail.id])
            self.state.log("imap", self.peer, f"FETCH n° {mail.id} ({self.mailbox})", "ok")
        if "FLAGS" in items:
            parts.append(f"FLAGS {self.flags(mail)}")
        if body_name is not None:
            literal = mail.raw
            parts.append(f"{'BODY[]' if body_name.startswith('BODY') else 'RFC822'} {{{len(mail.raw)}}}")
        if not parts:
            raise Bad("éléments FETCH pris en charge : FLAGS UID RFC822.SIZE RFC822 BODY[] BODY.PEEK[]")
        head = f"* {number} FETCH (" + " ".join(parts)
        if literal is None:
            self.line(head + ")")
        else:
            self.writer.write(head.encode() + b"\r\n" + literal + b")\r\n")

    def store(self, argument: str, by_uid: bool) -> None:
        sequence, _, rest = argument.partition(" ")
        action, _, flag_list = rest.partition(" ")
        action = action.upper()
        base = action.removesuffix(".SILENT")
        if base not in ("+FLAGS", "-FLAGS", "FLAGS"):
            raise Bad("STORE ensemble +FLAGS|-FLAGS|FLAGS (\\Seen \\Deleted)")
        names = {f.lower() for f in flag_list.strip("() ").split()}
        for number, mail in self.pick(sequence, by_uid):
            for name, bucket in (("\\seen", self.seen), ("\\deleted", self.deleted)):
                if name in names and base != "-FLAGS":
                    bucket.add(mail.id)
                elif name in names or base == "FLAGS":
                    bucket.discard(mail.id)
            if mail.id in self.seen:
                self.state.mark_fetched([mail.id])
            if action == base:
                self.line(f"* {number} FETCH (FLAGS {self.flags(mail)}" + (f" UID {mail.id})" if by_uid else ")"))

    def expunge(self, announce: bool) -> None:
        assert self.mailbox is not None
        gone = [(n, m) for n, m in enumerate(self.mails, 1) if m.id in self.deleted]
        if gone:
            self.state.delete_mails(self.mailbox, [m.id for _, m in gone])
            self.state.log("imap", self.peer, f"EXPUNGE ({self.mailbox})", f"{len(gone)} supprimé(s)")
        if announce:
            for number, _ in reversed(gone):   # descending: each number is still right when it is announced
                self.line(f"* {number} EXPUNGE")
        self.mails = [m for m in self.mails if m.id not in self.deleted]
        self.deleted = set()


async def serve_client(state: State, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       tls: ssl.SSLContext | None = None) -> None:
    """``tls`` given: the connection is plain and the client must STARTTLS with it (port ``imap_starttls``)."""
    session = ImapSession(state, reader, writer, tls)
    try:
        await session.run()
    except (ConnectionError, ssl.SSLError, OSError, asyncio.IncompleteReadError) as exc:
        state.log("imap", session.peer, "session interrompue", type(exc).__name__)
    finally:
        writer.close()

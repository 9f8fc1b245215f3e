"""The professional's mailbox over POP3 (RFC 1939, STLS from RFC 2595), on asyncio.

No maintained asyncio POP3 server exists on PyPI (``aiopop3`` had one release, 0.1, years ago), so this is written
here; it is tested with the standard library's ``poplib``, the client the product uses. Authentication is refused
before ``STLS`` (the password never travels in clear). Deletions are applied at ``QUIT`` only (UPDATE state);
a dropped connection deletes nothing. The same session serves the ``pop3s`` port (RFC 8314: TLS from the first byte,
``secure`` from the start, no STLS).
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl

from feuille_sim.state import State, StoredMail, ascii_line

MAX_LINE = 512   # RFC 2449: a command line is at most 255 octets; a longer one is junk
IDLE_SECONDS = 600


def uid(mail: StoredMail) -> str:
    return f"{mail.id}-{hashlib.sha256(mail.raw).hexdigest()[:16]}"


def dot_stuffed(raw: bytes) -> bytes:
    lines = raw.replace(b"\r\n", b"\n").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return b"".join((b"." + line if line.startswith(b".") else line) + b"\r\n" for line in lines)


class Pop3Session:
    def __init__(self, state: State, tls: ssl.SSLContext, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter, secure: bool = False) -> None:
        self.state, self.tls, self.reader, self.writer = state, tls, reader, writer
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.user: str | None = None
        self.mailbox: str | None = None
        self.mails: list[StoredMail] = []
        self.deleted: set[int] = set()
        self.secure = secure

    async def send(self, line: str, body: bytes | None = None) -> None:
        self.writer.write(ascii_line(line) + b"\r\n")
        if body is not None:
            self.writer.write(body + b".\r\n")
        await self.writer.drain()

    async def run(self) -> None:
        await self.send("+OK Caisse de test feuille, POP3 prêt")
        while True:
            try:
                line = await asyncio.wait_for(self.reader.readline(), IDLE_SECONDS)
            except (TimeoutError, ValueError):   # ValueError: a line beyond the stream limit
                await self.send("-ERR ligne trop longue ou session inactive : au revoir")
                return
            if not line:
                return
            if len(line) > MAX_LINE:
                await self.send("-ERR commande trop longue")
                continue
            text = line.decode("utf-8", "replace").strip()
            command, _, argument = text.partition(" ")
            if not await self.dispatch(command.upper(), argument):
                return

    async def dispatch(self, command: str, argument: str) -> bool:
        """Answer one command; False ends the session."""
        if command == "QUIT":
            return await self.quit()
        if command == "CAPA":
            await self.send("+OK capacités", b"USER\r\nUIDL\r\nTOP\r\n" + (b"" if self.secure else b"STLS\r\n"))
        elif command == "STLS":
            await self.starttls()
        elif command in ("USER", "PASS"):
            await self.login(command, argument)
        elif self.mailbox is None:
            await self.send("-ERR commande inconnue ou identification requise (USER puis PASS)")
        else:
            await self.transaction_command(command, argument)
        return True

    async def starttls(self) -> None:
        if self.secure:
            await self.send("-ERR TLS déjà actif")
            return
        await self.send("+OK début de la négociation TLS")
        await self.writer.start_tls(self.tls)
        self.secure = True

    async def login(self, command: str, argument: str) -> None:
        if self.mailbox is not None:
            await self.send("-ERR déjà identifié")
        elif not self.secure:
            await self.send("-ERR STLS d'abord : le mot de passe ne circule pas en clair")
        elif command == "USER":
            self.user = argument.strip()
            await self.send("+OK utilisateur noté")
        elif self.user is None:
            await self.send("-ERR USER d'abord")
        elif self.state.check_login(self.user, argument):
            self.mailbox = self.user
            self.mails = self.state.mailbox_content(self.user)
            self.state.log("pop3", self.peer, f"connexion de {self.user}", f"{len(self.mails)} courriel(s)")
            await self.send(f"+OK boîte {self.user} : {len(self.mails)} courriel(s)")
        else:
            self.state.log("pop3", self.peer, f"connexion de {self.user[:60]}", "refusée")
            self.user = None
            await self.send("-ERR identifiant ou mot de passe faux")

    def _message(self, argument: str) -> StoredMail | None:
        try:
            number = int(argument.split()[0])
        except (ValueError, IndexError):
            return None
        if 1 <= number <= len(self.mails) and self.mails[number - 1].id not in self.deleted:
            return self.mails[number - 1]
        return None

    def _live(self) -> list[tuple[int, StoredMail]]:
        return [(n, m) for n, m in enumerate(self.mails, 1) if m.id not in self.deleted]

    async def transaction_command(self, command: str, argument: str) -> None:
        if command == "NOOP":
            await self.send("+OK")
        elif command == "STAT":
            live = self._live()
            await self.send(f"+OK {len(live)} {sum(len(m.raw) for _, m in live)}")
        elif command in ("LIST", "UIDL"):
            await self.listing(command, argument)
        elif command in ("RETR", "TOP", "DELE"):
            await self.message_command(command, argument)
        elif command == "RSET":
            self.deleted.clear()
            await self.send(f"+OK {len(self.mails)} courriel(s)")
        else:
            await self.send("-ERR commande inconnue")

    async def listing(self, command: str, argument: str) -> None:
        def item(number: int, mail: StoredMail) -> str:
            return f"{number} {len(mail.raw) if command == 'LIST' else uid(mail)}"
        if argument.strip():
            mail = self._message(argument)
            if mail is None:
                await self.send("-ERR pas de tel courriel")
            else:
                await self.send("+OK " + item(self.mails.index(mail) + 1, mail))
            return
        body = "".join(item(n, m) + "\r\n" for n, m in self._live()).encode()
        await self.send(f"+OK {len(self._live())} courriel(s)", body)

    async def message_command(self, command: str, argument: str) -> None:
        mail = self._message(argument)
        if mail is None:
            await self.send("-ERR pas de tel courriel")
        elif command == "DELE":
            self.deleted.add(mail.id)
            await self.send("+OK courriel marqué pour suppression")
        elif command == "RETR":
            self.state.mark_fetched([mail.id])
            self.state.log("pop3", self.peer, f"RETR n° {mail.id} ({self.mailbox})", "ok")
            await self.send(f"+OK {len(mail.raw)} octets", dot_stuffed(mail.raw))
        else:
            parts = argument.split()
            if len(parts) != 2 or not parts[1].isdigit():
                await self.send("-ERR TOP numéro lignes")
                return
            head, sep, body = mail.raw.replace(b"\r\n", b"\n").partition(b"\n\n")
            kept = b"\n".join(body.split(b"\n")[: int(parts[1])]) if body else b""
            await self.send("+OK", dot_stuffed(head + sep + kept))

    async def quit(self) -> bool:
        if self.mailbox is not None and self.deleted:
            self.state.delete_mails(self.mailbox, sorted(self.deleted))
            self.state.log("pop3", self.peer, f"QUIT ({self.mailbox})", f"{len(self.deleted)} supprimé(s)")
        await self.send("+OK au revoir")
        return False


async def serve_client(state: State, tls: ssl.SSLContext, reader: asyncio.StreamReader,
                       writer: asyncio.StreamWriter, secure: bool = False) -> None:
    session = Pop3Session(state, tls, reader, writer, secure)
    try:
        await session.run()
    except (ConnectionError, ssl.SSLError, OSError, asyncio.IncompleteReadError) as exc:
        state.log("pop3", session.peer, "session interrompue", type(exc).__name__)
    finally:
        writer.close()

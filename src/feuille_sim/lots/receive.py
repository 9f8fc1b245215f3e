"""The ``lots`` hook: every mail received by an insurer mailbox is opened, read, checked and answered by an ARL.

One ARL per lot of the B2 file, queued at once in the professional's mailbox (``cabinet``), dated by the caisse's
clock. Never a crash and never a lot dropped silently: a mail that cannot be opened or read gets a negative ARL
naming the reason (code 5001 for the mail, the reader's codes for the file) when its sender can be identified
(the subject ``IR…/sender/stamp/count``, or the file's header and the Message-ID's stamp); otherwise it is logged
in the exchange log and marked ``sans_reponse``. A hook failure is caught (savepoint rolled back) and answered
as an unreadable mail. The scenario rule ``perdre_arl`` (lot, or every lot) checks and stores the lot but sends
no ARL; ``rejeter``, ``payer_partiel`` and ``doubler_retour`` belong to the paying step (NOEMIE).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import date
from email.message import Message
from pathlib import Path

from cryptography import x509

from feuille.formats import arl as arl_format
from feuille.formats import b2, b2_reader
from feuille.formats import b2_file as m
from feuille_sim.hooks import on_mail_received
from feuille_sim.lots import amc, checks, mime, references, scor, store
from feuille_sim.lots.answer import TEST_ORGANISM, Reply, arl_mail
from feuille_sim.pki import Pki, file_stem
from feuille_sim.state import Tx

_LOT_FIELD = re.compile(r"[A-Z0-9 ]{3}")


@dataclass(frozen=True)
class Mail:
    id: int
    organism: str
    raw: bytes
    sender: str
    ident: str                       # Message-ID, else the SHA-256 of the raw mail

    @property
    def complementary(self) -> bool:
        return amc.is_amc(self.organism)

    @property
    def regime(self) -> str:
        return amc.ARL_REGIME if self.complementary else self.organism[:2]

    @property
    def caisse(self) -> str:
        return amc.ARL_CAISSE if self.complementary else self.organism[2:]


@dataclass(frozen=True)
class LotAnswer:
    lot_number: str
    arl: arl_format.Arl
    lot: m.Lot | None = None
    partner: str = ""
    fingerprint: str = ""
    resent: bool = False


def folder_of(tx: Tx) -> Path:
    """The caisse's folder: the directory of the state's database file (a hook receives only ``tx``)."""
    for _, name, path in tx.execute("PRAGMA database_list"):
        if name == "main" and path:
            return Path(path).parent
    raise RuntimeError("state database without a file")


@on_mail_received("lots")
def receive(tx: Tx, mail_id: int) -> None:
    store.ensure_schema(tx, str(folder_of(tx)))
    row = tx.received(mail_id)
    raw = bytes(row["raw"])
    try:
        message = mime.parse(raw)
        envelope = mime.envelope(message)
    except Exception:  # the email package on junk: an empty message, answered as unreadable
        message = Message()
        envelope = mime.Envelope("", None, None, "")
    mail = Mail(mail_id, str(row["organism"]), raw, str(row["sender"]),
                envelope.message_id or "sha256:" + hashlib.sha256(raw).hexdigest())
    earlier = store.answered_mail(tx, mail.organism, mail.ident)
    if earlier is not None and earlier != mail_id:
        tx.set_received_status(mail_id, "doublon", f"même courriel que le n° {earlier} : déjà répondu")
        tx.log("lots", mail.sender, f"courriel n° {mail_id} ({mail.organism})", f"doublon du n° {earlier}")
        return
    tx.execute("SAVEPOINT lots")
    try:
        answers, test = _answers(tx, mail, message)
        _send(tx, mail, envelope, answers, test)
    except Exception as exc:  # a bug must not lose the mail: it is answered as unreadable, the cause logged
        tx.execute("ROLLBACK TO lots")
        tx.log("lots", mail.sender, f"courriel n° {mail_id}", f"erreur interne : {exc!r}"[:300])
        _answer_failure(tx, mail, envelope, exc)
    tx.execute("RELEASE lots")


def _answer_failure(tx: Tx, mail: Mail, envelope: mime.Envelope, first: Exception) -> None:
    try:
        answers = _unreadable(tx, mail, b"", [(None, "mail_unreadable", "erreur de la caisse de test à "
                                               "l'ouverture du courriel")])
        _send(tx, mail, envelope, answers, mail.organism == TEST_ORGANISM)
    except Exception as exc:  # not even a negative ARL: the mail is marked and the reason logged
        tx.execute("ROLLBACK TO lots")
        tx.set_received_status(mail.id, "sans_reponse", f"erreur de la caisse de test : {type(exc).__name__}")
        tx.log("lots", mail.sender, f"courriel n° {mail.id}",
               f"sans réponse, erreurs internes : {first!r} puis {exc!r}"[:500])


def _answers(tx: Tx, mail: Mail, message: Message) -> tuple[list[LotAnswer], bool]:
    pki = Pki(folder_of(tx))
    certificate_file = pki.organisms_dir / f"{file_stem(mail.organism)}.pem"
    if not certificate_file.exists():
        return _unreadable(tx, mail, b"", [(None, "unknown_organism", f"organisme {mail.organism} inconnu de la "
                                            "caisse de test (aucun certificat publié)")]), False
    certificate = x509.load_pem_x509_certificate(certificate_file.read_bytes())
    try:
        opened = mime.open_lot(message, certificate, pki.organism_key(mail.organism))
    except mime.Unreadable as exc:
        return _unreadable(tx, mail, b"", [(None, "mail_unreadable", exc.message)]), mail.organism == TEST_ORGANISM
    test = opened.description.test or mail.organism == TEST_ORGANISM
    if opened.scor_lot is not None:   # a SCOR lot's own mail: its own ARL
        done = scor.answer(tx, mail.id, mail.regime, mail.caisse, opened.scor_lot, tx.today())
        return [LotAnswer(done.fse_lot, done.arl)], test
    for piece in opened.scor:
        store.add_scor_piece(tx, piece.billing_number, piece.invoice_number, mail.id, piece.content_type, piece.size)
    reading = b2_reader.read_b2(opened.b2)
    if reading.file is None:
        problems = [(p.record, p.code, p.message) for p in reading.problems] or [(None, "empty_file", "vide")]
        return _unreadable(tx, mail, opened.b2, problems), test
    if not reading.file.lots:   # answered, not dropped: 1999 « fichier non conforme »
        return _unreadable(tx, mail, opened.b2, [(None, "no_lot", "fichier sans aucun lot")]), test
    found = [checks.Problem(p.record, p.code, p.message) for p in reading.problems]
    return _checked(tx, mail, reading.file, _lines(opened.b2), found), test


def _lines(data: bytes) -> list[str]:
    """The records as the reader splits them (the file read well, so it is ASCII)."""
    text = data.decode("ascii")
    if "\n" in text or "\r" in text:
        return [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line]
    return [text[i:i + b2.RECORD_LENGTH] for i in range(0, len(text), b2.RECORD_LENGTH)]


def _checked(tx: Tx, mail: Mail, file: m.B2File, lines: list[str], found: list[checks.Problem]
             ) -> list[LotAnswer]:
    """Lot by lot: the reader's problems (counts or totals, the file's models then being given) refuse the lot
    they are in, or every lot when they are the file's; a lot without any is checked."""
    today = tx.today()
    cards = references.known_cards(references.cards_dir(folder_of(tx)))
    envelope_problems = (amc.check_envelope(file, mail.organism) if mail.complementary
                         else checks.check_envelope(file, mail.regime, mail.caisse))
    out = []
    placed_lots = checks.place(file, lines)
    for placed in placed_lots:
        lot = placed.lot
        partner, number = lot.header.partner_number, lot.header.lot_number
        fingerprint = hashlib.sha256(placed.text.encode("ascii", errors="replace")).hexdigest()
        base = arl_format.Arl(file.header.recipient_number, file.header.sender_number, file.header.file_id,
                              number, mail.regime, mail.caisse, today)
        problems = envelope_problems + checks.problems_of(placed, placed_lots, found)
        before = store.same_lot(tx, mail.organism, partner, number, fingerprint)
        if before is not None and not problems:
            out.append(LotAnswer(number, arl_format.read_arl(before.arl), lot, partner, fingerprint, resent=True))
            continue
        if not problems:
            billing = {i.billing_number for i in lot.invoices}
            known = (amc.known_invoices(tx, mail.organism, billing) if mail.complementary
                     else store.known_invoices(tx, billing))
            context = checks.Context(mail.regime, mail.caisse, today, cards,
                                     store.expected_lot(store.previous_lot(tx, mail.organism, partner)),
                                     known, store.scor_pieces(tx, billing),
                                     store.expected_lot(store.previous_received(tx, mail.organism, partner)))
            problems = (amc.check_lot(placed, mail.organism) if mail.complementary else []) \
                + checks.check_lot(placed, context)
        arl = (arl_format.negative(base, arl_format.details_for((p.record, p.code, p.message) for p in problems))
               if problems else base)
        answer = LotAnswer(number, arl, lot, partner, fingerprint)
        _record(tx, mail, answer, today)
        out.append(answer)
    return out


def _record(tx: Tx, mail: Mail, answer: LotAnswer, today: date) -> None:
    status = "accepte" if answer.arl.positive else "refuse"
    store.add_lot(tx, store.LotRow(
        mail.id, mail.organism, answer.arl.sender_number, answer.partner, answer.arl.file_id, answer.lot_number,
        answer.fingerprint, today, status, answer.arl.reason, arl_format.write_arl(answer.arl), answer.lot))


def _unreadable(tx: Tx, mail: Mail, data: bytes, problems: list[tuple[int | None, str, str]]) -> list[LotAnswer]:
    """Negative ARLs for a mail or file that could not be read: one per lot header found in the raw records (lot
    ``000`` when none), each with every problem."""
    text = data.decode("ascii", errors="replace")
    lines = (text.replace("\r", "\n").split("\n") if "\n" in text or "\r" in text
             else [text[i:i + b2.RECORD_LENGTH] for i in range(0, len(text), b2.RECORD_LENGTH)])
    head = lines[0] if lines and lines[0].startswith("000") else ""
    sender = head[5:19] if head[5:19].isdigit() and len(head[5:19]) == 14 else ""
    organism_number = head[27:41] if head[27:41].isdigit() and len(head[27:41]) == 14 else \
        f"000000{mail.regime}000{mail.caisse}"
    file_id = head[49:55] if head[49:55].isdigit() and len(head[49:55]) == 6 else "000000"
    lots = [line[19:22] for line in lines if len(line) == b2.RECORD_LENGTH and b2.record_kind(line)
            is b2.RecordKind.LOT_HEADER and _LOT_FIELD.fullmatch(line[19:22])] or ["000"]
    base = arl_format.Arl(organism_number, sender or "0" * 14, file_id, "", mail.regime, mail.caisse, tx.today())
    details = arl_format.details_for(problems)
    out = []
    for number in dict.fromkeys(lots):
        arl = arl_format.negative(_with_lot(base, number), details)
        answer = LotAnswer(number, arl)
        _record(tx, mail, answer, tx.today())
        out.append(answer)
    return out


def _with_lot(base: arl_format.Arl, number: str) -> arl_format.Arl:
    return arl_format.Arl(base.organism_number, base.sender_number, base.file_id, number.strip() or "000",
                          base.regime, base.caisse, base.arl_date)


def _lost(tx: Tx, lot_number: str) -> bool:
    """The scenario says this lot's ARL is lost (``perdre_arl`` without a lot: every lot)."""
    for rule in tx.rules("perdre_arl"):
        wanted = rule.get("lot")
        if wanted is None or (lot_number.isdigit() and int(lot_number) == wanted):
            return True
    return False


def _send(tx: Tx, mail: Mail, envelope: mime.Envelope, answers: list[LotAnswer], test: bool) -> None:
    sender = envelope.subject.sender_number if envelope.subject else ""
    results = []
    for index, answer in enumerate(answers, start=1):
        arl = answer.arl
        result = f"lot {answer.lot_number} " + ("accepté" if arl.positive else f"refusé ({arl.reason})")
        if answer.resent:
            result += " (renvoi d'un lot déjà accepté)"
        stamp = envelope.stamp
        number = sender or (arl.sender_number if arl.sender_number != "0" * 14 else "")
        if _lost(tx, answer.lot_number):
            result += ", ARL perdu (scénario)"
        elif stamp is None or not number:
            result += ", sans ARL : émetteur non identifiable (objet et en-tête illisibles)"
        else:
            key = f"arl/{mail.organism}/{mail.ident}/{index}-{answer.lot_number}"
            reply = Reply(mail.organism, number, stamp, envelope.message_id, envelope.sender_address, test)
            try:
                outgoing = arl_mail(reply, arl, key)
            except ValueError:   # the lot mail's From or Message-ID cannot be a header of ours: answer without
                outgoing = arl_mail(replace(reply, message_id="", to=""), arl, key)
            tx.add_outgoing(outgoing)
        results.append(result)
    summary = " ; ".join(results)
    answered = all("sans ARL" not in r for r in results)
    tx.set_received_status(mail.id, "traite" if answered else "sans_reponse", summary)
    tx.log("lots", mail.sender or "?", f"courriel n° {mail.id} pour {mail.organism}", summary)
    store.mark_answered(tx, mail.organism, mail.ident, mail.id, summary)

"""Sending without the network: lots made straight in the tables (as lotting and « mettre en fichier » leave them)
and an in-memory transport that answers each mail with an ARL, loses it, or refuses the mail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from feuille.auth import Context
from feuille.billing import state as invoice_state
from feuille.domain.invoices import Event
from feuille.domain.lots import LotState
from feuille.errors import TransmissionError
from feuille.formats import arl as arl_format
from feuille.formats import mail as mail_facts
from feuille.storage.models import B2FileRow, Invoice, Lot, LotInvoice
from feuille.transmission.transport import Incoming, OutgoingFile, SendReceipt

SENDER = "00000001033901"


def make_lot(ctx: Context, invoice_ids: list[int], *, number: str = "001", regime: str = "01",
             caisse: str = "996", state: LotState = LotState.FICHIER_CREE) -> int:
    """A lot holding these secured invoices (« en lot »), its B2 file written (its bytes are a stand-in: the
    fake transport does not read them)."""
    now = ctx.clock()
    with ctx.db.transaction() as session:
        rows = [invoice_state.load(session, i, lock=True) for i in sorted(invoice_ids)]
        for row in rows:
            invoice_state.advance(ctx, session, row, Event.ADD_TO_LOT)
        file = B2FileRow(sender=SENDER, file_id=f"{len(invoice_ids):02d}{number}0"[:6].rjust(6, "0"),
                         content=b"000" + b" " * 125, sha256="0" * 64, record_count=1, created_by="test",
                         created_at=now)
        session.add(file)
        session.flush()
        lot = Lot(professional_id=rows[0].professional_id, kind="FSE", recipient_kind="amo",
                  recipient=f"{regime} {caisse}", regime=regime, caisse=caisse, centre=None, amc_number=None,
                  certification="S", number=number, lot_date=now.date(), state=state.value, version=1,
                  b2_file_id=file.id, invoice_count=len(rows), total_fees=sum((r.total for r in rows), Decimal(0)),
                  total_amo=sum((r.amo for r in rows), Decimal(0)), total_amc=sum((r.amc for r in rows), Decimal(0)),
                  received_on=None, arl_label=None, handling=None, created_by="test", created_at=now,
                  updated_at=now)
        session.add(lot)
        session.flush()
        for position, row in enumerate(rows, start=1):
            session.add(LotInvoice(lot_id=lot.id, invoice_id=row.id, position=position, live=True))
        return lot.id


def lot_row(ctx: Context, lot_id: int) -> Lot:
    with ctx.db.read() as session:
        lot = session.get(Lot, lot_id)
        assert lot is not None
        session.expunge(lot)
        return lot


def invoice_states(ctx: Context, invoice_ids: list[int]) -> list[str]:
    with ctx.db.read() as session:
        return [str(session.get(Invoice, i).state) for i in invoice_ids]  # type: ignore[union-attr]


@dataclass
class FakeTransport:
    """Answers each accepted mail at once with an ARL in its mailbox (``answer``: « P », « N », or None to lose it);
    ``refuse`` makes the next sendings fail as an unreachable server would."""

    answer: str | None = "P"
    reason: str = "2004"
    refuse: bool = False
    mailbox_down: bool = False
    sent: list[OutgoingFile] = field(default_factory=list)
    mailbox: dict[str, Incoming] = field(default_factory=dict)
    forgotten: list[str] = field(default_factory=list)

    def send(self, item: OutgoingFile) -> SendReceipt:
        if self.refuse:
            raise TransmissionError("Serveur d'envoi (SMTP) injoignable : rien n'a été envoyé.",
                                    code="smtp_unreachable")
        self.sent.append(item)
        if self.answer is not None:
            self.mailbox[f"m{len(self.mailbox) + 1}"] = arl_incoming(item, self.answer == "P", self.reason,
                                                                     f"<arl-{item.stamp}-{len(self.sent)}@t>")
        return SendReceipt(f"<{item.stamp}@cabinet.test>", item.stamp, item.recipient.mail_address, 100, "250 OK")

    def receive(self) -> list[Incoming]:
        if self.mailbox_down:
            raise TransmissionError("Boîte aux lettres (POP3/IMAP) injoignable.", code="mailbox_unreachable")
        return [Incoming(key, mail.kind, mail.test, mail.subject, mail.payload, mail.message_id, mail.raw,
                         mail.problem) for key, mail in self.mailbox.items()]

    def forget(self, incoming_ids: object) -> None:
        for key in list(incoming_ids):  # type: ignore[call-overload]
            self.forgotten.append(key)
            self.mailbox.pop(key, None)


def arl_incoming(item: OutgoingFile, positive: bool, reason: str, message_id: str,
                 day: date = date(2025, 1, 15)) -> Incoming:
    base = arl_format.Arl("00000001000996", item.sender_number, item.file_id, "001", item.recipient.regime,
                          item.recipient.caisse, day)
    arl = base if positive else arl_format.negative(
        base, (arl_format.ArlDetail(reason, 2, "LOT N 002 ATTENDU"),))
    subject = mail_facts.build_arl_subject(mail_facts.ArlSubject(item.sender_number, item.stamp, positive))
    payload = arl_format.write_arl(arl).encode("ascii")
    return Incoming("", "ARL", True, subject, payload, message_id, b"raw:" + payload)

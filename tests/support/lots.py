"""Building lots as a sender would, for the caisse de test's lot tests and benchmark.

Cards: a card directory whose CPS and Vitale cards have software keys (the caisse reads only the public keys of
``cards/*.json``; signing through SoftHSM for a thousand invoices would only slow the tests down). Lots: B2 files
written with ``feuille.formats.b2_file``, signed by those keys over ``signed_data``, put in an S/MIME mail for the
organism's certificate with ``cryptography``'s PKCS#7 builder, sent over SMTP (STARTTLS); ARLs fetched over POP3
(STLS) with the standard library, the clients the product uses.
"""

from __future__ import annotations

import base64
import email
import email.policy
import gzip
import json
import poplib
import smtplib
import ssl
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage, Message
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7

from feuille.domain.identifiers import nir_key
from feuille.formats import arl as arl_format
from feuille.formats import b2
from feuille.formats import b2_file as m
from feuille.formats import mail as mail_facts

D = Decimal


@dataclass(frozen=True)
class SoftCard:
    name: str
    signer: m.Signer
    key: ec.EllipticCurvePrivateKey

    @property
    def public_der(self) -> bytes:
        return self.key.public_key().public_bytes(serialization.Encoding.DER,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(self, invoice: m.Invoice, digest: bytes | None = None) -> m.InvoiceSignature:
        """Content B, or content D with ``digest`` (what feuille's cards sign: the records and a JSON's digest)."""
        value = self.key.sign(m.message(m.signed_data(invoice), digest), ec.ECDSA(hashes.SHA256()))
        return m.InvoiceSignature(self.signer, "ES256", m.key_fingerprint(self.public_der), value, digest)


def write_card_dir(root: Path) -> dict[str, SoftCard]:
    """``cps`` (billing number 996102182) and ``vitale`` (the insured ``nir(1)``) cards, card_files format 1, in
    ``root/cards``; their keys stay with the test."""
    cards = {"cps": SoftCard("cps", m.Signer.CPS, ec.generate_private_key(ec.SECP256R1())),
             "vitale": SoftCard("vitale", m.Signer.VITALE, ec.generate_private_key(ec.SECP256R1()))}
    (root / "cards").mkdir(parents=True, exist_ok=True)
    public = {name: base64.b64encode(card.public_der).decode("ascii") for name, card in cards.items()}
    files = {
        "cps": {"format": 1, "kind": "cps", "serial": "2501009999", "token_label": "2501009999",
                "public_key": public["cps"],
                "holder": {"civility": "Madame", "last_name": "ESSAI", "first_name": "Lot", "rpps": None,
                           "billing_number": "99610218 2", "specialty": "01", "mode": "liberal", "situation": 1,
                           "caisse": "996", "sector": 1}},
        "vitale": {"format": 1, "kind": "vitale", "serial": "3001009999", "insured_nir": " ".join(nir(1)),
                   "public_key": public["vitale"],
                   "beneficiaries": [{"last_name": "ESSAI", "first_name": "Lot", "rank": 1}]},
    }
    for name, data in files.items():
        (root / "cards" / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    return cards


def nir(serial: int) -> tuple[str, str]:
    first13 = f"1800175{serial % 1_000_000:06d}"
    return first13, nir_key(first13)


def invoice(partner: str, number: int, *, care: date, cards: dict[str, SoftCard] | None, serial: int = 1,
            signers: tuple[str, ...] = ("cps", "vitale"), key: str | None = None) -> m.Invoice:
    first13, right_key = nir(serial)
    act = m.Act(care_date=care, act_code="C", quantity=1, coefficient=D("1.00"), unit_price=D("30.00"),
                base=D("30.00"), rate=70, amo=D("21.00"), fees=D("30.00"), amc=D("9.00"),
                performer_number=partner, performer_specialty="01")
    bare = m.Invoice(partner, first13, key or right_key, 1, number,
                     m.InvoiceHeader("01", "996", "9881", "10", proof="4", birth_date=date(1980, 1, 15)),
                     (m.Line(act),))
    if not cards:
        return bare
    return replace(bare, signatures=tuple(cards[name].sign(bare) for name in signers))


def b2_file(partner: str, lots: list[tuple[str, list[m.Invoice]]], *, certification: str = "S",
            sender: str = "00000996102182", file_id: str = "000001", created: date | None = None,
            organism: tuple[str, str] = ("01", "996")) -> m.B2File:
    regime, caisse = organism
    day = created or today()
    header = m.FileHeader("TP", sender, b2.recipient_type(regime) or "CT", b2.recipient_number(regime, "001", caisse),
                          file_id, day, message="LOT DE TEST")
    return m.B2File(header, tuple(
        m.Lot(m.LotHeader(partner, caisse, number, day, partner_name="DOCTEUR ESSAI", certification=certification),
              tuple(invoices))
        for number, invoices in lots))


@dataclass(frozen=True)
class LotMail:
    raw: bytes
    sender: str
    stamp: str
    recipient: str


def lot_mail(b2_text: str | bytes, certificate: Path, *, sender: str = "00000996102182", stamp: str,
             organism: str = "01996", compress: bool = False, test: bool = True,
             scor: tuple[tuple[str, int, bytes], ...] = (), invoices: int = 1) -> LotMail:
    """The mail of FORMATS.md §2: subject, Message-ID, S/MIME enveloped data holding the EDI-consent part."""
    data = b2_text.encode("ascii") if isinstance(b2_text, str) else b2_text
    if compress:
        data = gzip.compress(data)
    inner = EmailMessage()
    description = mail_facts.content_description(mail_facts.Description("B2", test, compress))
    inner.set_content(data, maintype="application", subtype="EDI-consent", cte="base64",
                      headers=[f"Content-Description: {description}"])
    if scor:
        inner.make_mixed()
        for billing, number, content in scor:
            inner.add_attachment(content, maintype="application", subtype="pdf", filename=f"{number}.pdf",
                                 headers=[f"Content-Description: SCOR/{billing}/{number:09d}"])
    cert = x509.load_pem_x509_certificate(certificate.read_bytes())
    smime = (pkcs7.PKCS7EnvelopeBuilder().set_data(inner.as_bytes()).add_recipient(cert)
             .encrypt(serialization.Encoding.SMIME, []))
    message = email.message_from_bytes(smime, policy=email.policy.compat32)
    address = (mail_facts.amc_address(organism[3:]) if organism.startswith("AMC")   # a complementary's mailbox
               else mail_facts.recipient_address(organism[:2], organism[2:]))
    message["From"] = "cabinet@example.org"
    message["To"] = address
    message["Subject"] = mail_facts.build_subject(mail_facts.Subject("000001", sender, stamp, invoices))
    message["Message-ID"] = mail_facts.message_id(stamp, "example.org")
    raw = message.as_bytes(policy=email.policy.compat32.clone(linesep="\r\n"))   # SMTP wants CRLF lines
    return LotMail(raw, sender, stamp, address)


def send(host: str, port: int, context: ssl.SSLContext, recipient: str, raw: bytes) -> None:
    with smtplib.SMTP(host, port, timeout=60) as client:
        client.starttls(context=context)
        client.sendmail("cabinet@example.org", [recipient], raw)


@dataclass(frozen=True)
class ArlMail:
    subject: mail_facts.ArlSubject
    description: mail_facts.Description
    arl: arl_format.Arl
    message: Message


def read_arl_mail(raw: bytes) -> ArlMail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    part = next(p for p in message.walk() if p.get_content_type() == "application/edi-consent")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return ArlMail(mail_facts.parse_arl_subject(str(message["Subject"])),
                   mail_facts.parse_content_description(str(part["Content-Description"])),
                   arl_format.read_arl(payload), message)


def fetch_arls(host: str, port: int, context: ssl.SSLContext, user: str, password: str) -> list[ArlMail]:
    """Every ARL waiting in the mailbox (left there: tests pick theirs by the stamp in the subject)."""
    client = poplib.POP3(host, port, timeout=60)
    try:
        client.stls(context=context)
        client.user(user)
        client.pass_(password)
        out = []
        for n in range(1, len(client.list()[1]) + 1):
            raw = b"\r\n".join(client.retr(n)[1]) + b"\r\n"
            if b"Subject: ARL/" in raw:
                out.append(read_arl_mail(raw))
        return out
    finally:
        client.quit()


def today() -> date:
    """The caisse's date when its folder is new: today in UTC."""
    return datetime.now(UTC).date()


def days_ago(n: int) -> date:
    return today() - timedelta(days=n)

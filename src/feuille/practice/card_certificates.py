"""The cards' certificates, registered the first time each card is read (``card insert``, or its first signature).

Trust is placed at that first reading: later, a card presenting another key under the same serial is refused,
and every stored signature is verified against the registered certificate, not against the key stored with it.
The registration is audited with the key's SHA-256, so an edit of the certificate row itself is detected too.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.cards.port import CardKind, ProfessionalCardData, VitaleCardData
from feuille.domain.identifiers import compact
from feuille.errors import ConflictError, ValidationError
from feuille.practice.professionals import find_by_billing_number
from feuille.storage.models import AuditEntry, CardCertificate

ACTION = "card.certificate"
ENTITY = "card"

Card = ProfessionalCardData | VitaleCardData


@dataclass(frozen=True)
class CertificateView:
    card_serial: str
    card_kind: str
    fingerprint: str
    professional_id: int | None
    created: bool

    def to_json(self) -> dict[str, object]:
        return {"card_serial": self.card_serial, "card_kind": self.card_kind, "fingerprint": self.fingerprint,
                "professional_id": self.professional_id, "created": self.created}


def fingerprint(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()


def find(session: Session, serial: str) -> CardCertificate | None:
    return session.scalar(select(CardCertificate).where(CardCertificate.card_serial == serial))


def ensure(ctx: Context, session: Session, card: Card) -> tuple[CardCertificate, bool]:
    """The card's registered certificate, registering it at this first reading (in the caller's transaction).

    Refuses a card that gives no certificate, and a card whose key differs from the one registered for its serial.
    """
    _key(card)  # refused before any statement
    return _ensure(ctx, session, card, find(session, card.serial))


def ensure_all(ctx: Context, session: Session, cards: Sequence[Card]) -> list[tuple[CardCertificate, bool]]:
    """:func:`ensure` for each card (the CPS and the Vitale card of a signing), reading them in one statement."""
    for card in cards:
        _key(card)
    serials = [card.serial for card in cards]
    known = {row.card_serial: row for row in session.scalars(_by_serials(), {"serials": serials})}
    return [_ensure(ctx, session, card, known.get(card.serial)) for card in cards]


@functools.cache
def _by_serials() -> Select[CardCertificate]:
    return select(CardCertificate).where(CardCertificate.card_serial.in_(bindparam("serials", expanding=True)))


def _key(card: Card) -> bytes:
    key = card.certificate
    if not isinstance(key, bytes) or not key:
        raise ValidationError(f"carte : le lecteur ne donne pas le certificat de la carte {card.serial} ; ses "
                              "signatures ne pourraient pas être vérifiées.", code="card_no_certificate",
                              field="carte")
    return key


def _ensure(ctx: Context, session: Session, card: Card, known: CardCertificate | None) -> tuple[CardCertificate,
                                                                                                 bool]:
    key = _key(card)
    if known is not None:
        if known.public_key != key:
            raise ConflictError(f"carte : la carte {card.serial} présente une clé différente du certificat "
                                f"enregistré à sa première lecture (empreinte {known.fingerprint[:16]}) : carte "
                                "contrefaite ou remplacée, signature refusée.", code="card_certificate_mismatch",
                                field="carte")
        return known, False
    pro_id = None
    nir = None
    if isinstance(card, ProfessionalCardData):
        pro = find_by_billing_number(session, card.billing_number or "")
        pro_id = pro.id if pro is not None else None
    else:
        nir = compact(card.insured_nir)[:15]
    now = ctx.clock()
    row = CardCertificate(card_serial=card.serial, card_kind=CardKind(card.kind).value, professional_id=pro_id,
                          insured_nir=nir, public_key=key, fingerprint=fingerprint(key),
                          registered_by=ctx.actor.login, registered_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor=ctx.actor.login, at=now, action=ACTION, entity=ENTITY, entity_id=card.serial,
                 data={"kind": row.card_kind, "fingerprint": row.fingerprint, "professional_id": pro_id,
                       "insured_nir": nir})
    return row, True


def register(ctx: Context, card: Card) -> CertificateView:
    """``card insert``: remember the card's certificate at its first reading; the same card again: a no-op."""
    require(ctx, Permission.READ)
    with ctx.db.transaction() as session:
        row, created = ensure(ctx, session, card)
        return CertificateView(row.card_serial, row.card_kind, row.fingerprint, row.professional_id, created)


def audited_fingerprint(session: Session, serial: str) -> str | None:
    """The fingerprint the audit log recorded when the card was registered (None: never registered)."""
    data = session.scalar(select(AuditEntry.data).where(AuditEntry.action == ACTION, AuditEntry.entity == ENTITY,
                                                        AuditEntry.entity_id == serial)
                          .order_by(AuditEntry.id).limit(1))
    if data is None:
        return None
    value = json.loads(data).get("fingerprint")
    return value if isinstance(value, str) else None

"""Signing in three steps, so that no database lock is held while a card signs (ARCHITECTURE.md "Signing when the
card is at the desk").

1. **prepare** (:func:`prepare_in`, inside the caller's short transaction, after its checks): the number is drawn,
   the bytes to sign are fixed — M, the invoice's B2 records and the digest of its canonical JSON as it will be
   (:func:`feuille.billing.fse.card_message`, format ``feuille-facture/3``; a credit note, never transmitted, signs
   its JSON alone, format ``/2``) — and a pending :class:`InvoicePreparation` remembers them with the invoice's
   ``version``. The invoice is not changed.
2. **sign**: the professional card (through its agent, the CLI's reader or the loopback HTTP interface) signs M,
   with no transaction open; so does the Vitale card (or app) when it was read for the signing (synchronised,
   first step of the desynchronised mode): one card operation per card.
3. **commit** (:func:`commit`): compare-and-set — the preparation still pending and not expired, the invoice at
   the same version and state — then every signature received is checked against its card's registered
   certificate and stored (M with the JSON beside it, :func:`feuille.billing.fse.stored_form`), and the state
   advances. Otherwise the preparation is **released** (:func:`release`) in its own transaction: its number is
   recorded as drawn and never used, with the reason, and audited.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, bindparam, select, update
from sqlalchemy.orm import Session, aliased

from feuille.auth import Context, Permission, require
from feuille.billing import fse, sealing, state, views
from feuille.cards import signatures
from feuille.cards.port import ProfessionalCardData, Signature, VitaleCardData
from feuille.domain.identifiers import record_id
from feuille.domain.invoices import Event, InvoiceState, digest, transition
from feuille.errors import ConflictError, FeuilleError, NotFoundError
from feuille.formats import b2_file
from feuille.practice import card_certificates
from feuille.storage.models import CardCertificate, Invoice, InvoicePreparation, InvoiceSignature, PortableLoad
from feuille.storage.retry import use_case

#: How long a prepared signing waits for the card before it is released (a PIN typed, a card put back…).
PREPARED_SECONDS = 120
PENDING, COMMITTED, RELEASED = "pending", "committed", "released"
#: The preparation's ``secure_mode`` for a credit note, which has none (the invoice keeps NULL).
CREDIT_NOTE = "avoir"
#: The step of the Vitale card's (or app's) signature row, beside the professional card's ``first`` or ``final``.
VITALE_STEP = "vitale"


@dataclass(frozen=True)
class Prepared:
    """What the card must sign, and how to find the preparation again to commit it."""

    id: int
    invoice_id: int
    number: int | None
    data: bytes
    card_serial: str
    expires_at: datetime
    vitale_serial: str | None = None   # the Vitale card (or app) that signs the same bytes, when read

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "invoice_id": self.invoice_id, "number": self.number,
                "data": self.data.decode("utf-8"), "card_serial": self.card_serial,
                "vitale_serial": self.vitale_serial, "expires_at": self.expires_at.isoformat()}


@functools.cache
def _pending_statement() -> Select[InvoicePreparation]:
    return select(InvoicePreparation).where(InvoicePreparation.invoice_id == bindparam("invoice_id"),
                                            InvoicePreparation.status == PENDING)


def _pending(session: Session, invoice_id: int) -> list[InvoicePreparation]:
    return list(session.scalars(_pending_statement(), {"invoice_id": invoice_id}))


def _end(ctx: Context, session: Session, prep: InvoicePreparation, row: Invoice, reason: str) -> None:
    session.execute(update(InvoicePreparation).where(InvoicePreparation.id == prep.id)
                    .values(status=RELEASED, reason=reason, ended_at=ctx.clock())
                    .execution_options(synchronize_session=False))
    session.refresh(prep)
    state.record(ctx, session, row, "signing_released", {"preparation": prep.id, "unused_number":
                                                         prep.drawn_number, "reason": reason})


def prepare_in(ctx: Context, session: Session, row: Invoice, *, step: str, event: Event | None, mode: str | None,
               professional: ProfessionalCardData, vitale: VitaleCardData | None,
               number: int | None) -> Prepared:
    """Step 1, in the caller's transaction (its checks done, ``row`` locked): fix what the card will sign.
    ``event``: the state change the signature brings; None for a credit note (a draft until signed, then
    secured; ``mode`` None: it has no secure mode)."""
    for earlier in _pending(session, row.id):  # another desk's signing in progress loses: it cannot commit now
        _end(ctx, session, earlier, row, "remplacée par une nouvelle signature de la facture (autre poste ou "
                                         "nouvel essai)")
    card_certificates.ensure_all(ctx, session, [professional, *([vitale] if vitale else [])])
    state_to = transition(InvoiceState(row.state), event) if event is not None else InvoiceState.SECURED
    data = _to_sign(row, state_to.value, number if number is not None else row.number, mode)
    now = ctx.clock()
    prep = InvoicePreparation(
        invoice_id=row.id, professional_id=row.professional_id,
        drawn_number=number if number != row.number else None, step=step, secure_mode=mode or CREDIT_NOTE,
        state_from=row.state, state_to=state_to.value, version=row.version, signed_data=data,
        card_serial=professional.serial, vitale_serial=vitale.serial if vitale else None, status=PENDING,
        prepared_by=ctx.actor.login, prepared_at=now, expires_at=now + timedelta(seconds=PREPARED_SECONDS))
    session.add(prep)
    session.flush()
    state.record(ctx, session, row, "signing_prepared", {"preparation": prep.id, "number": number, "step": step,
                                                         "card": professional.serial})
    return Prepared(prep.id, row.id, number if number is not None else row.number, data, professional.serial,
                    prep.expires_at, prep.vitale_serial)


def _changes(number: int | None, mode: str | None) -> dict[str, object]:
    return {"number": number, "secure_mode": mode}


def _to_sign(row: Invoice, state_to: str, number: int | None, mode: str | None) -> bytes:
    """M of the invoice as the signing will leave it; a credit note's canonical JSON (format ``/2``)."""
    if row.credit_of is not None:
        return sealing.prepared_bytes(row, state_to, _changes(number, mode))
    content = sealing.prepared_bytes(row, state_to, _changes(number, mode), sealing.FSE_FORMAT)
    return fse.card_message(fse.invoice_of(row, number=number, secure_mode=mode), content)


def _lock(session: Session, prepared_id: int) -> InvoicePreparation | None:
    """The preparation, locked; on SQLite a no-op write first takes the write lock (waiting for another writer)
    rather than failing later when this transaction, having read, wants to write (as ``state.load`` does)."""
    if session.get_bind().dialect.name == "sqlite" and not state.write_locked(session):
        session.execute(update(InvoicePreparation).where(InvoicePreparation.id == prepared_id)
                        .values(status=InvoicePreparation.status).execution_options(synchronize_session=False))
    return session.scalar(select(InvoicePreparation).where(InvoicePreparation.id == prepared_id).with_for_update())


class _Release(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _check_pending(ctx: Context, prep: InvoicePreparation, row: Invoice) -> None:
    if prep.status == RELEASED:
        raise ConflictError(f"Signature de la facture n° {row.id} abandonnée ({prep.reason}) : recommencez.",
                            code="signing_released", field="id")
    if ctx.clock() > prep.expires_at:
        raise _Release(f"délai de signature dépassé ({PREPARED_SECONDS} s)")
    if row.version != prep.version or row.state != prep.state_from:
        raise _Release("la facture a été modifiée pendant la signature")


@functools.cache
def _commit_statement() -> Select[InvoicePreparation, Invoice, CardCertificate, CardCertificate, PortableLoad]:
    vitale = aliased(CardCertificate)
    return (select(InvoicePreparation, Invoice, CardCertificate, vitale, PortableLoad)
            .join(Invoice, Invoice.id == InvoicePreparation.invoice_id)
            .outerjoin(CardCertificate, CardCertificate.card_serial == InvoicePreparation.card_serial)
            .outerjoin(vitale, vitale.card_serial == InvoicePreparation.vitale_serial)
            .outerjoin(PortableLoad, and_(PortableLoad.invoice_id == Invoice.id, PortableLoad.current.is_(True)))
            .where(InvoicePreparation.id == bindparam("prepared_id"))
            .with_for_update(of=[InvoicePreparation.__table__, Invoice.__table__]))


@dataclass(frozen=True)
class _Locked:
    prep: InvoicePreparation
    row: Invoice
    certificate: CardCertificate | None
    vitale: CardCertificate | None
    stay: PortableLoad | None


def _lock_for_commit(session: Session, prepared_id: int) -> _Locked:
    """The preparation and its invoice, both locked (PostgreSQL: ``FOR UPDATE OF`` both; SQLite: the transaction
    holds the write lock from its start), with the cards' registered certificates and the invoice's stay on a
    portable reader: one statement."""
    found = session.execute(_commit_statement(), {"prepared_id": prepared_id}).first()
    if found is None:
        raise NotFoundError(f"Signature préparée n° {prepared_id} introuvable.", code="signing_not_found",
                            field="id")
    return _Locked(found[0], found[1], found[2], found[3], found[4])


def _checked(signature: Signature | None, serial: str | None, certificate: CardCertificate | None,
             data: bytes) -> Signature:
    """The signature received from card ``serial``, verified with its registered certificate."""
    what = f"la signature de la carte {serial}"
    if signature is None:
        raise _Release(f"{what} (carte Vitale ou appli) n'a pas été reçue")
    checked = replace(signature, public_key=certificate.public_key) if certificate else signature
    if (certificate is None or signature.card_serial != serial or signature.public_key != certificate.public_key
            or not signatures.verify(checked, data)):
        raise _Release(f"{what} ne se vérifie pas avec le certificat de la carte")
    return signature


def _stored_data(row: Invoice, prep: InvoicePreparation) -> bytes:
    """What the signature rows keep: M and the JSON beside it, once checked that M is the invoice now (its records
    and the digest of its JSON); a credit note's JSON as signed."""
    parts = fse.split_message(prep.signed_data)
    if parts is None:
        return prep.signed_data
    content = sealing.prepared_bytes(row, prep.state_to, _changes(prep.drawn_number or row.number,
                                                                  prep.secure_mode), sealing.FSE_FORMAT)
    invoice = fse.invoice_of(row, number=prep.drawn_number or row.number, secure_mode=prep.secure_mode)
    if fse.content_digest(content) != parts[1] or b2_file.signed_data(invoice) != parts[0]:
        raise _Release("la facture enregistrée diffère de ce que la carte a signé")  # the version guards it
    return fse.stored_form(prep.signed_data, content)


def _row(ctx: Context, row: Invoice, prep: InvoicePreparation, signature: Signature, step: str,
         data: bytes) -> InvoiceSignature:
    return InvoiceSignature(
        invoice_id=row.id, step=step, card_serial=signature.card_serial, card_kind=str(signature.card_kind),
        vitale_serial=prep.vitale_serial, algorithm=signature.algorithm, value=signature.value,
        public_key=signature.public_key, signed_hash=digest(data), signed_data=data, signed_by=ctx.actor.login,
        at=ctx.clock())


def _commit(ctx: Context, prepared_id: int, signature: Signature, vitale: Signature | None) -> views.InvoiceView:
    with ctx.db.transaction() as session:
        locked = _lock_for_commit(session, prepared_id)
        prep, row = locked.prep, locked.row
        if prep.status == COMMITTED:
            return views.view(session, row)  # repeated: done already
        _check_pending(ctx, prep, row)
        signature = _checked(signature, prep.card_serial, locked.certificate, prep.signed_data)
        if prep.vitale_serial is not None:
            vitale = _checked(vitale, prep.vitale_serial, locked.vitale, prep.signed_data)
        data = _stored_data(row, prep)
        session.execute(update(InvoicePreparation).where(InvoicePreparation.id == prep.id,
                                                         InvoicePreparation.status == PENDING)
                        .values(status=COMMITTED, ended_at=ctx.clock()).execution_options(synchronize_session=False))
        rows = [_row(ctx, row, prep, signature, prep.step, data)]
        if prep.vitale_serial is not None and vitale is not None:
            # M alone: the JSON its digest stands for is kept once, in the professional card's row
            rows.append(_row(ctx, row, prep, vitale, VITALE_STEP, prep.signed_data))
        session.add_all(rows)
        stored = _signed(ctx, session, row, prep, signature, locked.stay)
        signed = fse.split(data)
        if sealing.signed_content(row, prep.state_to, sealing.FSE_FORMAT if signed else sealing.SIGNED_FORMAT) \
                != sealing.parse_signed(signed.content if signed else data):
            raise _Release("la facture enregistrée diffère de ce que la carte a signé")  # the version guards it
        return views.from_stored(row, stored)


def _signed(ctx: Context, session: Session, row: Invoice, prep: InvoicePreparation, signature: Signature,
            stay: PortableLoad | None) -> sealing.Stored:
    """The state change the stored signature brings (compare-and-set, audited)."""
    number = prep.drawn_number if prep.drawn_number is not None else row.number
    if row.credit_of is not None:
        return _credit_note_signed(ctx, session, row, prep, number)
    return state.advance(ctx, session, row, _event(prep), values={"number": number, "secure_mode": prep.secure_mode},
                         data={"number": number, "mode": prep.secure_mode, "card": prep.card_serial,
                               "card_kind": str(signature.card_kind), "preparation": prep.id}, stay=stay)


def _credit_note_signed(ctx: Context, session: Session, credit: Invoice, prep: InvoicePreparation,
                        number: int | None) -> sealing.Stored:
    """A credit note signed: secured with its number, and the invoice it cancels cancelled, in one transaction;
    an invoice that can no longer be cancelled (sent in a lot meanwhile…) releases the signing instead."""
    assert credit.credit_of is not None
    cancelled = state.load(session, credit.credit_of, lock=True)
    try:
        state.allowed(session, cancelled, Event.CANCEL)
    except FeuilleError as refused:
        raise _Release(f"la facture n° {cancelled.id} ne peut plus être annulée ({refused.message})") from None
    head = state.compare_and_set(ctx, session, credit, state=prep.state_to, number=number)
    stored = state.record(ctx, session, credit, "credit_note", {"credit_of": cancelled.id, "number": number,
                                                                "total": credit.total, "card": prep.card_serial,
                                                                "preparation": prep.id}, head=head)
    state.advance(ctx, session, cancelled, Event.CANCEL, data={"credit_note": credit.id, "credit_number": number,
                                                               "card": prep.card_serial})
    return stored


def _event(prep: InvoicePreparation) -> Event:
    if prep.step == "first":
        return Event.SIGN_FIRST
    return Event.SIGN_FINAL if prep.state_from == InvoiceState.PARTLY_SECURED else Event.SECURE


@use_case  # compare-and-set: a transaction rolled back by a busy database is simply run again
def commit(ctx: Context, prepared_id: int, signature: Signature,
           vitale: Signature | None = None) -> views.InvoiceView:
    """Step 3: store the cards' signatures of the prepared bytes (``vitale``: the Vitale card's or app's, required
    when the preparation read one), or release the preparation and say why."""
    try:
        return _commit(ctx, prepared_id, signature, vitale)
    except _Release as refused:
        release(ctx, prepared_id, refused.reason)
        raise ConflictError(f"Signature non enregistrée : {refused.reason} ; le numéro préparé est noté comme non "
                            "utilisé. Recommencez la sécurisation.", code="signing_released", field="id") from None


@use_case
def release(ctx: Context, prepared_id: int, reason: str) -> None:
    """Give the prepared signing up (its own transaction): the number drawn is recorded unused, with ``reason``."""
    with ctx.db.transaction() as session:
        prep = _lock(session, prepared_id)
        if prep is None or prep.status != PENDING:
            return
        row = state.load(session, prep.invoice_id, lock=True)
        _end(ctx, session, prep, row, reason)


@dataclass(frozen=True)
class UnusedNumber:
    professional_id: int
    number: int
    invoice_id: int
    reason: str

    def to_json(self) -> dict[str, object]:
        return {"professional_id": self.professional_id, "number": self.number, "invoice_id": self.invoice_id,
                "reason": self.reason}


def unused_numbers(ctx: Context) -> list[UnusedNumber]:
    """Numbers drawn by a signing that was released: never given to an invoice, each with its reason."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        rows = session.scalars(select(InvoicePreparation).where(InvoicePreparation.status == RELEASED,
                                                                InvoicePreparation.drawn_number.is_not(None))
                               .order_by(InvoicePreparation.professional_id, InvoicePreparation.drawn_number))
        return [UnusedNumber(r.professional_id, r.drawn_number or 0, r.invoice_id, r.reason or "") for r in rows]


def _for_invoice(ctx: Context, invoice_id: int, prepared_id: int) -> None:
    """The preparation is this invoice's, and the actor may do its step (the first signature of a desynchronised
    invoice: :attr:`Permission.INVOICE_DRAFT`; any other: :attr:`Permission.INVOICE_SIGN_FINAL`), as the
    preparation itself required: an interface that names both (``/factures/12/…``, preparation 34) commits or
    releases no other invoice's signing."""
    require(ctx, Permission.READ)
    prepared_id = record_id(prepared_id, "preparation", "Signature préparée")
    with ctx.db.read() as session:
        prep = session.get(InvoicePreparation, prepared_id)
        step = prep.step if prep is not None and prep.invoice_id == invoice_id else None
    if step is None:
        raise NotFoundError(f"Signature préparée n° {prepared_id} introuvable pour la facture n° {invoice_id}.",
                            code="signing_not_found", field="preparation")
    require(ctx, Permission.INVOICE_DRAFT if step == "first" else Permission.INVOICE_SIGN_FINAL)


def commit_for(ctx: Context, invoice_id: int, prepared_id: int, signature: Signature,
               vitale: Signature | None = None) -> views.InvoiceView:
    """:func:`commit`, for a preparation named with its invoice by a page or an API client (step 3 at the desk)."""
    _for_invoice(ctx, invoice_id, prepared_id)
    return commit(ctx, prepared_id, signature, vitale)


def release_for(ctx: Context, invoice_id: int, prepared_id: int, reason: str) -> None:
    """:func:`release`, for a preparation named with its invoice by a page whose card refused to sign (``reason``:
    the card's French message, kept short)."""
    _for_invoice(ctx, invoice_id, prepared_id)
    release(ctx, prepared_id, f"carte : {' '.join(reason.split())[:200] or 'signature non obtenue'}")

"""Securing an invoice with the cards: the four modes, who may sign, the number, the signatures.

* synchronisé: the billing PS's CPS (PIN verified) and the Vitale card of this patient's insured: final at once;
* désynchronisé: first signature with the Vitale card and a CPE or another PS's CPS (state « à sécuriser »),
  then :func:`finalise` with the billing PS's CPS before sending;
* dégradé: CPS only; not sendable until the care sheet is attached or marked as sent on paper;
* SESAM sans Vitale: CPS only, the patient identified from the patient base.

The number is drawn at the first signature, inside the transaction that stores it (counter row + unique
constraint + retry). Each signature is committed in its own transaction: a crash after the first keeps it,
and :func:`finalise` can be run again later.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.billing import store
from feuille.billing.drafts import check_replacement
from feuille.billing.rate_check import rates_still_valid
from feuille.billing.verification import check, load_signatures
from feuille.cards.port import (
    CardBlockedError,
    CardError,
    CardKind,
    CardReader,
    NoCardError,
    PinFormatError,
    PinNotVerifiedError,
    ProfessionalCardData,
    Signature,
    VitaleCardData,
    WrongPinError,
)
from feuille.domain.identifiers import compact
from feuille.domain.invoices import (
    MODE_LABELS,
    NEEDS_VITALE,
    Event,
    InvoiceState,
    SecureMode,
    digest,
    parse_mode,
    transition,
)
from feuille.errors import FeuilleError, PermissionDeniedError, StateError, ValidationError
from feuille.practice import professionals
from feuille.storage.models import Invoice, InvoiceSignature, Professional


@dataclass(frozen=True)
class Cards:
    professional: ProfessionalCardData
    vitale: VitaleCardData | None


def card_error(exc: CardError, card: ProfessionalCardData) -> FeuilleError:
    """The reader's errors, in French, naming what is wrong."""
    if isinstance(exc, WrongPinError):
        return ValidationError(f"pin : code PIN erroné pour la carte {card.serial} ({exc.remaining} essai(s) "
                               "restant(s)).", code="wrong_pin", field="pin")
    if isinstance(exc, PinFormatError):
        return ValidationError(f"pin : le code PIN compte {exc.digits} chiffres.", code="pin_format", field="pin")
    if isinstance(exc, CardBlockedError):
        return ValidationError(f"carte : la carte {card.serial} est bloquée (trois codes PIN erronés).",
                               code="card_blocked", field="carte")
    if isinstance(exc, PinNotVerifiedError):
        return ValidationError(f"pin : code PIN de la carte {card.serial} non vérifié ; saisissez-le (--pin) "
                               "avant de signer.", code="pin_not_verified", field="pin")
    if isinstance(exc, NoCardError):
        return ValidationError("carte : la carte a été retirée du lecteur.", code="no_card", field="carte")
    reason = getattr(exc, "reason", None)
    return ValidationError(f"lecteur : {reason if isinstance(reason, str) else 'la carte a refusé l’opération'}.",
                           code="card_error", field="lecteur", detail=str(exc))


def _read_cards(reader: CardReader, pin: str | None, mode: SecureMode) -> Cards:
    card = reader.professional_card()
    if card is None:
        raise ValidationError("carte : aucune carte CPS ou CPE dans le lecteur.", code="no_card", field="carte")
    if pin is not None:
        try:
            reader.verify_pin(card.serial, pin)
        except CardError as exc:
            raise card_error(exc, card) from None
    vitale = reader.vitale_card()
    if mode in NEEDS_VITALE and vitale is None:
        raise ValidationError(f"carte Vitale : le mode {MODE_LABELS[mode]} demande la carte Vitale (ou l'appli) "
                              "du patient.", code="no_vitale", field="carte_vitale")
    return Cards(card, vitale)


def _check_vitale(row: Invoice, vitale: VitaleCardData | None, mode: SecureMode) -> None:
    if mode not in NEEDS_VITALE:
        return
    assert vitale is not None  # _read_cards
    if compact(vitale.insured_nir) != compact(row.patient_nir):
        raise ValidationError(f"carte Vitale : la carte présentée (assuré {compact(vitale.insured_nir)}) n'est pas "
                              f"celle de l'assuré de ce patient ({row.patient_nir or 'NIR inconnu'}).",
                              code="wrong_vitale", field="carte_vitale")


def _holder_matches(card: ProfessionalCardData, pro: Professional) -> bool:
    if card.rpps and pro.rpps and compact(card.rpps) == pro.rpps:
        return True
    return bool(card.billing_number) and compact(card.billing_number) == pro.billing_number


def _check_final_signer(session: Session, row: Invoice, card: ProfessionalCardData) -> None:
    """The final (or only) signature: the CPS of the billing PS, or of a remplaçant on one of his days."""
    if card.kind != CardKind.CPS:
        raise PermissionDeniedError("carte : une CPE ne permet que la première signature d'une facture "
                                    "désynchronisée ; la signature finale demande la CPS du professionnel qui "
                                    "facture.", code="cpe_final_signature", field="carte")
    pro = session.get(Professional, row.professional_id)
    assert pro is not None  # FK
    signer: Professional | None = pro if _holder_matches(card, pro) else None
    if signer is None:
        candidates = [session.get(Professional, row.performer_id) if row.performer_id else None,
                      professionals.find_by_billing_number(session, card.billing_number)]
        signer = next((c for c in candidates if c is not None and _holder_matches(card, c)), None)
    if signer is None or (signer.id != pro.id and signer.kind != "remplacant"):
        raise PermissionDeniedError(
            f"carte : la CPS présentée ({card.last_name} {card.first_name}) n'est pas celle de "
            f"{professionals.display_name(pro)}, qui facture, ni d'un de ses remplaçants.",
            code="wrong_cps", field="carte")
    if signer.id != pro.id:
        check_replacement(session, signer, pro, row.invoice_date)


def _check_ready(session: Session, row: Invoice) -> None:
    pro = session.get(Professional, row.professional_id)
    assert pro is not None  # FK
    if not row.rate_checked or not rates_still_valid(row.document, row.rate_hash, pro):
        raise StateError("La facture a changé depuis le contrôle des taux : vérifiez les taux "
                         "(feuille invoice check) avant de la sécuriser.", code="rates_not_checked",
                         field="state")
    if row.performer_id is not None:
        performer = session.get(Professional, row.performer_id)
        assert performer is not None
        check_replacement(session, performer, pro, row.invoice_date)


def _sign(reader: CardReader, card: ProfessionalCardData, data: bytes) -> Signature:
    try:
        return reader.sign(card.serial, data)
    except CardError as exc:
        raise card_error(exc, card) from None


def _store_signature(ctx: Context, session: Session, row: Invoice, step: str, cards: Cards,
                     signature: Signature, data: bytes) -> None:
    session.add(InvoiceSignature(
        invoice_id=row.id, step=step, card_serial=signature.card_serial, card_kind=str(signature.card_kind),
        vitale_serial=cards.vitale.serial if cards.vitale else None, algorithm=signature.algorithm,
        value=signature.value, public_key=signature.public_key, signed_hash=digest(data),
        signed_by=ctx.actor.login, at=ctx.clock()))


def _already(row: Invoice, mode: SecureMode, first_step: bool) -> bool:
    """The same request repeated: nothing more to do."""
    if row.secure_mode != mode:
        return False
    return row.state == (InvoiceState.PARTLY_SECURED if first_step else InvoiceState.SECURED)


def secure(ctx: Context, ref: object, mode: object, reader: CardReader, pin: str | None = None) -> store.InvoiceView:
    """Secure a priced invoice; in desynchronised mode this is the first signature only."""
    chosen = parse_mode(mode)
    first_step = chosen == SecureMode.DESYNCHRONISE
    require(ctx, Permission.INVOICE_DRAFT if first_step else Permission.INVOICE_SIGN_FINAL)
    event = Event.SIGN_FIRST if first_step else Event.SECURE

    def work() -> store.InvoiceView:
        with ctx.db.transaction() as session:
            row = store.load(session, ref, lock=True)
            if _already(row, chosen, first_step):
                return store.view(session, row)
            transition(InvoiceState(row.state), event)
            _check_ready(session, row)
            cards = _read_cards(reader, pin, chosen)
            _check_vitale(row, cards.vitale, chosen)
            if not first_step:
                _check_final_signer(session, row, cards.professional)
            number = store.draw_number(session, row.professional_id)
            row.number = number  # signed with its number; written by the compare-and-set below
            data = store.signed_bytes(row)
            signature = _sign(reader, cards.professional, data)
            _store_signature(ctx, session, row, "first" if first_step else "final", cards, signature, data)
            store.advance(ctx, session, row, event, values={"number": number, "secure_mode": chosen.value},
                          data={"number": number, "mode": chosen.value, "card": cards.professional.serial,
                                "card_kind": str(cards.professional.kind)})
            return store.view(session, row)

    return store.with_number_retry(work)


def finalise(ctx: Context, ref: object, reader: CardReader, pin: str | None = None) -> store.InvoiceView:
    """The final signature of a desynchronised invoice, with the billing PS's CPS; repeated: a no-op."""
    require(ctx, Permission.INVOICE_SIGN_FINAL)
    with ctx.db.transaction() as session:
        row = store.load(session, ref, lock=True)
        if row.state == InvoiceState.SECURED and row.secure_mode == SecureMode.DESYNCHRONISE:
            return store.view(session, row)
        transition(InvoiceState(row.state), Event.SIGN_FINAL)
        before = check(row, load_signatures(session, row.id))
        if not before.ok:
            raise StateError("La première signature ne correspond plus à la facture : " + " ".join(before.problems),
                             code="invoice_tampered", field="signature")
        cards = _read_cards(reader, pin, SecureMode.SANS_VITALE)  # the Vitale card is not needed any more
        _check_final_signer(session, row, cards.professional)
        data = store.signed_bytes(row)
        signature = _sign(reader, cards.professional, data)
        _store_signature(ctx, session, row, "final", cards, signature, data)
        store.advance(ctx, session, row, Event.SIGN_FINAL,
                      data={"number": row.number, "card": cards.professional.serial})
        return store.view(session, row)

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
from feuille.billing.specifics import check_paper_only, check_secure_mode
from feuille.billing.verification import check, load_signatures
from feuille.cards.messages import french_error, no_professional_card
from feuille.cards.port import (
    BeneficiaryData,
    CardError,
    CardKind,
    CardReader,
    ProfessionalCardData,
    Signature,
    VitaleCardData,
)
from feuille.domain.fields import parse_flag, search_key
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
from feuille.domain.patients import BirthDate, parse_birth_date, parse_rank
from feuille.errors import FeuilleError, PermissionDeniedError, StateError, ValidationError
from feuille.practice import professionals
from feuille.storage.models import Invoice, InvoiceSignature, Patient, Professional


@dataclass(frozen=True)
class Cards:
    professional: ProfessionalCardData
    vitale: VitaleCardData | None


def card_error(exc: CardError, card: ProfessionalCardData) -> FeuilleError:
    """The reader's errors, in French: the one translation of ``feuille.cards.messages``."""
    return french_error(exc)


def read_cards(reader: CardReader, pin: str | None, mode: SecureMode) -> Cards:
    """The cards in the reader; ``pin`` is verified now, else the reader must know it (this process or its agent)."""
    card = reader.professional_card()
    if card is None:
        raise no_professional_card()
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


def _check_vitale(session: Session, row: Invoice, vitale: VitaleCardData | None, mode: SecureMode) -> None:
    """The card (or app) presented must be the insured's, and the patient one of its beneficiaries."""
    if mode not in NEEDS_VITALE:
        return
    assert vitale is not None  # read_cards
    if compact(vitale.insured_nir) != compact(row.patient_nir):
        raise ValidationError(f"carte Vitale : la carte présentée (assuré {compact(vitale.insured_nir)}) n'est pas "
                              f"celle de l'assuré de ce patient ({row.patient_nir or 'NIR inconnu'}).",
                              code="wrong_vitale", field="carte_vitale")
    patient = session.get(Patient, row.patient_id) if row.patient_id is not None else None
    if patient is not None and any(on_card(b, patient) for b in vitale.beneficiaries):
        return
    who = f"{patient.last_name} {patient.first_name or ''}".strip() if patient else "le patient"
    born = f", né(e) le {BirthDate(patient.birth_date).display()} (rang {patient.rank})" if patient else ""
    listed = ", ".join(_beneficiary_name(b) for b in vitale.beneficiaries) or "aucun"
    raise ValidationError(f"carte Vitale : {who}{born} n'est pas parmi les bénéficiaires de la carte présentée "
                          f"({listed}) ; présentez sa carte, ou sécurisez en mode dégradé ou sans Vitale.",
                          code="not_on_vitale", field="carte_vitale")


def on_card(beneficiary: BeneficiaryData, patient: Patient) -> bool:
    """The patient is this beneficiary of the insured's card.

    The key is the patient base's own (``find_duplicate``, the patients' unique constraint): birth date and rank
    under the insured NIR; names are not part of it (they change; twins differ by rank). A card's lunar date
    (day or month 00) may have been typed at the desk as a calendar date: then the known parts must agree and the
    names decide. The same beneficiary NIR on both sides is a match too.
    """
    fields = beneficiary.fields
    own = fields.get("beneficiary_nir")
    if own and patient.beneficiary_nir and compact(str(own)) == compact(patient.beneficiary_nir):
        return True
    try:
        lunar = parse_flag(fields.get("lunar"), "lunar", "Date lunaire")
        born = parse_birth_date(fields.get("birth_date"), lunar=lunar, from_card=True).value
        rank = parse_rank(fields.get("rank"))
    except ValidationError:
        return False   # a beneficiary the card cannot describe is nobody's
    if rank != patient.rank:
        return False
    if born == patient.birth_date:
        return True
    stored = patient.birth_date
    partly_known = "00" in (born[4:6], born[6:], stored[4:6], stored[6:])
    same_parts = born[:4] == stored[:4] and all(a == b or "00" in (a, b) for a, b in (
        (born[4:6], stored[4:6]), (born[6:], stored[6:])))
    return partly_known and same_parts and all(
        search_key(str(fields.get(key) or "")) == search_key(getattr(patient, key) or "")
        for key in ("last_name", "first_name"))


def _beneficiary_name(beneficiary: BeneficiaryData) -> str:
    return f"{beneficiary.fields.get('last_name', '')} {beneficiary.fields.get('first_name') or ''}".strip()


def _holder_matches(card: ProfessionalCardData, pro: Professional) -> bool:
    if card.rpps and pro.rpps and compact(card.rpps) == pro.rpps:
        return True
    return bool(card.billing_number) and compact(card.billing_number) == pro.billing_number


def check_final_signer(session: Session, row: Invoice, card: ProfessionalCardData) -> None:
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
                         "(feuille facture controler) avant de la sécuriser.", code="rates_not_checked",
                         field="state")
    if row.performer_id is not None:
        performer = session.get(Professional, row.performer_id)
        assert performer is not None
        check_replacement(session, performer, pro, row.invoice_date)


def sign_with_card(reader: CardReader, card: ProfessionalCardData, data: bytes) -> Signature:
    try:
        return reader.sign(card.serial, data)
    except CardError as exc:
        raise card_error(exc, card) from None


def store_signature(ctx: Context, session: Session, row: Invoice, step: str, cards: Cards,
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
            check_secure_mode(row.document, chosen)  # an anonymous minor's invoice: SESAM sans Vitale only
            check_paper_only(row.id, row.document, chosen)  # SMG: on paper to the CNMSS, degraded mode only
            _check_ready(session, row)
            cards = read_cards(reader, pin, chosen)
            _check_vitale(session, row, cards.vitale, chosen)
            if not first_step:
                check_final_signer(session, row, cards.professional)
            number = store.draw_number(session, row.professional_id)
            row.number = number  # signed with its number; written by the compare-and-set below
            data = store.signed_bytes(row)
            signature = sign_with_card(reader, cards.professional, data)
            store_signature(ctx, session, row, "first" if first_step else "final", cards, signature, data)
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
        cards = read_cards(reader, pin, SecureMode.SANS_VITALE)  # the Vitale card is not needed any more
        check_final_signer(session, row, cards.professional)
        data = store.signed_bytes(row)
        signature = sign_with_card(reader, cards.professional, data)
        store_signature(ctx, session, row, "final", cards, signature, data)
        store.advance(ctx, session, row, Event.SIGN_FINAL,
                      data={"number": row.number, "card": cards.professional.serial})
        return store.view(session, row)

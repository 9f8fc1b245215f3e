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
from feuille.billing import drafts, numbering, signing, state, views
from feuille.billing.document import StoredDocument
from feuille.billing.drafts import check_replacement
from feuille.billing.rate_check import rates_still_valid
from feuille.billing.specifics import check_paper_only, check_secure_mode
from feuille.billing.stored import StoredPriced
from feuille.billing.verification import check
from feuille.billing.verification_labels import field_label, shown
from feuille.billing.wizard_flow_specifics import offered_modes
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
    parse_mode,
)
from feuille.domain.patients import BirthDate, parse_birth_date, parse_rank
from feuille.errors import FeuilleError, PermissionDeniedError, StateError, ValidationError
from feuille.money import format_amount
from feuille.practice import professionals
from feuille.storage.models import Invoice, Patient, Professional
from feuille.storage.retry import use_case


@dataclass(frozen=True)
class Cards:
    professional: ProfessionalCardData
    vitale: VitaleCardData | None


def card_error(exc: CardError, card: ProfessionalCardData) -> FeuilleError:
    """The reader's errors, in French: the one translation of ``feuille.cards.messages``."""
    return french_error(exc)


def checked_card(reader: CardReader, pin: str | None) -> ProfessionalCardData:
    """The professional card in the reader; ``pin`` is verified now, else the reader must know it (this process
    or its agent). The one PIN check of billing (the desk's securing, the portable reader's batch)."""
    card = reader.professional_card()
    if card is None:
        raise no_professional_card()
    if pin is not None:
        try:
            reader.verify_pin(card.serial, pin)
        except CardError as exc:
            raise card_error(exc, card) from None
    return card


def read_cards(reader: CardReader, pin: str | None, mode: SecureMode) -> Cards:
    """The cards in the reader, the professional's PIN checked (:func:`checked_card`)."""
    card = checked_card(reader, pin)
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


def _check_ready(ctx: Context, session: Session, row: Invoice, document: StoredDocument, *,
                 reprice: bool = True) -> None:
    """The rate check done on the current input; ``reprice``: and the stored lines what the engine gives now."""
    pro = session.get(Professional, row.professional_id)
    assert pro is not None  # FK
    if not row.rate_checked or not rates_still_valid(document, row.rate_hash, pro):
        raise StateError("La facture a changé depuis le contrôle des taux : vérifiez les taux "
                         "(feuille facture controler) avant de la sécuriser.", code="rates_not_checked",
                         field="state")
    if reprice:
        _check_priced(ctx, row, document, pro)
    if row.performer_id is not None:
        performer = session.get(Professional, row.performer_id)
        assert performer is not None
        check_replacement(session, performer, pro, row.invoice_date)


def _name(key: str) -> str:
    return field_label("lines", key)[0]


def _check_priced(ctx: Context, row: Invoice, document: StoredDocument, pro: Professional) -> None:
    """Price the stored input again: what is signed must be what the engine gives, not lines or amounts altered
    in the database since the rate check."""
    fresh = drafts.price_stored(ctx, document, pro).stored  # drafts.price_document: wrapped by bench
    try:
        stored = state.priced(row)
    except StateError:  # not even the stored form any more
        found = ["résultat de la tarification illisible"]
    else:
        found = _differences(stored, fresh, row)
    if found:
        raise StateError("La facture enregistrée ne correspond plus à sa tarification (" + " ; ".join(found[:5])
                         + ") : elle a été modifiée en base hors de l'application ; vérifiez-la (feuille facture "
                         "verify), puis corrigez-la (feuille facture modifier) avant de la sécuriser.",
                         code="priced_altered", field="lines")


def _differences(stored: StoredPriced, fresh: StoredPriced, row: Invoice) -> list[str]:
    """Line by line, then the totals, then the row's amount columns: what the stored invoice says, what the
    engine gives now."""
    found = []
    for i, (old_line, new_line) in enumerate(zip(stored.lines, fresh.lines, strict=False), 1):
        old, new = old_line.model_dump(mode="json", exclude_unset=True), new_line.model_dump(mode="json",
                                                                                          exclude_unset=True)
        found += [f"ligne {i} ({new_line.code}) : {_name(key)} enregistré {shown(old.get(key))}, recalculé "
                  f"{shown(new.get(key))}" for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]
    if len(stored.lines) != len(fresh.lines):
        found.append(f"{len(stored.lines)} ligne(s) enregistrée(s), {len(fresh.lines)} recalculée(s)")
    old_totals, new_totals = stored.totals.model_dump(mode="json"), fresh.totals.model_dump(mode="json")
    found += [f"{_name(key)} enregistré {shown(old_totals[key])}, recalculé {shown(value)}"
              for key, value in new_totals.items() if old_totals[key] != value]
    row_amounts = {"total": row.total, "amo": row.amo, "amc": row.amc, "patient": row.patient_part,
                   "due_by_patient": row.due_by_patient}
    found += [f"{_name(key)} enregistré {shown(format_amount(value))}, recalculé {shown(new_totals[key])}"
              for key, value in row_amounts.items() if format_amount(value) != new_totals[key]]
    return found


def sign_with_card(reader: CardReader, card: ProfessionalCardData, data: bytes) -> Signature:
    try:
        return reader.sign(card.serial, data)
    except CardError as exc:
        raise card_error(exc, card) from None


def sign_with_vitale(reader: CardReader, serial: str, data: bytes) -> Signature:
    """The Vitale card's (or app's) signature of the same bytes: no PIN."""
    try:
        return reader.sign(serial, data)
    except CardError as exc:
        raise french_error(exc) from None


def _already(row: Invoice, mode: SecureMode, first_step: bool) -> bool:
    """The same request repeated: nothing more to do."""
    if row.secure_mode != mode:
        return False
    return row.state == (InvoiceState.PARTLY_SECURED if first_step else InvoiceState.SECURED)


def _precheck(ctx: Context, ref: object, mode: SecureMode, event: Event) -> views.InvoiceView | None:
    """Before the cards are read (no transaction open while they are): the view when it is done already, else
    the refusals that need no card, in the order a desk expects them. The preparation checks them again."""
    first_step = event == Event.SIGN_FIRST
    with ctx.db.read() as session:
        found = state.load_at_desk(session, ref)  # held: the professional stays in the identity map
        row = found.row
        if _already(row, mode, first_step):
            return views.view(session, row)
        state.allowed(session, row, event, found.stay)
        if event != Event.SIGN_FINAL:
            document = state.document(row)
            check_secure_mode(document.content, mode)
            check_paper_only(row.id, document.content, mode)
            _check_ready(ctx, session, row, document, reprice=False)  # priced again once, at the preparation
        return None


def sign_prepared(ctx: Context, reader: CardReader, card: ProfessionalCardData,
                   prepared: signing.Prepared) -> views.InvoiceView:
    """Steps 2 and 3: the professional card signs with no transaction open, and the Vitale card (or app) when
    the preparation read one, then the commit; a refusal of a card, or any failure before the commit, releases the
    preparation (its number recorded unused) before it is reported."""
    vitale: Signature | None = None
    try:
        signature = sign_with_card(reader, card, prepared.data)
        if prepared.vitale_serial is not None:
            vitale = sign_with_vitale(reader, prepared.vitale_serial, prepared.data)
    except FeuilleError as refused:
        signing.release(ctx, prepared.id, f"carte : {refused.message}")
        raise
    try:
        return signing.commit(ctx, prepared.id, signature, vitale)
    except FeuilleError:
        raise
    except Exception as failure:
        signing.release(ctx, prepared.id, f"échec de l'enregistrement de la signature ({type(failure).__name__})")
        raise


def prepare(ctx: Context, ref: object, mode: object, cards: Cards) -> signing.Prepared | views.InvoiceView:
    """Step 1 of securing with ``cards`` as read at the desk (the CLI's reader, or the loopback HTTP interface of
    the desk's card agent): the invoice's checks, the number, the bytes the CPS/CPE must sign. The view when the
    invoice is secured in this mode already. Then :func:`signing.commit` with the card's signature."""
    chosen = parse_mode(mode)
    first_step = chosen == SecureMode.DESYNCHRONISE
    require(ctx, Permission.INVOICE_DRAFT if first_step else Permission.INVOICE_SIGN_FINAL)
    done = _precheck(ctx, ref, chosen, Event.SIGN_FIRST if first_step else Event.SECURE)
    return done if done is not None else _prepare(ctx, ref, chosen, cards)


@use_case
def _prepare(ctx: Context, ref: object, chosen: SecureMode, cards: Cards) -> signing.Prepared:
    first_step = chosen == SecureMode.DESYNCHRONISE
    event = Event.SIGN_FIRST if first_step else Event.SECURE
    if chosen in NEEDS_VITALE and cards.vitale is None:
        raise ValidationError(f"carte Vitale : le mode {MODE_LABELS[chosen]} demande la carte Vitale (ou l'appli) "
                              "du patient.", code="no_vitale", field="carte_vitale")

    def work() -> signing.Prepared:
        with ctx.db.transaction() as session:
            found = state.load_at_desk(session, ref, lock=True)  # held: the professional stays in the identity map
            row = found.row
            state.allowed(session, row, event, found.stay)
            document = state.document(row)
            check_secure_mode(document.content, chosen)  # an anonymous minor's invoice: SESAM sans Vitale only
            check_paper_only(row.id, document.content, chosen)  # SMG: on paper to the CNMSS, degraded mode only
            _check_ready(ctx, session, row, document)
            _check_vitale(session, row, cards.vitale, chosen)
            if not first_step:
                check_final_signer(session, row, cards.professional)
            number = numbering.draw_number(session, row.professional_id)
            return signing.prepare_in(ctx, session, row, step="first" if first_step else "final", event=event,
                                      mode=chosen.value, professional=cards.professional, vitale=cards.vitale,
                                      number=number)

    return numbering.with_number_retry(work)


def secure(ctx: Context, ref: object, mode: object, reader: CardReader, pin: str | None = None) -> views.InvoiceView:
    """Secure a priced invoice (desynchronised mode: the first signature only), in three steps: prepare in a short
    transaction, sign with the card outside any transaction, commit by compare-and-set (:mod:`signing`)."""
    chosen = parse_mode(mode)
    require(ctx, Permission.INVOICE_DRAFT if chosen == SecureMode.DESYNCHRONISE else Permission.INVOICE_SIGN_FINAL)
    done = _precheck(ctx, ref, chosen, Event.SIGN_FIRST if chosen == SecureMode.DESYNCHRONISE else Event.SECURE)
    if done is not None:
        return done
    cards = read_cards(reader, pin, chosen)  # the PIN is checked by the card, no transaction open
    return sign_prepared(ctx, reader, cards.professional, _prepare(ctx, ref, chosen, cards))


@use_case
def finalise(ctx: Context, ref: object, reader: CardReader, pin: str | None = None) -> views.InvoiceView:
    """The final signature of a desynchronised invoice, with the billing PS's CPS; repeated: a no-op."""
    require(ctx, Permission.INVOICE_SIGN_FINAL)
    done = _precheck(ctx, ref, SecureMode.DESYNCHRONISE, Event.SIGN_FINAL)
    if done is not None:
        return done
    cards = read_cards(reader, pin, SecureMode.SANS_VITALE)  # the Vitale card is not needed any more
    return sign_prepared(ctx, reader, cards.professional, _prepare_final(ctx, ref, cards.professional))


def prepare_final(ctx: Context, ref: object, card: ProfessionalCardData) -> signing.Prepared | views.InvoiceView:
    """Step 1 of the final signature of a desynchronised invoice with the CPS as read at the desk (the loopback
    interface of the desk's card agent): the view when it is final already. Then :func:`signing.commit`."""
    require(ctx, Permission.INVOICE_SIGN_FINAL)
    done = _precheck(ctx, ref, SecureMode.DESYNCHRONISE, Event.SIGN_FINAL)
    return done if done is not None else _prepare_final(ctx, ref, card)


@use_case
def _prepare_final(ctx: Context, ref: object, card: ProfessionalCardData) -> signing.Prepared:
    with ctx.db.transaction() as session:
        row = state.load(session, ref, lock=True)
        state.allowed(session, row, Event.SIGN_FINAL)
        before = check(session, row)
        if not before.ok:
            raise StateError("La première signature ne correspond plus à la facture : " + " ".join(before.problems),
                             code="invoice_tampered", field="signature")
        check_final_signer(session, row, card)
        return signing.prepare_in(ctx, session, row, step="final", event=Event.SIGN_FINAL,
                                  mode=SecureMode.DESYNCHRONISE.value, professional=card, vitale=None, number=None)


@dataclass(frozen=True)
class DeskOptions:
    """What the securing screen offers for one invoice: the modes the rules allow (``reason``, French, when they
    impose one), or the final signature when the first one is done; nothing when it cannot be secured now
    (``refusal``: why, in French)."""

    invoice: views.InvoiceView
    modes: tuple[SecureMode, ...]
    reason: str | None
    final_due: bool
    refusal: str | None

    def mode_choices(self) -> list[tuple[str, str]]:
        return [(mode.value, MODE_LABELS[mode]) for mode in self.modes]

    def needs_vitale(self) -> list[str]:
        return [mode.value for mode in self.modes if mode in NEEDS_VITALE]


def desk_options(ctx: Context, ref: object) -> DeskOptions:
    """The securing screen's choices for the invoice ``ref`` (the rules :func:`prepare` enforces, asked first)."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        row = state.load(session, ref)
        view = views.view(session, row)
        current = InvoiceState(row.state)
        if current == InvoiceState.PARTLY_SECURED:
            return DeskOptions(view, (), None, True, None)
        if current != InvoiceState.PRICED:
            refusal = (f"La facture est à l'état « {view.state_label} » : "
                       + ("contrôlez ses taux avant de la sécuriser." if current == InvoiceState.DRAFT
                          else "elle ne se sécurise plus."))
            return DeskOptions(view, (), None, False, refusal)
        offer = offered_modes(state.document(row).content)
        return DeskOptions(view, offer.modes, offer.reason, False, None)

"""The portable reader (« Factures poste de travail » of the eS-KAP+ manual, ``002`` desynchronised mode).

A portable reader carries a batch of priced invoices away from the desk — those of several professionals for the
same patients — so that one CPS (or a CPE) makes their first, desynchronised signature at the patient's home with
his Vitale card; the billing professional's CPS makes the final signature back at the desk (``finalise``).

The authority is the database (table ``portable_loads``): while an invoice is on a reader it cannot be edited,
rate-checked, secured, deleted or finalised at the desk (:func:`check_at_desk`, called by ``state.advance``).

* :func:`load` — put invoices on the reader (optionally the other professionals' for the same patients);
* :func:`listing` — what the reader carries, only the inserted Vitale card's insured person's by default;
* :func:`sign` — first signature of a selection with the Vitale card, through ``securing.secure(…,
  mode="desynchronise")``; returns a recap of what was signed and what was not (with the French reason);
* :func:`unload` — back to the workstation: signed ones are « à sécuriser », the others unchanged;
* :func:`pending_for_vitale` — the workstation invoices still waiting for this Vitale card.

Every change is audited (``invoice.portable_load`` / ``portable_sign`` / ``portable_unload``), written with
compare-and-set on the invoice's ``version`` and the load's ``current`` flag, and repeating it is a no-op.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.billing import signing, state, views
from feuille.billing.securing import Cards, checked_card, prepare, secure
from feuille.billing.specifics import forced_mode
from feuille.billing.stays import MAX_BATCH, current_load, pending_ids, signing_on
from feuille.cards.port import CardReader, Signature
from feuille.domain.identifiers import validate_nir
from feuille.domain.invoices import STATE_LABELS, InvoiceState, SecureMode
from feuille.errors import ConflictError, FeuilleError, StateError, ValidationError
from feuille.money import format_amount
from feuille.storage.models import Invoice, Patient, PortableLoad, Professional
from feuille.storage.retry import use_case

DEFAULT_READER = "portable"
_READER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
#: Invoices that may go on a reader: rate check done, no signature yet.
LOADABLE = (InvoiceState.PRICED,)

def reader_name(value: object) -> str:
    """A reader's name: lower-case letters, digits, ``-`` or ``_``, 40 characters at most."""
    text = value.strip().lower() if isinstance(value, str) else ""
    if not _READER_NAME.match(text):
        raise ValidationError(f"lecteur : nom de lecteur « {str(value)[:20]} » invalide (lettres minuscules, "
                              "chiffres, - ou _, 40 caractères au plus ; ex. « portable »).",
                              code="reader_name", field="lecteur")
    return text


def _ids(refs: Iterable[object]) -> list[int]:
    wanted: list[int] = []
    for ref in refs:
        number = state.invoice_id(ref)
        if number not in wanted:
            wanted.append(number)
    if len(wanted) > MAX_BATCH:
        raise ValidationError(f"ID : {MAX_BATCH} factures au plus à la fois.", code="too_many", field="ID")
    return wanted


def lock_in_order(session: Session, ids: list[int]) -> list[Invoice]:
    """Lock these invoices by increasing id (two desks locking overlapping sets then wait, never deadlock);
    returned in the order given, which is the order the user reads."""
    locked = {wanted: state.load(session, wanted, lock=True) for wanted in sorted(set(ids))}
    return [locked[wanted] for wanted in dict.fromkeys(ids)]


# --- views ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LoadedInvoice:
    id: int
    number: int | None
    state: str
    state_label: str
    billing_number: str
    professional: str
    patient: str
    insured_nir: str | None
    date: str
    total: str
    reader: str
    loaded_at: str
    signed: bool
    last_refusal: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "state": self.state, "state_label": self.state_label,
                "billing_number": self.billing_number, "professional": self.professional, "patient": self.patient,
                "insured_nir": self.insured_nir, "date": self.date, "total": self.total, "reader": self.reader,
                "loaded_at": self.loaded_at, "signed": self.signed, "last_refusal": self.last_refusal}


def _loaded_view(session: Session, load: PortableLoad, row: Invoice) -> LoadedInvoice:
    pro = session.get(Professional, row.professional_id)
    patient = session.get(Patient, row.patient_id) if row.patient_id is not None else None
    return LoadedInvoice(
        id=row.id, number=row.number, state=row.state, state_label=STATE_LABELS[InvoiceState(row.state)],
        billing_number=row.billing_number, professional=f"{pro.last_name} {pro.first_name}" if pro else "",
        patient=f"{patient.last_name} {patient.first_name}" if patient else "", insured_nir=row.patient_nir,
        date=row.invoice_date.isoformat(), total=format_amount(row.total), reader=load.reader,
        loaded_at=load.loaded_at.isoformat(), signed=row.state == InvoiceState.PARTLY_SECURED,
        last_refusal=load.last_refusal)


@dataclass(frozen=True)
class LoadResult:
    reader: str
    loaded: list[LoadedInvoice]          # put on the reader by this call
    already: list[LoadedInvoice]         # already on this reader (repeat: nothing done)

    def to_json(self) -> dict[str, Any]:
        return {"reader": self.reader, "loaded": [i.to_json() for i in self.loaded],
                "already": [i.to_json() for i in self.already]}


# --- loading -------------------------------------------------------------------------------------------------------

def _check_loadable(session: Session, row: Invoice, reader: str) -> PortableLoad | None:
    """The current stay on this reader (a repeat), None when the invoice may be loaded; else a French refusal."""
    load = current_load(session, row.id)
    if load is not None:
        if load.reader == reader:
            return load
        raise ConflictError(f"La facture n° {row.id} est déjà sur le lecteur portable « {load.reader} » ; "
                            "déchargez-la d'abord.", code="invoice_on_other_reader", field="id")
    if row.state == InvoiceState.DRAFT:
        raise StateError(f"La facture n° {row.id} est « brouillon » : vérifiez les taux (feuille facture controler) "
                         "avant de la charger sur le lecteur.", code="invoice_not_loadable", field="id")
    if row.state not in LOADABLE:
        raise StateError(f"La facture n° {row.id} est « {STATE_LABELS[InvoiceState(row.state)]} » : seules les "
                         "factures « TP calculé » (non signées) se chargent sur le lecteur.",
                         code="invoice_not_loadable", field="id")
    if not row.patient_nir:
        raise ValidationError(f"La facture n° {row.id} n'a pas de NIR d'assuré : elle ne peut pas être signée "
                              "avec une carte Vitale.", code="invoice_no_nir", field="id")
    if forced_mode(state.document(row).content) is not None:  # the anonymous minor's: no Vitale card may sign it
        raise StateError(f"La facture n° {row.id} (mineur anonyme) se sécurise en SESAM sans Vitale, au poste : "
                         "elle ne va pas sur le lecteur portable.", code="invoice_not_loadable", field="id")
    return None


def _same_patients(session: Session, nirs: set[str], taken: list[int]) -> list[int]:
    """The other priced invoices (any professional) of the same insured persons, not on a reader."""
    if not nirs:
        return []
    on_reader = select(PortableLoad.invoice_id).where(PortableLoad.current.is_(True))
    query = (select(Invoice.id).where(Invoice.patient_nir.in_(sorted(nirs)),
                                      Invoice.state.in_([s.value for s in LOADABLE]),
                                      Invoice.id.not_in(on_reader)).order_by(Invoice.id))
    return [i for i in session.scalars(query) if i not in taken]


@use_case
def load(ctx: Context, refs: Iterable[object], reader: object = DEFAULT_READER, *,
         same_patients: bool = False) -> LoadResult:
    """Put these priced invoices on the reader (all or nothing); ``same_patients``: also the priced invoices of
    the other professionals for the same insured persons (the « mêmes patients » proposal of the manual)."""
    require(ctx, Permission.INVOICE_DRAFT)
    name = reader_name(reader)
    wanted = _ids(refs)
    if not wanted:
        raise ValidationError("ID : indiquez au moins une facture à charger.", code="no_invoice", field="ID")
    try:
        with ctx.db.transaction() as session:
            chosen = list(wanted)
            if same_patients:  # found before any lock, so that every row is then locked in one sorted pass
                nirs = set(session.scalars(select(Invoice.patient_nir).where(Invoice.id.in_(wanted))))
                chosen += _same_patients(session, {nir for nir in nirs if nir}, wanted)
            rows = lock_in_order(session, chosen)
            # Every check (and its lock on the stays) before the first audit entry: the audit head, which
            # serialises all writers, is then the last lock this transaction takes.
            checked = [(row, _check_loadable(session, row, name)) for row in rows]
            loaded: list[LoadedInvoice] = []
            already: list[LoadedInvoice] = []
            for row, existing in checked:
                if existing is not None:
                    already.append(_loaded_view(session, existing, row))
                    continue
                now = ctx.clock()
                stay = PortableLoad(invoice_id=row.id, reader=name, current=True, loaded_by=ctx.actor.login,
                                    loaded_at=now)
                session.add(stay)
                session.flush()
                state.compare_and_set(ctx, session, row)
                state.record(ctx, session, row, "portable_load", {"reader": name, "load": stay.id,
                                                                   "state": row.state})
                loaded.append(_loaded_view(session, stay, row))
            return LoadResult(name, loaded, already)
    except IntegrityError:
        raise ConflictError("Une de ces factures vient d'être chargée sur un lecteur par un autre poste ; "
                            "recommencez.", code="invoice_on_other_reader", field="id") from None


# --- reading -------------------------------------------------------------------------------------------------------

def _stays(session: Session, reader: str, nir: str | None = None) -> list[tuple[PortableLoad, Invoice]]:
    query = (select(PortableLoad, Invoice).join(Invoice, Invoice.id == PortableLoad.invoice_id)
             .where(PortableLoad.reader == reader, PortableLoad.current.is_(True)).order_by(Invoice.id))
    if nir is not None:
        query = query.where(Invoice.patient_nir == nir)
    return [(stay, row) for stay, row in session.execute(query)]


def listing(ctx: Context, reader: object = DEFAULT_READER, insured_nir: object = None) -> list[LoadedInvoice]:
    """What the reader carries; with ``insured_nir`` (the inserted Vitale card's), only that insured's invoices."""
    require(ctx, Permission.READ)
    name = reader_name(reader)
    nir = _nir(insured_nir) if insured_nir is not None else None
    with ctx.db.read() as session:
        return [_loaded_view(session, stay, row) for stay, row in _stays(session, name, nir)]


@dataclass(frozen=True)
class ReaderState:
    reader: str
    loaded: int
    signed: int
    not_signed: int
    insured: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"reader": self.reader, "loaded": self.loaded, "signed": self.signed, "not_signed": self.not_signed,
                "insured": self.insured}


def reader_state(ctx: Context, reader: object = DEFAULT_READER) -> ReaderState:
    """The reader's counters, as its two indicators: signed and not signed invoices."""
    items = listing(ctx, reader)
    signed = sum(1 for i in items if i.signed)
    return ReaderState(reader_name(reader), len(items), signed, len(items) - signed,
                       sorted({i.insured_nir for i in items if i.insured_nir}))


def _nir(value: object) -> str:
    # The one NIR validator (Corsican 2A/2B included); a card's wrong key is the card's, not a refusal.
    return validate_nir(value, field="carte_vitale", from_card=True).value


def pending_for_vitale(ctx: Context, insured_nir: object, *, exclude: int | None = None) -> list[int]:
    """The workstation invoices (brouillon, TP calculé) of this insured person, still waiting for his card."""
    require(ctx, Permission.READ)
    nir = _nir(insured_nir)
    with ctx.db.read() as session:
        return pending_ids(session, nir, exclude=exclude)


# --- signing -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RecapLine:
    id: int
    number: int | None
    billing_number: str | None
    patient: str | None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "billing_number": self.billing_number,
                "patient": self.patient, "reason": self.reason}


@dataclass(frozen=True)
class Recap:
    reader: str
    insured_nir: str
    signed: list[RecapLine] = field(default_factory=list)
    not_signed: list[RecapLine] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"reader": self.reader, "insured_nir": self.insured_nir,
                "signed": [line.to_json() for line in self.signed],
                "not_signed": [line.to_json() for line in self.not_signed]}


def _note(ctx: Context, invoice_id: int, reader: str, *, signed: bool, reason: str | None) -> None:
    """Remember on the stay what the signing did (compare-and-set on ``current``), audited."""
    with ctx.db.transaction() as session:
        load = current_load(session, invoice_id, lock=True)
        if load is None or load.reader != reader:
            return
        now = ctx.clock()
        values: dict[str, object] = {"last_refusal": None if signed else reason}
        if signed:
            values["signed_at"] = now
        session.execute(update(PortableLoad).where(PortableLoad.id == load.id, PortableLoad.current.is_(True))
                        .values(**values).execution_options(synchronize_session=False))
        row = state.load(session, invoice_id)
        state.record(ctx, session, row, "portable_sign",
                     {"reader": reader, "load": load.id, "signed": signed, "reason": reason})


def sign(ctx: Context, card_reader: CardReader, refs: Iterable[object] = (), *, every: bool = False,
         reader: object = DEFAULT_READER, pin: str | None = None) -> Recap:
    """First (desynchronised) signature, on the reader, of the chosen invoices of the inserted Vitale card's
    insured person (``every``: all of them); the recap says which were signed and which not, and why."""
    require(ctx, Permission.INVOICE_DRAFT)
    name = reader_name(reader)
    vitale = card_reader.vitale_card()
    if vitale is None:
        raise ValidationError("carte Vitale : insérez la carte Vitale (ou l'appli) du patient pour lister et "
                              "signer ses factures.", code="no_vitale", field="carte_vitale")
    nir = _nir(vitale.insured_nir)
    chosen = _ids(refs)
    if not chosen and not every:
        raise ValidationError("ID : sélectionnez au moins une facture (ou --tout).", code="no_invoice", field="ID")
    checked_card(card_reader, pin)  # once: a wrong PIN costs one try, not one per invoice
    with ctx.db.read() as session:
        mine = {row.id: row for _, row in _stays(session, name, nir)}
        carried = {row.id for _, row in _stays(session, name)}
        patients = {row.id: _patient_label(session, row) for row in mine.values()}
    if every:
        chosen = sorted(set(chosen) | set(mine))
    recap = Recap(name, nir)
    for invoice_id in chosen:
        row = mine.get(invoice_id)
        if row is None:
            reason = (f"elle n'est pas celle de l'assuré de la carte Vitale insérée ({nir})." if invoice_id in carried
                      else f"elle n'est pas sur le lecteur « {name} ».")
            recap.not_signed.append(RecapLine(invoice_id, None, None, None, reason))
            continue
        line = RecapLine(row.id, row.number, row.billing_number, patients[row.id])
        if row.state == InvoiceState.PARTLY_SECURED:  # signed before: a repeat
            recap.signed.append(line)
            continue
        try:
            with signing_on(name):
                view = secure(ctx, row.id, SecureMode.DESYNCHRONISE.value, card_reader, None)
        except FeuilleError as exc:
            _note(ctx, row.id, name, signed=False, reason=exc.message)
            recap.not_signed.append(RecapLine(row.id, row.number, row.billing_number, line.patient, exc.message))
            continue
        _note(ctx, row.id, name, signed=True, reason=None)
        recap.signed.append(RecapLine(view.id, view.number, view.billing_number, line.patient))
    return recap


# --- signing from the desk's browser: the cards read through the card agent, in three steps ---------------------

def _refusal_on_reader(ctx: Context, invoice_id: int, reader: str, nir: str) -> FeuilleError | None:
    """Why this invoice cannot be signed on ``reader`` with the card of ``nir``'s insured person (as :func:`sign`
    says it in its recap), None when it can."""
    with ctx.db.read() as session:
        mine = {row.id for _, row in _stays(session, reader, nir)}
        carried = {row.id for _, row in _stays(session, reader)}
    if invoice_id in mine:
        return None
    if invoice_id in carried:
        return ValidationError(f"carte Vitale : la facture n° {invoice_id} n'est pas celle de l'assuré de la carte "
                               f"présentée ({nir}).", code="wrong_vitale", field="carte_vitale")
    return StateError(f"La facture n° {invoice_id} n'est pas sur le lecteur portable « {reader} ».",
                      code="invoice_not_on_reader", field="id")


def prepare_sign(ctx: Context, ref: object, cards: Cards,
                 reader: object = DEFAULT_READER) -> signing.Prepared | views.InvoiceView:
    """Step 1 of one invoice's first signature on the reader, with the cards the desk's agent read (the CPS/CPE and
    the patient's Vitale card or app): the bytes both cards sign, or the view when it was signed before. A
    refusal is noted on the stay (the recap's reason) and raised."""
    require(ctx, Permission.INVOICE_DRAFT)
    name = reader_name(reader)
    invoice_id = state.invoice_id(ref)
    if cards.vitale is None:
        raise ValidationError("carte Vitale : présentez la carte Vitale (ou l'appli) du patient pour signer ses "
                              "factures sur le lecteur.", code="no_vitale", field="carte_vitale")
    refused = _refusal_on_reader(ctx, invoice_id, name, _nir(cards.vitale.insured_nir))
    try:
        if refused is not None:
            raise refused
        with signing_on(name):
            return prepare(ctx, invoice_id, SecureMode.DESYNCHRONISE.value, cards)
    except FeuilleError as exc:
        _note(ctx, invoice_id, name, signed=False, reason=exc.message)
        raise


def commit_sign(ctx: Context, ref: object, prepared_id: int, signature: Signature, vitale: Signature | None,
                reader: object = DEFAULT_READER) -> views.InvoiceView:
    """Step 3: the cards' signatures committed on the reader's side (« à sécuriser »), noted on the stay; a
    refusal (the preparation released) is noted with its reason and raised."""
    require(ctx, Permission.INVOICE_DRAFT)
    name = reader_name(reader)
    invoice_id = state.invoice_id(ref)
    try:
        with signing_on(name):
            view = signing.commit_for(ctx, invoice_id, prepared_id, signature, vitale)
    except FeuilleError as exc:
        _note(ctx, invoice_id, name, signed=False, reason=exc.message)
        raise
    _note(ctx, invoice_id, name, signed=True, reason=None)
    return view


def release_sign(ctx: Context, ref: object, prepared_id: int, reason: str, reader: object = DEFAULT_READER) -> None:
    """A card refused to sign: the preparation is released (its number noted unused) and the reason noted."""
    require(ctx, Permission.INVOICE_DRAFT)
    name = reader_name(reader)
    invoice_id = state.invoice_id(ref)
    signing.release_for(ctx, invoice_id, prepared_id, reason)
    _note(ctx, invoice_id, name, signed=False, reason=f"carte : {' '.join(reason.split())[:200]}")


def recap(ctx: Context, refs: Iterable[object], reader: object = DEFAULT_READER) -> Recap:
    """The recap after a signing from the browser: of these invoices, those signed on the reader and the others
    with the reason noted on their stay (read from the database, the authority)."""
    require(ctx, Permission.READ)
    name = reader_name(reader)
    wanted = _ids(refs)
    with ctx.db.read() as session:
        found = {row.id: (stay, row) for stay, row in _stays(session, name)}
        result = Recap(name, "")
        for invoice_id in wanted:
            if invoice_id not in found:
                result.not_signed.append(RecapLine(invoice_id, None, None, None,
                                                   f"elle n'est pas sur le lecteur « {name} »."))
                continue
            stay, row = found[invoice_id]
            line = RecapLine(row.id, row.number, row.billing_number, _patient_label(session, row))
            if row.state == InvoiceState.PARTLY_SECURED:
                result.signed.append(line)
            else:
                result.not_signed.append(RecapLine(line.id, line.number, line.billing_number, line.patient,
                                                   stay.last_refusal or "non signée."))
        return result


def _patient_label(session: Session, row: Invoice) -> str:
    patient = session.get(Patient, row.patient_id) if row.patient_id is not None else None
    return f"{patient.last_name} {patient.first_name}" if patient else ""


# --- unloading -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnloadResult:
    reader: str
    signed: list[LoadedInvoice]       # back « à sécuriser »: the final signature is made at the desk
    unchanged: list[LoadedInvoice]    # back as they left

    def to_json(self) -> dict[str, Any]:
        return {"reader": self.reader, "signed": [i.to_json() for i in self.signed],
                "unchanged": [i.to_json() for i in self.unchanged]}


@use_case
def unload(ctx: Context, reader: object = DEFAULT_READER) -> UnloadResult:
    """Everything the reader carries goes back to the workstation; an empty reader: a no-op."""
    require(ctx, Permission.INVOICE_DRAFT)
    name = reader_name(reader)
    with ctx.db.transaction() as session:
        signed: list[LoadedInvoice] = []
        unchanged: list[LoadedInvoice] = []
        for stay, _ in _stays(session, name):
            row = state.load(session, stay.invoice_id, lock=True)
            now: datetime = ctx.clock()
            result = session.execute(
                update(PortableLoad).where(PortableLoad.id == stay.id, PortableLoad.current.is_(True))
                .values(current=None, unloaded_at=now, unloaded_by=ctx.actor.login)
                .execution_options(synchronize_session=False))
            if getattr(result, "rowcount", 0) != 1:
                raise ConflictError(f"La facture n° {row.id} vient d'être déchargée par un autre poste ; "
                                    "recommencez.", code="invoice_changed", field="id")
            state.compare_and_set(ctx, session, row)
            session.refresh(stay)
            view = _loaded_view(session, stay, row)
            (signed if view.signed else unchanged).append(view)
            state.record(ctx, session, row, "portable_unload",
                         {"reader": name, "load": stay.id, "state": row.state, "signed": view.signed})
        return UnloadResult(name, signed, unchanged)

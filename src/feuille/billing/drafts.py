"""Drafting an invoice: the pricing contract's JSON extended with who, for whom, on whose prescription.

The input is the document of ``feuille tarifer`` (``date``, ``coverage``, ``amc``, ``acts``, ``overrides``,
``tiers_payant``, ``group_identical``) plus the keys below; the professional's profession, specialty and sector
are taken from the stored professional, never typed. See ``docs/invoices.md``.

* ``patient``: ``{"id": 12}`` or ``{"nir": "1 42 01 96 296 516 96", "rank": 1}``
* ``professional``: id or billing number (default: the professional linked to the acting user);
  ``performer``: the remplaçant who did the care, billing for the titulaire (checked against his calendar)
* ``place``: ``cabinet`` (default) or ``domicile``
* ``prescription``: ``{"date": …, "prescriber": id, number, or the fields of a new prescriber}``
* ``entente_prealable``: ``{"code": "4", "date": …}`` (required when an act needs one)
* ``payer``: ``{"amc_contract": id, "tp_amo": bool, "tp_amc": bool}``
* ``mt_declaration`` (oui / non / ne_sait_pas); ``prescription.photo``: ``{"base64", "media_type"}``, stored as
  the invoice's « ordonnance » attachment in the draft's transaction
* ``accident``, ``accident_work``, ``exoneration_justification``, ``ald``, ``specifics``: see
  :mod:`feuille.billing.specifics` (pure checks and the mapping onto pricing) and
  :mod:`feuille.billing.draft_checks` (the checks against the patient and his contracts)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.billing import (
    amc_transmission,
    attachments,
    care_dates,
    draft_checks,
    lines,
    record_rights,
    state,
    stays,
    views,
)
from feuille.billing import specifics as sp
from feuille.billing.document import InvoiceInput, StoredDocument, parse_input
from feuille.billing.lines import Line
from feuille.billing.stored import RecordRights, StoredPriced, columns, priced_of
from feuille.billing.wizard_document import ContractAnswer, contract_amc
from feuille.cards.port import CardReader
from feuille.catalog.ccam_search import ccam_tariffs
from feuille.domain.identifiers import compact
from feuille.domain.invoice_fields import named
from feuille.domain.invoices import Event, InvoiceState, digest, transition
from feuille.domain.professionals import validate_prescriber
from feuille.errors import ConflictError, NotFoundError, ValidationError
from feuille.nomenclature.ngap import default_table
from feuille.practice import patients, prescribers, professionals, replacements
from feuille.pricing import price, read_invoice, result_to_json
from feuille.storage.models import AmcContract, Favourite, Invoice, Patient, Prescriber, Professional
from feuille.storage.retry import use_case

PRICING_KEYS = ("date", "coverage", "amc", "acts", "overrides", "tiers_payant", "group_identical")
EXTENSION_KEYS = ("patient", "professional", "performer", "place", "prescription", "entente_prealable", "payer",
                  "exoneration_justification", "ald", "mt_declaration", "accident_work", "accident", "specifics",
                  record_rights.RECORD_KEY)  # the last is computed from the patient record (a value given is replaced)
EP_CODES = {"0": "pas de réponse", "4": "accord", "5": "urgence", "D": "refus", "9": "pas de demande"}


@dataclass(frozen=True)
class Parties:
    professional: Professional
    performer: Professional | None
    patient: Patient


def _object(value: object, field: str, required: bool = True) -> dict[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(f"{named(field)} : un objet JSON est attendu.", code="invoice_input", field=field)
    return dict(value)


def _date(value: object, field: str) -> date:
    found = sp.iso_date(value, field)
    assert found is not None  # required: a missing date is refused there
    return found


def _patient(session: Session, value: object) -> Patient:
    ref = _object(value, "patient")
    if "id" in ref:
        row = session.get(Patient, ref["id"]) if isinstance(ref["id"], int) else None
        if row is None:
            raise NotFoundError(f"patient : patient n° {str(ref['id'])[:20]} introuvable.", code="patient_unknown",
                                field="patient.id")
        return row
    nir, rank = compact(ref.get("nir")), ref.get("rank", 1)
    if not nir or not isinstance(rank, int) or isinstance(rank, bool):
        raise ValidationError("patient : indiquez son id, ou le NIR de l'assuré et le rang du bénéficiaire.",
                              code="patient_ref", field="patient")
    rows = list(session.scalars(select(Patient).where(Patient.insured_nir == nir, Patient.rank == rank).limit(2)))
    if not rows:
        raise NotFoundError(f"patient : aucun patient de NIR {nir} au rang {rank}.", code="patient_unknown",
                            field="patient.nir")
    if len(rows) > 1:
        raise ConflictError(f"patient : plusieurs patients de NIR {nir} au rang {rank} ; indiquez son id.",
                            code="patient_ambiguous", field="patient")
    return rows[0]


def _professional_ref(value: object) -> object:
    if isinstance(value, Mapping):
        return value.get("id", value.get("billing_number"))
    return value


def _parties(ctx: Context, session: Session, doc: Mapping[str, Any], day: date) -> Parties:
    own_id = professionals.actor_professional_id(session, ctx)
    ref = _professional_ref(doc.get("professional"))
    if ref is None:
        if own_id is None:
            raise ValidationError(f"{named('professional')} : indiquez le professionnel qui facture (aucun n'est lié à "
                                  f"l'utilisateur « {ctx.actor.login} »).", code="professional_missing",
                                  field="professional")
        ref = own_id
    pro = professionals.resolve(session, ref, "professional")
    performer: Professional | None = None
    performer_ref = _professional_ref(doc.get("performer"))
    if performer_ref is not None:
        performer = professionals.resolve(session, performer_ref, "performer")
    elif own_id is not None and own_id != pro.id:
        own = session.get(Professional, own_id)
        performer = own if own is not None and own.kind == "remplacant" else None
    if performer is not None and performer.id != pro.id:
        check_replacement(session, performer, pro, day)
    return Parties(pro, performer if performer is not None and performer.id != pro.id else None,
                   _patient(session, doc.get("patient")))


def check_replacement(session: Session, performer: Professional, pro: Professional, day: date) -> None:
    """A remplaçant bills for a titulaire only on the days of his calendar."""
    if not replacements.can_bill_for(session, performer.id, pro.id, day):
        raise ValidationError(
            f"{named('performer')} : {professionals.display_name(performer)} ne remplace pas "
            f"{professionals.display_name(pro)} le {day:%d/%m/%Y} (jour absent de son calendrier de remplacement).",
            code="remplacant_off_calendar", field="performer")


ACT_ENTENTE = "entente_prealable"   # the act's own « Soumis à entente préalable » box


def _act_flags(acts: object, profession: str) -> tuple[list[str], list[str]]:
    """Codes needing a prescription, codes needing an entente préalable (from the NGAP table)."""
    table = default_table()
    need_prescription: list[str] = []
    need_ep: list[str] = []
    for index, act in enumerate(acts if isinstance(acts, list) else []):
        code = act.get("code") if isinstance(act, Mapping) else None
        entry = table.find(code.strip().upper(), profession) if isinstance(code, str) else None
        if entry is not None and entry.prescription:
            need_prescription.append(entry.code)
        if (entry is not None and entry.entente_prealable) or _ticked_entente(act, index):
            need_ep.append(entry.code if entry is not None else str(code).strip().upper())
    return need_prescription, need_ep


def _ticked_entente(act: object, index: int) -> bool:
    """« Soumis à entente préalable » ticked on the act itself (``acts[i].entente_prealable``), whatever the
    table says: the user knows of an agreement the table does not require."""
    flag = act.get(ACT_ENTENTE) if isinstance(act, Mapping) else None
    if flag is None or isinstance(flag, bool):
        return bool(flag)
    field = f"acts[{index}].entente_prealable"
    raise ValidationError(f"{named(field)} : true ou false est attendu.", code="entente_flag", field=field)


def _pricing_acts(acts: object) -> object:
    """The acts without what only the draft reads (the entente box): the pricing contract refuses unknown keys."""
    if not isinstance(acts, list):
        return acts
    return [{k: v for k, v in act.items() if k != ACT_ENTENTE} if isinstance(act, Mapping) else act
            for act in acts]


def _document_professional(ctx: Context, session: Session, document: Mapping[str, Any]) -> Professional | None:
    """The professional a document bills for: the one it names, else the user's own (None when neither)."""
    ref = _professional_ref(document.get("professional"))
    ref = professionals.actor_professional_id(session, ctx) if ref is None else ref
    return None if ref is None else professionals.resolve(session, ref, "professional")


def majorations_of(ctx: Context, document: Mapping[str, Any], code: str) -> tuple[str, ...]:
    """For the wizard: the majorations and allowances the NGAP table lists for this act of the document's
    professional (``AMI`` → IFD, IK; ``G`` → MD), in the table's order."""
    require(ctx, Permission.INVOICE_DRAFT)
    with ctx.db.read() as session:
        pro = _document_professional(ctx, session, document)
    entry = default_table().find(code.strip().upper(), pro.profession) if pro is not None else None
    return entry.majorations if entry is not None else ()


def acts_needing_entente(ctx: Context, document: Mapping[str, Any]) -> list[str]:
    """For the wizard: the codes of the document's acts (favourites expanded) that need an entente préalable."""
    require(ctx, Permission.INVOICE_DRAFT)
    with ctx.db.read() as session:
        pro = _document_professional(ctx, session, document)
        if pro is None:
            return []
        doc = dict(document)
        _expand_favourites(session, doc, pro)
        return _act_flags(doc.get("acts"), pro.profession)[1]


def _check_specifics(doc: Mapping[str, Any], typed: InvoiceInput, details: sp.Details, profession: str,
                     day: date) -> None:
    need_prescription, need_ep = _act_flags(doc.get("acts"), profession)
    prescription = typed.prescription or {}
    if need_prescription and not prescription:
        raise ValidationError(f"{named('prescription')} : l'acte {need_prescription[0]} demande une prescription "
                              "(date et prescripteur).", code="prescription_missing", field="prescription")
    if prescription:
        written = _date(prescription.get("date"), "prescription.date")
        if written > day:
            raise ValidationError(f"{named('prescription.date')} : la prescription est postérieure à la date de la "
                                  "facture.",
                                  code="prescription_date", field="prescription.date")
        if prescription.get("prescriber") is None:
            raise ValidationError(f"{named('prescription.prescriber')} : le prescripteur est obligatoire.",
                                  code="prescriber_missing", field="prescription.prescriber")
    ep = typed.entente_prealable or {}
    if need_ep and (not ep or ep.get("code") == "9"):
        raise ValidationError(f"{named('entente_prealable')} : l'acte {need_ep[0]} demande une entente préalable "
                              "(code et date de la demande).", code="entente_prealable_missing",
                              field="entente_prealable")
    if ep:
        if ep.get("code") not in EP_CODES:
            raise ValidationError(f"{named('entente_prealable.code')} : code inconnu (0, 4, 5, D ou 9).",
                                  code="entente_prealable_code", field="entente_prealable.code")
        if ep.get("code") != "9":
            asked = _date(ep.get("date"), "entente_prealable.date")
            if asked > day:
                raise ValidationError(f"{named('entente_prealable.date')} : la demande est postérieure à la facture.",
                                      code="entente_prealable_date", field="entente_prealable.date")
    sp.check(doc, day, details)  # place and mt_declaration: typed by the model


def _prescriber(ctx: Context, session: Session, doc: dict[str, Any]) -> None:
    """Resolve the prescriber, creating it on the spot (in this transaction) when its fields are given; his
    number and RPPS are kept beside his id, frozen with the invoice for its B2 records (``billing/fse.py``)."""
    prescription = doc.get("prescription")
    if not isinstance(prescription, dict) or prescription.get("prescriber") is None:
        return
    ref = prescription["prescriber"]
    if isinstance(ref, Mapping):
        require(ctx, Permission.PRESCRIBER_WRITE)
        record = validate_prescriber(ref)
        if session.scalar(select(Prescriber.id).where(Prescriber.number == record.number)) is not None:
            row = prescribers.find(session, record.number)
        else:
            row = prescribers.add(ctx, session, record, origin="invoice")
    else:
        row = prescribers.find(session, ref)
    prescription["prescriber"] = row.id
    prescription["prescriber_number"] = row.number
    prescription["prescriber_rpps"] = row.rpps


def _favourite_acts(row: Favourite) -> list[dict[str, Any]]:
    acts: list[dict[str, Any]] = []
    for fav in row.acts:
        act: dict[str, Any] = {"code": fav.code, "quantity": fav.quantity, "coefficient": str(fav.coefficient)}
        if fav.price is not None:
            act["unit_price"] = str(fav.price)
        if fav.qualifier:
            act["qualifier"] = fav.qualifier
        acts.append(act)
        if fav.indemnity:  # the travel allowance the favourite carries: per km as the coefficient
            acts.append({"code": fav.indemnity, **({"coefficient": str(fav.distance_km)} if fav.distance_km else {})})
    return acts


def _expand_favourites(session: Session, doc: dict[str, Any], pro: Professional) -> None:
    """``{"favourite": id}`` in ``acts`` becomes the favourite's acts (and its indemnities), in place."""
    acts = doc.get("acts")
    if not isinstance(acts, list) or not any(isinstance(a, Mapping) and "favourite" in a for a in acts):
        return
    expanded: list[Any] = []
    for index, act in enumerate(acts):
        if not (isinstance(act, Mapping) and "favourite" in act):
            expanded.append(act)
            continue
        ref = act["favourite"]
        row = session.get(Favourite, ref) if isinstance(ref, int) and not isinstance(ref, bool) else None
        if row is None or row.professional_id != pro.id:
            field = f"acts[{index}].favourite"
            raise ValidationError(f"{named(field)} : soin favori {str(ref)[:12]} introuvable parmi ceux de "
                                  f"{professionals.display_name(pro)}.", code="favourite_unknown", field=field)
        exoneration = act.get("exoneration")  # « exonération sur chaque acte » typed once for the favourite
        expanded.extend({**fav, "exoneration": exoneration} if exoneration is not None else fav
                        for fav in _favourite_acts(row))
    doc["acts"] = expanded


def _check_payer(session: Session, doc: dict[str, Any], patient: Patient) -> None:
    payer = _object(doc.get("payer"), "payer", required=False)
    contract = payer.get("amc_contract")
    if contract is not None:
        row = session.get(AmcContract, contract) if isinstance(contract, int) else None
        if row is None or row.patient_id != patient.id:
            raise ValidationError(f"{named('payer.amc_contract')} : le contrat complémentaire {str(contract)[:12]} "
                                  "n'est pas un contrat de ce patient.", code="amc_contract",
                                  field="payer.amc_contract")
        if "amc" not in doc:  # the chosen contract prices the complementary part unless the document says how
            doc["amc"] = contract_amc(ContractAnswer(row.id, row.formula, row.formula_rate, row.fixed_amount))
    if "tiers_payant" not in doc and ("tp_amo" in payer or "tp_amc" in payer):
        doc["tiers_payant"] = {"amo": bool(payer.get("tp_amo")), "amc": bool(payer.get("tp_amc"))}


def pricing_document(doc: Mapping[str, Any], pro: Professional, rights: RecordRights | None,
                     details: sp.Details | None = None) -> dict[str, Any]:
    """The pricing contract's document: its own keys, with what the insurance details and specifics imply and
    what the patient record gave (``rights``, stored with the document)."""
    priced = {key: doc[key] for key in PRICING_KEYS if key in doc}
    if "acts" in priced:
        priced["acts"] = _pricing_acts(priced["acts"])
    sp.apply(priced, doc, details)
    record_rights.apply(priced, rights)  # the patient record's rights, where the document says nothing
    priced["professional"] = {"profession": pro.profession, "specialty": pro.specialty, "sector": pro.sector}
    return priced


@dataclass(frozen=True)
class Priced:
    """The priced result as stored in ``priced`` and its typed lines (``invoice_lines``)."""

    stored: StoredPriced
    lines: list[Line]


def price_document(ctx: Context, doc: Mapping[str, Any], pro: Professional, rights: RecordRights | None,
                   details: sp.Details | None = None) -> Priced:
    """Price with the engine; the lines keep their date, quantity and exoneration for the signed content. The
    trace says, after its header, what the patient record gave; the warnings add the record's and the age of the
    care (against today: the rate check, just before securing, says it again). ``details``: the document's
    insurance details when already read (else read here)."""
    details = details or sp.read_details(doc)
    invoice = read_invoice(pricing_document(doc, pro, rights, details))
    result = price(invoice, ccam=ccam_tariffs(ctx.db))
    out = result_to_json(result)
    for line, priced in zip(out["lines"], result.lines, strict=True):
        line.update(date=priced.date.isoformat(), quantity=priced.quantity, exoneration=priced.exoneration)
    trace = list(out.get("trace") or [])
    out["trace"] = [*trace[:1], *(rights.trace if rights else ()), *trace[1:]]
    old = care_dates.age_warning(doc, _date(doc.get("date"), "date"), ctx.clock().date())
    from_record = rights.warnings if rights else ()
    out["warnings"] = [*out["warnings"], *sp.warnings(doc, details), *from_record, *([old] if old else [])]
    return Priced(priced_of(out), lines.from_engine(result.lines, invoice.acts))


def price_stored(ctx: Context, stored: StoredDocument, pro: Professional) -> Priced:
    """Price a stored input again (the rate check, securing's comparison)."""
    return price_document(ctx, stored.content, pro, stored.record_rights)


def input_hash(stored: StoredDocument, pro: Professional) -> str:
    """The SHA-256 of what the stored input gives the pricing contract (kept by the rate check)."""
    return digest(state.dumps(pricing_document(stored.content, pro, stored.record_rights)).encode("utf-8"))


@dataclass(frozen=True)
class Prepared:
    """A checked and priced input, with what goes beside it: the anonymous NIR, the prescription's photo."""

    parties: Parties
    doc: dict[str, Any]
    details: sp.Details
    priced: Priced
    day: date
    anonymous_nir: str | None
    photo: attachments.Photo | str | None


def _values(ready: Prepared) -> dict[str, Any]:
    """The invoice's columns for this input (the same for a new draft and an edited one)."""
    parties = ready.parties
    nature = sp.effective_nature(ready.doc, ready.details)
    return {
        "professional_id": parties.professional.id,
        "performer_id": parties.performer.id if parties.performer else None,
        "patient_id": parties.patient.id, "billing_number": parties.professional.billing_number,
        # the anonymous minor is billed under the fictitious NIR only: nothing sent names him or his insured
        "patient_nir": ready.anonymous_nir or parties.patient.insured_nir,
        "patient_rank": 1 if ready.anonymous_nir else parties.patient.rank, "invoice_date": ready.day,
        "nature": nature[:12], "document": state.dumps(ready.doc),
        "priced": ready.priced.stored.dumps(), **columns(ready.priced.stored),
        "rate_checked": False, "rate_hash": None,
    }


def _take_photo(doc: dict[str, Any]) -> attachments.Photo | str | None:
    """The prescription's photo out of the input: the stored input keeps only its reference (name, type, SHA-256)."""
    prescription = doc.get("prescription")
    if not isinstance(prescription, dict) or prescription.get("photo") is None:
        return None
    photo = attachments.read_photo(prescription["photo"])
    if isinstance(photo, attachments.Photo):
        prescription["photo"] = photo.reference()
    return photo


def _prepare(ctx: Context, session: Session, document: object) -> Prepared:
    """Parse once (the typed input and its insurance details), check against the stored data, price."""
    typed, details = parse_input(document)
    doc = _stored_form(document)
    day = typed.date
    care_dates.check_document(doc, day, ctx.clock().date())
    parties = _parties(ctx, session, doc, day)
    _expand_favourites(session, doc, parties.professional)
    _check_specifics(doc, typed, details, parties.professional.profession, day)
    _check_payer(session, doc, parties.patient)
    record = record_rights.of_row(parties.patient)
    draft_checks.check_ald(details, record, day)
    rights = record_rights.decide(record, doc, day, details).model_copy(
        update={"beneficiary": record_rights.beneficiary_of(parties.patient)})
    doc[record_rights.RECORD_KEY] = rights.to_json()
    amc_transmission.settle(session, doc, details, day)
    nir = draft_checks.anonymous_nir(details, parties.patient, day)
    photo = _take_photo(doc)
    _prescriber(ctx, session, doc)
    priced = price_document(ctx, doc, parties.professional, rights, details)
    return Prepared(parties, doc, details, priced, day, nir, photo)


def _stored_form(document: object) -> dict[str, Any]:
    """A copy of the input that billing completes (favourites expanded, prescriber id, photo reference, record
    rights) and stores; the nested objects it changes are copied too (the caller's document is left as given)."""
    assert isinstance(document, Mapping)  # checked by parse_input
    doc = dict(document)
    for key in ("prescription", "payer", "entente_prealable", "specifics"):
        if isinstance(doc.get(key), Mapping):
            doc[key] = dict(doc[key])
    return doc


def _store_photo(ctx: Context, session: Session, row: Invoice, photo: attachments.Photo | str | None) -> None:
    if isinstance(photo, attachments.Photo):
        attachments.add_photo(ctx, session, row, photo)
    elif photo is not None and not attachments.has_prescription(session, row, photo):
        raise ValidationError("prescription.photo.base64 : joignez la photo de l'ordonnance (base64 et media_type) ; "
                              "la référence donnée n'est pas une pièce de cette facture.", code="photo_missing",
                              field="prescription.photo.base64")


@use_case
def create_draft(ctx: Context, document: object) -> views.InvoiceView:
    """Validate, price and store a draft (state brouillon), with the prescription's photo when one comes with it;
    nothing is written when anything is refused."""
    require(ctx, Permission.INVOICE_DRAFT)
    with ctx.db.transaction() as session:
        return create_in(ctx, session, document)


def create_in(ctx: Context, session: Session, document: object) -> views.InvoiceView:
    """``create_draft``'s work inside the caller's transaction (``billing.idempotency`` adds its key to it); the
    caller has checked the role."""
    ready = _prepare(ctx, session, document)
    now = ctx.clock()
    row = Invoice(state=InvoiceState.DRAFT.value, version=1, paper_sent=False, created_by=ctx.actor.login,
                  created_at=now, updated_at=now, **_values(ready))
    session.add(row)
    session.flush()
    lines.write(session, row.id, ready.priced.lines, new=True)
    stored = state.record(ctx, session, row, "create", {"patient_id": row.patient_id, "professional_id":
                                                        row.professional_id, "total": row.total})
    _store_photo(ctx, session, row, ready.photo)
    view = views.view(session, row) if ready.photo is not None else views.from_stored(row, stored)
    if ready.anonymous_nir:  # the fictitious NIR is shared by anonymous minors: no « pending invoices » here
        return view
    warning = stays.pending_warning(stays.pending_ids(session, row.patient_nir, exclude=row.id,
                                                      limit=stays.WARNING_IDS + 1))
    return replace(view, warnings=[*view.warnings, warning]) if warning else view


@use_case
def update_draft(ctx: Context, ref: object, document: object) -> views.InvoiceView:
    """Replace the input of a draft: priced again, the rate check is lost; refused once signed."""
    require(ctx, Permission.INVOICE_DRAFT)
    with ctx.db.transaction() as session:
        row = state.load(session, ref, lock=True)
        transition(InvoiceState(row.state), Event.EDIT)  # refuse early, before any work
        ready = _prepare(ctx, session, document)
        before = row.total
        values = _values(ready)
        lines.write(session, row.id, ready.priced.lines)
        stored = state.advance(ctx, session, row, Event.EDIT, values=values, data={"total_before": before,
                                                                                   "total": values["total"]})
        _store_photo(ctx, session, row, ready.photo)
        return views.view(session, row) if ready.photo is not None else views.from_stored(row, stored)


def patient_from_vitale(ctx: Context, reader: CardReader, beneficiary: int = 1) -> int:
    """The patient chosen among the beneficiaries of the Vitale card (or app) presented: recorded or refreshed.

    ``beneficiary`` counts from 1, in the card's order. Returns the patient id for the draft's ``patient``.
    """
    require(ctx, Permission.INVOICE_DRAFT)
    card = reader.vitale_card()
    if card is None:
        raise ValidationError("carte Vitale : aucune carte Vitale (ni appli) présentée.", code="no_vitale",
                              field="carte_vitale")
    if not isinstance(beneficiary, int) or not 1 <= beneficiary <= len(card.beneficiaries):
        raise ValidationError(f"bénéficiaire : choisissez un numéro de 1 à {len(card.beneficiaries)} (la carte en "
                              f"compte {len(card.beneficiaries)}).", code="beneficiary", field="beneficiaire")
    return patients.create_patient_from_card(ctx, card.beneficiaries[beneficiary - 1].fields).id

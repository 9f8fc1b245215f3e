"""Asking ADRi about a patient, keeping the answer with its date, and the user's choice of what to take.

``lookup_rights`` reads the patient, signs the request with the CPS in the reader (its PIN verified, or through
the card agent), calls the service outside any transaction (a slow service holds no lock), then stores the answer
(table ``rights_lookups``) with the patient's version. ``choose`` applies the chosen fields in one transaction,
guarded twice: the lookup not chosen yet, the patient unchanged since the question (compare-and-set); audited.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import httpx
from sqlalchemy import select

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.cards.messages import french_error
from feuille.cards.port import CardError, CardKind, CardReader, ProfessionalCardData, Signature, VitaleCardData
from feuille.domain.identifiers import compact
from feuille.errors import ConflictError, NotFoundError, StateError, ValidationError, quoted
from feuille.practice.patients import apply_amo_changes, patient_data
from feuille.rights import client, policy
from feuille.rights.compare import FIELDS, Difference, changes_for, complementary_lines, differences
from feuille.rights.protocol import Answer, card_beneficiary, request_body
from feuille.rights.settings import require_adri
from feuille.storage.models import RightsLookup

ALL, NONE = "tout", "aucun"


@dataclass(frozen=True)
class LookupView:
    id: int
    patient_id: int
    patient: str                      # the stored patient, as the confirmation shows him
    reference_date: date
    answered_at: datetime
    result: str                       # ok / autre_personne / inconnu
    found: str | None                 # the person ADRi answered about
    other_person: bool                # ADRi's person is not the stored one: ask before taking anything
    differences: list[Difference] = field(default_factory=list)
    complementary: list[str] = field(default_factory=list)
    applied: list[str] | None = None  # None: not chosen yet
    answer: dict[str, object] = field(default_factory=dict)

    def question(self) -> str:
        return (f"Les données remontées par le service ADRI concernent cependant {self.found}. "
                "Souhaitez-vous continuer ?")


def _who(last: object, first: object) -> str:
    return f"{last or ''} {first or ''}".strip()


def _professional(reader: CardReader) -> tuple[str, str, str]:
    try:
        card = reader.professional_card()
    except CardError as exc:
        raise french_error(exc) from None
    return _signer(card)


def _signer(card: ProfessionalCardData | None) -> tuple[str, str, str]:
    """The CPS that signs the request: its serial, billing number and specialty (which the request names)."""
    if card is not None and card.kind == CardKind.CPS and not (card.billing_number and card.specialty):
        raise StateError("La CPS du lecteur ne porte pas de numéro de facturation et de spécialité : "
                         "interrogation ADRi impossible.", code="no_card")
    if card is None or card.kind != CardKind.CPS or not card.billing_number or not card.specialty:
        raise StateError("Carte CPS absente du lecteur : l'interrogation ADRi est signée par la carte du "
                         "professionnel (feuille carte inserer CPS).", code="no_card")
    return card.serial, compact(card.billing_number), card.specialty


def _beneficiary(data: dict[str, object], birth: str, apcv_payload: str | None) -> dict[str, object]:
    if apcv_payload is not None:
        return {"apcv": apcv_payload}
    nir = data.get("insured_nir")
    if not isinstance(nir, str) or len(compact(nir)) != 15:
        raise ValidationError("Interrogation ADRi impossible : le NIR de l'assuré n'est pas enregistré pour ce "
                              "patient.", code="validation", field="insured_nir")
    return card_beneficiary(nir, birth, int(str(data.get("rank") or 1)))


def _view(row: RightsLookup, data: dict[str, object]) -> LookupView:
    answer = Answer.model_validate_json(row.answer)
    person = answer.beneficiaire
    stored = _who(data.get("last_name"), data.get("first_name"))
    found = _who(person.nom, person.prenom) if person else None
    other = answer.resultat == "autre_personne" or (
        person is not None and (str(data.get("last_name") or "").upper() != person.nom.upper()
                                or str(data.get("first_name") or "").upper() != (person.prenom or "").upper()))
    applied = None if row.applied is None else [f for f in row.applied.split(",") if f]
    return LookupView(row.id, row.patient_id, stored, row.reference_date, row.answered_at, answer.resultat, found,
                      other and answer.resultat != "inconnu",
                      differences(data, answer) if answer.resultat != "inconnu" else [],
                      complementary_lines(answer), applied, json.loads(row.answer))


def ready(ctx: Context, patient_id: int) -> None:
    """Refuse (in French) before anything else when no service is configured or the patient is unknown."""
    require(ctx, Permission.PATIENT_WRITE)
    with ctx.db.read() as session:
        require_adri(session)
        patient_data(session, patient_id)


def lookup_rights(ctx: Context, patient_id: int, reader: CardReader, *, reference: date | None = None,
                  apcv_payload: str | None = None, http: httpx.Client | None = None) -> LookupView:
    """Ask ADRi about the patient (at ``reference``, default today); the answer is kept and compared."""
    require(ctx, Permission.PATIENT_WRITE)
    try:
        card = reader.professional_card()
    except CardError as exc:
        raise french_error(exc) from None
    prepared = prepare_lookup(ctx, patient_id, card, reference=reference, apcv_payload=apcv_payload)
    try:
        signature = reader.sign(prepared.card_serial, prepared.body)
    except CardError as exc:
        raise french_error(exc) from None
    return _send(ctx, prepared, signature, http)


@dataclass(frozen=True)
class PreparedLookup:
    """The request to sign with the CPS (step 1 of 3 when the card is at the desk, behind the browser)."""

    patient_id: int
    request_id: str
    reference: date
    body: bytes
    card_serial: str
    patient_version: datetime   # the record as asked about: the choice applies only if it is still so


def prepare_lookup(ctx: Context, patient_id: int, card: ProfessionalCardData | None, *,
                   reference: date | None = None, apcv_payload: str | None = None,
                   app: VitaleCardData | None = None) -> PreparedLookup:
    """The exact bytes the CPS ``card`` must sign to ask ADRi about the patient; nothing is stored yet.

    ``app``: the Vitale app the user read at the desk for this lookup; it must be the patient's insured's."""
    require(ctx, Permission.PATIENT_WRITE)
    reference = reference or ctx.clock().date()
    with ctx.db.read() as session:
        require_adri(session)
        data, version = patient_data(session, patient_id)
        birth = str(data["birth_date"])
    if app is not None:
        apcv_payload = policy.app_for_patient(app, data.get("insured_nir"))
    serial, billing_number, specialty = _signer(card)
    request_id = str(uuid.uuid4())
    body = request_body(request_id, reference, _beneficiary(data, birth, apcv_payload), billing_number, specialty)
    return PreparedLookup(patient_id, request_id, reference, body, serial, version)


def send_signed_lookup(ctx: Context, patient_id: int, body: bytes, signature: Signature, *,
                       http: httpx.Client | None = None) -> LookupView:
    """Step 3 when the CPS signed at the desk: the request must be the one :func:`prepare_lookup` gives for this
    patient (same bytes, rebuilt here from the stored record: a body about someone else is refused), signed by
    the card it names; then it is sent, and the answer kept and compared as :func:`lookup_rights` does."""
    require(ctx, Permission.PATIENT_WRITE)
    refused = ValidationError("Demande ADRi illisible ou modifiée depuis sa préparation : interrogez à nouveau.",
                              code="adri_request", field="demande")
    try:
        sent = json.loads(body.decode("utf-8"))
        request_id = str(sent["identifiant"])
        reference = date.fromisoformat(str(sent["date_reference"]))
        professional = sent["professionnel"]
        billing_number, specialty = str(professional["numero_facturation"]), str(professional["specialite"])
        uuid.UUID(request_id)
        app = sent["beneficiaire"].get("apcv")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError, AttributeError):
        raise refused from None
    with ctx.db.read() as session:
        require_adri(session)
        data, version = patient_data(session, patient_id)
    if app is not None and (not isinstance(app, str)
                            or compact(policy.app_nir(app)) != compact(data.get("insured_nir"))):
        raise refused   # the app of another insured than this patient's
    expected = request_body(request_id, reference, _beneficiary(data, str(data["birth_date"]), app),
                            billing_number, specialty)
    if expected != body:
        raise refused
    return _send(ctx, PreparedLookup(patient_id, request_id, reference, body, signature.card_serial, version),
                 signature, http)


def _send(ctx: Context, prepared: PreparedLookup, signature: Signature, http: httpx.Client | None) -> LookupView:
    """Call the service outside any transaction, then keep the answer with the patient's version of now."""
    with ctx.db.read() as session:
        settings = require_adri(session)
    answer = client.post(settings, prepared.body, signature, client=http)
    if answer.identifiant != prepared.request_id:
        raise StateError("Réponse du service ADRi pour une autre demande : ignorée.", code="adri_bad_answer")
    patient_id, request_id, reference = prepared.patient_id, prepared.request_id, prepared.reference
    with ctx.db.transaction() as session:
        data, _version = patient_data(session, patient_id)
        row = RightsLookup(patient_id=patient_id, request_id=request_id, reference_date=reference,
                           answered_at=answer.date_reponse.replace(tzinfo=None), result=answer.resultat,
                           answer=answer.model_dump_json(), patient_version=prepared.patient_version,
                           created_by=ctx.actor.login, created_at=ctx.clock())
        session.add(row)
        session.flush()
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="rights.lookup", entity="patient",
                     entity_id=str(patient_id), data={"lookup": row.id, "request": request_id,
                                                      "result": answer.resultat,
                                                      "reference": reference.isoformat()})
        return _view(row, data)


def get_lookup(ctx: Context, lookup_id: int) -> LookupView:
    """One kept answer, compared with the patient's record as it is now (the « Choix informations AMO » screen)."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        row = session.get(RightsLookup, lookup_id)
        if row is None:
            raise NotFoundError(f"Interrogation ADRi n° {lookup_id} inconnue.", code="not_found", field="lookup")
        data, _version = patient_data(session, row.patient_id)
        return _view(row, data)


def last_lookup(ctx: Context, patient_id: int) -> LookupView | None:
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        data, _version = patient_data(session, patient_id)
        row = session.scalars(select(RightsLookup).where(RightsLookup.patient_id == patient_id)
                              .order_by(RightsLookup.id.desc()).limit(1)).first()
        return None if row is None else _view(row, data)


def parse_choice(values: Iterable[str]) -> list[str]:
    """``tout``, ``aucun`` or field names (French refusal naming the unknown one)."""
    given = [v.strip().lower() for value in values for v in value.split(",") if v.strip()]
    if given == [ALL]:
        return list(FIELDS)
    if given == [NONE] or not given:
        return []
    for name in given:
        if name not in FIELDS:
            raise ValidationError(f"Choix {quoted(name)} inconnu : tout, aucun ou {', '.join(FIELDS)}.",
                                  code="adri_choice", field="appliquer")
    return list(dict.fromkeys(given))


def choose(ctx: Context, lookup_id: int, fields: Iterable[str], *, other_person_confirmed: bool = False
           ) -> LookupView:
    """Keep the stored data (no field) or take the chosen fields of the answer; once per lookup; audited."""
    require(ctx, Permission.PATIENT_WRITE)
    chosen = parse_choice(fields)
    with ctx.db.transaction() as session:
        row = session.get(RightsLookup, lookup_id)
        if row is None:
            raise NotFoundError(f"Interrogation ADRi n° {lookup_id} inconnue.", code="not_found", field="lookup")
        if row.applied is not None:
            raise ConflictError("Choix déjà fait pour cette interrogation ADRi.", code="adri_already_chosen",
                                field="lookup")
        data, _version = patient_data(session, row.patient_id)
        view = _view(row, data)
        if chosen and view.result == "inconnu":
            raise StateError("Personne inconnue du service ADRi : rien à reprendre.", code="adri_unknown_person")
        if chosen and view.other_person and not other_person_confirmed:
            raise StateError(view.question() + " Confirmez-le pour reprendre ces informations.",
                             code="adri_other_person", field="autre_personne")
        changed: list[str] = []
        if chosen:
            answer = Answer.model_validate_json(row.answer)
            changes = changes_for(data, answer, chosen, row.reference_date)
            changed = apply_amo_changes(ctx, session, row.patient_id, changes, row.patient_version)
        row.applied, row.applied_by, row.applied_at = ",".join(chosen), ctx.actor.login, ctx.clock()
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="rights.choice", entity="patient",
                     entity_id=str(row.patient_id), data={"lookup": row.id, "taken": chosen, "changed": changed})
        data, _version = patient_data(session, row.patient_id)
        return _view(row, data)

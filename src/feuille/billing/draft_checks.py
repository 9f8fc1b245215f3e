"""The specifics that are checked against stored data: the patient's ALD, his age and the AMC conventions.

Called by ``create_draft`` / ``update_draft`` inside their transaction, after the pure checks of
:mod:`feuille.billing.specifics`. AMC conventions: feuille has neither the Inter-AMC directory nor the convention
tables the manual queries, so the conventions « identified » for a contract are those recorded on the patient's
contracts with the same AMC (``convention_type`` and ``secondary_criterion``, as read on the card or typed).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.billing import specifics as sp
from feuille.billing.record_rights import PatientRights
from feuille.errors import ValidationError
from feuille.practice.amc_contracts import load_contract
from feuille.storage.models import AmcContract, Patient


def check_ald(details: sp.Details, record: PatientRights, day: date) -> None:
    """Care declared related to an ALD the patient is not in on ``day`` (his ALD periods, else his record's ALD)
    needs « Forçage du code ALD »."""
    ald, justification = details.ald, details.justification
    if ald.forced or record.in_ald(day):
        return
    if ald.related:
        raise ValidationError(f"ald.forced : le patient n'a pas d'ALD enregistrée au {day:%d/%m/%Y} ; cochez le "
                              "forçage du code ALD (ald.forced : true) pour déclarer des soins en rapport avec une "
                              "ALD.",
                              code="ald_unknown", field="ald.forced")
    if justification == sp.ALD_EXONERATION:
        raise ValidationError("exoneration_justification : soins conformes au protocole ALD (exo 4) pour un patient "
                              f"sans ALD enregistrée au {day:%d/%m/%Y} : cochez le forçage du code ALD (ald.forced : "
                              "true).",
                              code="ald_unknown", field="exoneration_justification")


def anonymous_nir(details: sp.Details, patient: Patient, day: date) -> str | None:
    """The fictitious NIR the invoice is billed under when a minor asked for anonymity, else None."""
    wanted = details.specifics
    if not wanted.anonymous_minor:
        return None
    field = "specifics.sante_sexuelle"
    if not sp.is_minor(patient.birth_date, day):
        raise ValidationError(f"{field}.anonymous_minor : l'anonymat est réservé au patient mineur ; "
                              f"{patient.last_name} a 18 ans ou plus le {day:%d/%m/%Y}.", code="not_minor",
                              field=f"{field}.anonymous_minor")
    sex = wanted.sex or sp.sex_digit(patient.beneficiary_nir, patient.insured_nir, patient.quality)
    if sex is None:
        raise ValidationError(f"{field}.sex : sexe du patient inconnu (aucun NIR propre) : indiquez « 1 » ou « 2 », "
                              "le NIR fictif commence par lui.", code="sex_unknown", field=f"{field}.sex")
    caisse = wanted.caisse or patient.amo_caisse
    if caisse is None:
        raise ValidationError(f"{field}.caisse : caisse AMO du patient inconnue : indiquez ses 3 chiffres, le NIR "
                              "fictif la contient.", code="caisse_unknown", field=f"{field}.caisse")
    return sp.fictitious_nir(sex, caisse)


def conventions(session: Session, contract: AmcContract) -> list[sp.Convention]:
    """The conventions identified for the contract's AMC, in the order the contracts were recorded."""
    rows = session.scalars(select(AmcContract).where(AmcContract.patient_id == contract.patient_id,
                                                     AmcContract.amc_number == contract.amc_number)
                           .order_by(AmcContract.id))
    found: list[sp.Convention] = []
    for row in rows:
        if row.convention_type:
            item = sp.Convention(row.convention_type.upper(), row.secondary_criterion or None)
            if item not in found:
                found.append(item)
    return found


def check_convention(session: Session, doc: Mapping[str, Any], details: sp.Details) -> None:
    """Several conventions for the chosen contract: ``specifics.amc_convention`` must name one of them."""
    chosen = details.specifics.amc_convention
    payer = doc.get("payer")
    contract_id = payer.get("amc_contract") if isinstance(payer, Mapping) else None
    field = "specifics.amc_convention"
    if contract_id is None:
        if chosen is not None:
            raise ValidationError(f"{field} : choisissez d'abord le contrat complémentaire (payer.amc_contract).",
                                  code="amc_convention", field=field)
        return
    contract = session.get(AmcContract, contract_id)
    assert contract is not None  # checked with the payer
    known = conventions(session, contract)
    listed = ", ".join(c.label() for c in known) or "aucune"
    if chosen is None:
        if len(known) > 1:
            raise ValidationError(f"{field} : plusieurs conventions pour {contract.amc_name} ({listed}) : choisissez "
                                  "la convention appropriée.", code="amc_convention_missing", field=field)
        return
    matching = [c for c in known if c.type == chosen.type and chosen.criterion in (None, c.criterion)]
    if len(matching) != 1:
        why = "précisez le critère secondaire" if matching else "elle n'est pas identifiée pour ce contrat"
        raise ValidationError(f"{field} : convention {chosen.label()} : {why} (conventions : {listed}).",
                              code="amc_convention", field=field)


def list_conventions(ctx: Context, contract_id: object) -> list[sp.Convention]:
    """For the wizard: the conventions among which the user chooses (none or one: nothing to choose)."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return conventions(session, load_contract(session, contract_id))

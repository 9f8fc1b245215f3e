"""The specifics that are checked against stored data: the patient's ALD and his age.

Called by ``create_draft`` / ``update_draft`` inside their transaction, after the pure checks of
:mod:`feuille.billing.specifics`. The AMC convention and the prise en charge are checked by
:mod:`feuille.billing.amc_transmission`.
"""

from __future__ import annotations

from datetime import date

from feuille.billing import specifics as sp
from feuille.billing.record_rights import PatientRights
from feuille.domain.invoice_fields import named
from feuille.errors import ValidationError
from feuille.storage.models import Patient


def check_ald(details: sp.Details, record: PatientRights, day: date) -> None:
    """Care declared related to an ALD the patient is not in on ``day`` (his ALD periods, else his record's ALD)
    needs « Forçage du code ALD »."""
    ald, justification = details.ald, details.justification
    if ald.forced or record.in_ald(day):
        return
    if ald.related:
        raise ValidationError(f"{named('ald.forced')} : le patient n'a pas d'ALD enregistrée au {day:%d/%m/%Y} ; "
                              "cochez le forçage du code ALD (ald.forced : true) pour déclarer des soins en rapport "
                              "avec une ALD.",
                              code="ald_unknown", field="ald.forced")
    if justification == sp.ALD_EXONERATION:
        raise ValidationError(f"{named('exoneration_justification')} : soins conformes au protocole ALD (exo 4) "
                              f"pour un patient sans ALD enregistrée au {day:%d/%m/%Y} : cochez le forçage du code ALD "
                              "(ald.forced : true).",
                              code="ald_unknown", field="exoneration_justification")


def anonymous_nir(details: sp.Details, patient: Patient, day: date) -> str | None:
    """The fictitious NIR the invoice is billed under when a minor asked for anonymity, else None."""
    wanted = details.specifics
    if not wanted.anonymous_minor:
        return None
    field = "specifics.sante_sexuelle"
    if not sp.is_minor(patient.birth_date, day):
        raise ValidationError(f"{named(field + '.anonymous_minor')} : l'anonymat est réservé au patient mineur ; "
                              f"{patient.last_name} a 18 ans ou plus le {day:%d/%m/%Y}.", code="not_minor",
                              field=f"{field}.anonymous_minor")
    sex = wanted.sex or sp.sex_digit(patient.beneficiary_nir, patient.insured_nir, patient.quality)
    if sex is None:
        raise ValidationError(f"{named(field + '.sex')} : sexe du patient inconnu (aucun NIR propre) : indiquez « 1 » "
                              "ou « 2 », le NIR fictif commence par lui.", code="sex_unknown", field=f"{field}.sex")
    caisse = wanted.caisse or patient.amo_caisse
    if caisse is None:
        raise ValidationError(f"{named(field + '.caisse')} : caisse AMO du patient inconnue : indiquez ses 3 chiffres, "
                              "le NIR fictif la contient.", code="caisse_unknown", field=f"{field}.caisse")
    return sp.fictitious_nir(sex, caisse)

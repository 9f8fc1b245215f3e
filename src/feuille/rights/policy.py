"""When billing calls ADRi (manual « Préférences de facturation »): the professional's ``adri_mode``.

- manuel: only when the user asks;
- cible (default): when the patient's AMO rights are missing or not open on the day of care;
- systematique: for every invoice;
- the Vitale app (ApCV): always, whatever the mode.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from feuille.cards.card_files import decode_apcv_payload, encode_apcv_payload
from feuille.cards.port import CardDataError, CardKind, VitaleCardData
from feuille.domain.identifiers import compact
from feuille.domain.professionals import AdriMode
from feuille.errors import ValidationError


def rights_open(periods: Iterable[Mapping[str, Any]], day: date) -> bool:
    """An AMO rights period of the record covers ``day``."""
    for period in periods:
        start, end = period.get("start"), period.get("end")
        if period.get("kind") == "droits_amo" and isinstance(start, date) and start <= day \
                and (end is None or (isinstance(end, date) and day <= end)):
            return True
    return False


def should_call(mode: AdriMode, *, apcv: bool, periods: Iterable[Mapping[str, Any]], day: date,
                asked: bool = False) -> bool:
    if apcv or mode is AdriMode.SYSTEMATIQUE:
        return True
    if mode is AdriMode.CIBLE:
        return not rights_open(periods, day)
    return asked


def apcv_payload(card: VitaleCardData) -> str:
    """The identity the app gave, as it gave it (the same encoding the card port reads)."""
    return encode_apcv_payload({"serial": card.serial, "insured_nir": card.insured_nir,
                                "beneficiaries": [dict(b.fields) for b in card.beneficiaries]})


def presented_app(card: VitaleCardData | None, insured_nir: object) -> str | None:
    """The payload of the Vitale app in the reader when it is this patient's insured's, else None (the wizard
    then asks ADRi about the stored record, if at all)."""
    if card is None or card.kind != CardKind.APCV or not compact(insured_nir) \
            or compact(card.insured_nir) != compact(insured_nir):
        return None
    return apcv_payload(card)


def app_for_patient(card: VitaleCardData, insured_nir: object) -> str:
    """The payload of the Vitale app the user read for this patient's lookup; the app of someone else, or a
    plastic card, is refused."""
    if card.kind != CardKind.APCV:
        raise ValidationError("Appli carte Vitale attendue : c'est une carte Vitale qui a été lue.",
                              code="apcv_expected", field="appli")
    payload = presented_app(card, insured_nir)
    if payload is None:
        raise ValidationError("L'appli carte Vitale lue est celle d'un autre assuré que ce patient : présentez "
                              "la sienne, ou interrogez sans l'appli.", code="apcv_other_patient", field="appli")
    return payload


def app_nir(payload: str) -> str:
    """The insured's NIR an app payload carries (a signed request is checked against the record with it)."""
    try:
        nir = decode_apcv_payload(payload, "apcv").get("insured_nir")
    except CardDataError:
        nir = None
    if not isinstance(nir, str) or not nir.strip():
        raise ValidationError("Demande ADRi illisible ou modifiée depuis sa préparation : interrogez à nouveau.",
                              code="adri_request", field="demande")
    return nir

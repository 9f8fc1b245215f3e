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

from feuille.cards.card_files import encode_apcv_payload
from feuille.cards.port import VitaleCardData
from feuille.domain.professionals import AdriMode


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

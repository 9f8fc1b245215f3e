"""Favourite care ("soins favoris"): a label and an ordered list of acts ready to bill.

The eS-KAP+ manual ("Mes favoris"): each act has a code, a quantity and a coefficient, and may
change its price, its qualificatif de dépense and its indemnité forfaitaire. Codes are checked for
their shape only (NGAP key letters, CCAM 4 letters + 3 digits, LPP 7 digits), so favourites do not
depend on the nomenclature tables being loaded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from feuille.domain.identifiers import is_ccam_code
from feuille.domain.validators import require_mapping, validator
from feuille.errors import ValidationError
from feuille.money import MoneyError, parse_amount

LABEL_MAX = 80
MAX_ACTS = 30

NGAP_CODE = re.compile(r"^[A-Z]{1,5}[0-9]{0,2}$")  # C, G, GS, AMI, IFD, SF, M03...
LPP_CODE = re.compile(r"^[0-9]{7}$")


class ExpenseQualifier(StrEnum):
    """Qualificatif de dépense (the manual's list; "Aucun" is None)."""

    EXIGENCE = "E"
    NON_REMBOURSABLE = "N"
    GRATUIT = "G"
    DEPASSEMENT_AUTORISE = "A"


QUALIFIER_LABELS: dict[ExpenseQualifier, str] = {
    ExpenseQualifier.EXIGENCE: "E: Exigence du patient",
    ExpenseQualifier.NON_REMBOURSABLE: "N: Non remboursable",
    ExpenseQualifier.GRATUIT: "G: Gratuit",
    ExpenseQualifier.DEPASSEMENT_AUTORISE: "A: Dépassement autorisé",
}


@dataclass(frozen=True)
class Indemnity:
    code: str
    label: str
    per_km: bool  # needs a distance


# Indemnities an act may carry ("SANS" = none). Data, not logic (verify the list against NGAP).
INDEMNITIES: dict[str, Indemnity] = {i.code: i for i in (
    Indemnity("IFD", "Indemnité forfaitaire de déplacement", False),
    Indemnity("ID", "Indemnité de déplacement", False),
    Indemnity("MD", "Majoration de déplacement (visite à domicile)", False),
    Indemnity("MDN", "Majoration de déplacement de nuit", False),
    Indemnity("MDI", "Majoration de déplacement de nuit (minuit-6 h)", False),
    Indemnity("MDD", "Majoration de déplacement dimanche et jours fériés", False),
    Indemnity("IK", "Indemnité kilométrique (plaine)", True),
    Indemnity("IKM", "Indemnité kilométrique (montagne)", True),
    Indemnity("IKS", "Indemnité kilométrique (à pied ou à ski)", True),
)}


@dataclass(frozen=True)
class FavouriteAct:
    code: str
    quantity: int = 1
    coefficient: Decimal = Decimal("1")
    price: Decimal | None = None  # None: the tariff of the day
    qualifier: ExpenseQualifier | None = None
    indemnity: str | None = None
    distance_km: Decimal | None = None


@validator
def parse_label(value: object, field: str = "label") -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not text:
        raise ValidationError("Libellé : champ obligatoire.", code="required", field=field)
    if len(text) > LABEL_MAX:
        raise ValidationError(f"Libellé : {LABEL_MAX} caractères au plus ({len(text)} reçus).", code="too_long",
                              field=field)
    if not all(_label_char(c) for c in text):
        raise ValidationError(f"Libellé : « {text[:20]} » contient des caractères non admis (lettres, chiffres, "
                              "ponctuation).", code="label_format", field=field)
    return text


def _label_char(char: str) -> bool:
    return (unicodedata.category(char)[0] in "LNPZM" and char.isprintable()) or char in "+€%°"


@validator
def parse_act_code(value: object, field: str = "code") -> str:
    text = value.strip().upper() if isinstance(value, str) else ""
    if not text:
        raise ValidationError("Code de l'acte : champ obligatoire.", code="required", field=field)
    looks_ccam = text[:4].isalpha() and text[4:5].isdigit()  # AFLB01 is a truncated CCAM code, not NGAP
    if is_ccam_code(text) or (NGAP_CODE.match(text) and not looks_ccam) or LPP_CODE.match(text):
        return text
    raise ValidationError(f"Code de l'acte : « {text[:20]} » n'est ni un code NGAP (ex. C, AMI, IFD), ni un code "
                          "CCAM (4 lettres et 3 chiffres, ex. AFLB001), ni un code LPP (7 chiffres).",
                          code="act_code_format", field=field)


def _decimal(value: object, field: str, label: str, high: Decimal) -> Decimal:
    text = value.strip().replace(",", ".") if isinstance(value, str) else value
    try:
        number = Decimal(text) if isinstance(text, str | int | Decimal) and not isinstance(text, bool) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number <= 0 or number > high or number != round(number, 2):
        raise ValidationError(f"{label} : nombre positif d'au plus 2 décimales attendu (jusqu'à {high}), "
                              f"« {str(value)[:20]} » reçu.", code=f"{field.rsplit('.', 1)[-1]}_format", field=field)
    return number.quantize(Decimal("0.01"))


def _quantity(value: object, field: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number: int | None = value
    else:
        text = value.strip() if isinstance(value, str) else ""
        number = int(text) if text.isdigit() and len(text) <= 3 else None
    if number is None or not 1 <= number <= 99:
        raise ValidationError(f"Quantité : nombre entier de 1 à 99 attendu, « {str(value)[:20]} » reçu.",
                              code="quantity_format", field=field)
    return number


def _price(value: object, field: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        price = parse_amount(value)
    except MoneyError:
        raise ValidationError(f"Prix : montant en euros attendu (ex. 23,00), « {str(value)[:20]} » reçu.",
                              code="price_format", field=field) from None
    if price > Decimal("99999.99"):
        raise ValidationError("Prix : 99 999,99 € au plus.", code="price_format", field=field)
    return price


def _qualifier(value: object, field: str) -> ExpenseQualifier | None:
    text = value.strip().upper() if isinstance(value, str) else ("" if value is None else "?")
    if text in ("", "AUCUN"):
        return None
    try:
        return ExpenseQualifier(text[:1] if text[1:2] in ("", ":") else text)
    except ValueError:
        raise ValidationError(f"Qualificatif de dépense : « {str(value)[:20]} » inconnu (E, N, G, A ou aucun).",
                              code="qualifier_unknown", field=field) from None


def _indemnity(value: object, distance: object, field: str) -> tuple[str | None, Decimal | None]:
    text = value.strip().upper() if isinstance(value, str) else ("" if value is None else "?")
    if text in ("", "SANS"):
        if distance not in (None, ""):
            raise ValidationError("Distance : seulement avec une indemnité kilométrique (IK, IKM, IKS).",
                                  code="distance_without_ik", field=f"{field}.distance_km")
        return None, None
    indemnity = INDEMNITIES.get(text)
    if indemnity is None:
        listed = ", ".join(INDEMNITIES)
        raise ValidationError(f"Indemnité : « {str(value)[:20]} » inconnue (SANS, {listed}).",
                              code="indemnity_unknown", field=f"{field}.indemnity")
    if not indemnity.per_km:
        return indemnity.code, None
    if distance in (None, ""):
        raise ValidationError(f"Distance : obligatoire avec l'indemnité {indemnity.code} (en km).", code="required",
                              field=f"{field}.distance_km")
    return indemnity.code, _decimal(distance, f"{field}.distance_km", "Distance (km)", Decimal("999"))


@validator
def validate_act(data: Mapping[str, object], position: int = 1) -> FavouriteAct:
    """One act of a favourite; errors name the act by its position ("acts[2].code")."""
    field = f"acts[{position}]"
    data = require_mapping(data, field, f"Acte n° {position}")
    code = parse_act_code(data.get("code"), f"{field}.code")
    quantity = _quantity(data.get("quantity", 1), f"{field}.quantity")
    coefficient = _decimal(data.get("coefficient", "1"), f"{field}.coefficient", "Coefficient", Decimal("9999.99"))
    price = _price(data.get("price"), f"{field}.price")
    qualifier = _qualifier(data.get("qualifier"), f"{field}.qualifier")
    indemnity, distance = _indemnity(data.get("indemnity"), data.get("distance_km"), field)
    return FavouriteAct(code, quantity, coefficient, price, qualifier, indemnity, distance)


@validator
def validate_acts(items: object) -> tuple[FavouriteAct, ...]:
    if not isinstance(items, list | tuple) or not items:
        raise ValidationError("Actes : au moins un acte attendu.", code="required", field="acts")
    if len(items) > MAX_ACTS:
        raise ValidationError(f"Actes : {MAX_ACTS} au plus.", code="too_many", field="acts")
    acts = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            raise ValidationError(f"Acte n° {position} : description illisible.", code="act_format",
                                  field=f"acts[{position}]")
        acts.append(validate_act(item, position))
    return tuple(acts)


_SPEC_KEYS = {"code": "code", "qte": "quantity", "quantite": "quantity", "coef": "coefficient",
              "coefficient": "coefficient", "prix": "price", "qualif": "qualifier", "qualificatif": "qualifier",
              "indemnite": "indemnity", "km": "distance_km", "distance": "distance_km"}


@validator
def parse_act_spec(text: object, position: int = 1) -> dict[str, str]:
    """The CLI form of an act: ``AMI`` or ``code=AMI,coef=1,qte=1,prix=3.15,qualif=N,indemnite=IK,km=12``."""
    field = f"acts[{position}]"
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(f"Acte n° {position} : description vide.", code="required", field=field)
    parts = [p.strip() for p in text.split(",") if p.strip()]
    result: dict[str, str] = {}
    for index, part in enumerate(parts):
        key, sep, value = part.partition("=")
        if not sep and index == 0:
            key, value = "code", part
        name = _SPEC_KEYS.get(key.strip().lower())
        if name is None or (not sep and index):
            raise ValidationError(f"Acte n° {position} : « {part[:20]} » incompris (clés : code, qte, coef, prix, "
                                  "qualif, indemnite, km).", code="act_format", field=field)
        result[name] = value.strip()
    return result

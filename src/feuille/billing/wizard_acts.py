"""The act screens of the wizard (« Ajouter un soin », « Ajouter un acte CCAM »): answers → contract fields.

Pure: no database, no clock. The manual's NGAP/COx screen has the date, quantity, code and coefficient, then the «
spécificités » (qualificatif de dépense, montant total automatique or typed, soumis à entente préalable: the wizard
then asks the entente's code and date at « Spécificités »); the CCAM screen has the date, code, code activité,
phase, unit price, base de remboursement, the modifiers (one list after the other) and the association code. What is
typed here is only shaped; the pricing contract checks it against the tables (an unknown modifier or phase is
refused there, naming ``acts[i].…``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from feuille.errors import ValidationError, quoted

CCAM_CODE = re.compile(r"^[A-Z]{4}[0-9]{3}$")
#: Labels as the manual's lists show them.
QUALIFIERS = {"E": "exigence du patient", "N": "non remboursable", "G": "gratuit", "A": "dépassement autorisé"}
ACTIVITIES = {"1": "1° activité chir/méd", "2": "2° autre intervenant", "3": "3° autre intervenant",
              "4": "4° anesthésiste"}
ASSOCIATIONS = {"1": "acte principal (100 %)", "2": "acte associé (50 %)", "3": "acte associé (75 %)",
                "4": "même séance (100 %)", "5": "moments différents du même jour (100 %)"}


@dataclass(frozen=True)
class ActDetails:
    """What the act screens add to code, coefficient, quantity and unit price; None: the contract's default."""

    day: date | None = None                 # date of the act when it differs from the invoice's
    qualifier: str | None = None            # qualificatif de dépense
    total: str | None = None                # « montant total » typed (overrun included), else automatic
    base: str | None = None                 # base de remboursement when it differs from the price
    activity: str | None = None             # CCAM
    phase: str | None = None                # CCAM
    association: str | None = None          # CCAM
    modifiers: tuple[str, ...] = ()         # CCAM
    entente: bool = False                   # « Soumis à entente préalable » ticked on the act

    def document(self, invoice_date: date | None = None) -> dict[str, Any]:
        """The act keys of the pricing contract these answers fill."""
        out: dict[str, Any] = {}
        if self.day is not None and self.day != invoice_date:
            out["date"] = self.day.isoformat()
        for key in ("qualifier", "total", "base", "activity", "phase", "association"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.modifiers:
            out["modifiers"] = list(self.modifiers)
        if self.entente:
            out["entente_prealable"] = True
        return out


def parse_act_code(text: object) -> str:
    """An act's code as typed (``c``, ``ami``, ``AFLB001``): letters and digits, 13 at most, in capitals."""
    value = str(text or "").strip().upper()
    if not value or len(value) > 13 or not all(c.isascii() and c.isalnum() for c in value):
        raise ValidationError("code : un code d'acte est attendu (ex. C, AMI, AFLB001).", code="act_code",
                              field="acts.code")
    return value


def is_ccam(code: str) -> bool:
    return bool(CCAM_CODE.match(code.strip().upper()))


def _one_of(text: object, allowed: dict[str, str], field: str, what: str) -> str | None:
    value = str(text or "").strip().upper()
    if not value or value in ("0", "AUCUN"):
        return None
    if value not in allowed:
        choices = ", ".join(f"{k} {v}" for k, v in allowed.items())
        raise ValidationError(f"{what} : {quoted(value, 5)} inconnu ({choices} ; vide : aucun).",
                              code=field.split(".")[-1], field=field)
    return value


def parse_qualifier(text: object) -> str | None:
    return _one_of(text, QUALIFIERS, "acts.qualifier", "qualificatif de dépense")


def parse_activity(text: object) -> str | None:
    return _one_of(text, ACTIVITIES, "acts.activity", "code activité")


def parse_association(text: object) -> str | None:
    return _one_of(text, ASSOCIATIONS, "acts.association", "code association")


def parse_phase(text: object) -> str | None:
    value = str(text or "").strip()
    if not value:
        return None
    if value.isdigit() and len(value) == 1:
        return value
    raise ValidationError(f"phase : {quoted(value, 5)} n'est pas une phase (un chiffre, 0 le plus souvent).",
                          code="phase", field="acts.phase")


def parse_modifier(text: object) -> str | None:
    """One modifier (a letter or a digit, as in the CCAM table); empty: no more modifiers."""
    value = str(text or "").strip().upper()
    if not value:
        return None
    if len(value) == 1 and value.isalnum():
        return value
    raise ValidationError(f"modificateur : {quoted(value, 5)} n'est pas un code modificateur (une lettre ou un "
                          "chiffre, ex. F).", code="modifiers", field="acts.modifiers")


def parse_coefficient(value: object) -> str | None:
    """The act's coefficient (``1.5``; a comma as a French keyboard types it): > 0, two decimals at most, as the
    pricing contract takes it; empty: the coefficient 1."""
    text = str(value if value is not None else "").strip().replace(",", ".")
    if not text:
        return None
    try:
        number = Decimal(text) if len(text) <= 12 else Decimal(-1)
    except (InvalidOperation, ValueError):
        number = Decimal(-1)
    if not number.is_finite() or number <= 0 or number > 9999 or number != number.quantize(Decimal("0.01")):
        raise ValidationError(f"coefficient : {quoted(text, 12)} n'est pas un coefficient (> 0, deux décimales au "
                              "plus).", code="coefficient", field="acts.coefficient")
    return format(number.normalize(), "f")


def parse_quantity(value: object) -> int | None:
    """How many times the act is billed on the line: 1 to 99; empty: 1."""
    text = str(value if value is not None else "").strip() if not isinstance(value, bool) else "x"
    if not text:
        return None
    if text.isascii() and text.isdigit() and 1 <= int(text) <= 99:
        return int(text)
    raise ValidationError("quantité : un nombre de 1 à 99 est attendu.", code="quantity", field="acts.quantity")


def check_modifier(value: object, refusals: Mapping[str, str]) -> str | None:
    """A modifier (:func:`parse_modifier`) the CCAM modifier table lets this professional choose: ``refusals`` says
    why each one cannot (unknown to the table, another specialty or sector), as the pricing would refuse it."""
    modifier = parse_modifier(value)
    if modifier is not None and modifier in refusals:
        raise ValidationError(f"modificateur : {refusals[modifier]}.", code="modifier_refused",
                              field="acts.modifiers")
    return modifier


def parse_allowance(text: object, allowed: list[str]) -> str | None:
    """One of the flat allowances the table lists for the act (``IFD``, ``MD``…); empty: none."""
    value = str(text or "").strip().upper()
    if not value or value == "SANS":
        return None
    if value in allowed:
        return value
    raise ValidationError(f"indemnité forfaitaire : {quoted(value, 5)} n'est pas proposée pour cet acte "
                          f"({', '.join(allowed)} ; vide : sans).", code="allowance", field="acts.code")


def parse_kilometres(text: object) -> int | None:
    """Kilometres of the indemnité kilométrique (the IK line's quantity); empty or 0: none."""
    value = str(text or "").strip()
    if not value or value == "0":
        return None
    if value.isdigit() and int(value) <= 999:
        return int(value)
    raise ValidationError("indemnité kilométrique : un nombre entier de km (1 à 999) est attendu.",
                          code="kilometres", field="acts.quantity")

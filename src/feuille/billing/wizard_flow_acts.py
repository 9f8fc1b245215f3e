"""The step machine's act screens (pure, as :mod:`feuille.billing.wizard_flow`): « Ajouter un soin » (NGAP / COx:
coefficient, quantity, unit price, then behind one question the act's date, qualificatif de dépense, montant total
automatique or typed, soumis à entente préalable) and « Ajouter un acte CCAM » (date, code activité, phase, unit
price, base de remboursement, the modifiers one after the other, association code). Each answer is checked here as
the pricing contract would take it — the coefficient (« 1,5 »), the quantity, a modifier the professional cannot
choose, the unit price when the tables give none — with what the services said of the act (:class:`ActFacts`);
which of the two screens follows the code: :mod:`feuille.billing.wizard_entry`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from feuille.billing import wizard_acts as wa
from feuille.billing import wizard_document as wd
from feuille.billing.wizard_questions import Answers, Question, choices_of
from feuille.errors import ValidationError

MAX_MODIFIERS = 4


@dataclass(frozen=True)
class ActFacts:
    """The act's code, the invoice's date (the act's by default) and what the tables say of it for the
    professional (``wizard_lookups``): the line shown before its questions; for CCAM the modifiers the act lists,
    why each modifier the professional cannot choose is refused, the (activity, phase) the table prices; for NGAP
    why the unit price must be typed (a code no table knows)."""

    code: str
    invoice_date: date
    modifiers: tuple[str, ...] = ()
    said: str = ""
    modifier_refusals: Mapping[str, str] = field(default_factory=dict)
    priced: frozenset[tuple[str, str]] | None = None     # None: not checked here (the pricing will)
    unpriced: str | None = None


def _listed(items: dict[str, str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in items.items())


def _required(amount: object, key: str = "acts.total") -> object:
    if amount is None:
        raise ValidationError(f"{key} : saisissez un montant.", code="amount", field=key)
    return amount


def _price_required(amount: object) -> object:
    return _required(amount, "acts.unit_price")


def _date_question(act: ActFacts) -> Question:
    return Question("acts.date", "Date de l'acte (JJ/MM/AAAA)", "date", default=act.invoice_date,
                    notes=(act.said,) if act.said else ())


def _unit_price(label: str, unpriced: str | None) -> Question:
    """The table's price by default; when the table gives none, a price must be typed (the pricing would refuse)."""
    if unpriced is None:
        return Question("acts.unit_price", f"Prix unitaire (vide : {label})", "amount")
    return Question("acts.unit_price", "Prix unitaire (obligatoire)", "amount", check=_price_required,
                    notes=(unpriced,))


def ngap_question(act: ActFacts, answers: Answers) -> Question | None:
    checks = {"acts.coefficient": wa.parse_coefficient, "acts.quantity": wa.parse_quantity}
    for key, label, default in (("acts.coefficient", "Coefficient", "1"), ("acts.quantity", "Quantité", "1")):
        if key not in answers:
            said = (act.said,) if act.said and key == "acts.coefficient" else ()
            return Question(key, label, "code", default=default, check=checks[key], notes=said)
    if "acts.unit_price" not in answers:
        return _unit_price("tarif de la nomenclature", act.unpriced)
    if "acts.details" not in answers:
        return Question("acts.details", "Spécificités de l'acte (date, qualificatif de dépense, montant total) ?",
                        "yes_no", default=False)
    if not answers["acts.details"]:
        return None
    if "acts.date" not in answers:
        return _date_question(act)
    if "acts.qualifier" not in answers:
        return Question("acts.qualifier", f"Qualificatif de dépense ({_listed(wa.QUALIFIERS)} ; vide : aucun)", "code",
                        choices_of(wa.QUALIFIERS), default="", check=wa.parse_qualifier)
    if "acts.total_auto" not in answers:
        return Question("acts.total_auto", "Montant total automatique ?", "yes_no", default=True)
    if not answers["acts.total_auto"] and "acts.total" not in answers:
        return Question("acts.total", "Montant total (dépassement compris)", "amount", check=_required)
    if "acts.entente" not in answers:
        return Question("acts.entente", "Soumis à entente préalable ?", "yes_no", default=False)
    return None


def ngap_result(act: ActFacts, answers: Answers) -> wd.ActAnswer:
    coefficient, quantity, price = answers["acts.coefficient"], answers["acts.quantity"], answers["acts.unit_price"]
    if not answers["acts.details"]:
        return wd.ActAnswer(act.code, coefficient, quantity, price)
    return wd.ActAnswer(act.code, coefficient, quantity, price, wa.ActDetails(
        day=answers["acts.date"], qualifier=answers["acts.qualifier"], total=answers.get("acts.total"),
        entente=bool(answers["acts.entente"])))


def _modifiers(answers: Answers) -> list[str]:
    found: list[str] = []
    for number in range(1, MAX_MODIFIERS + 1):
        value = answers.get(f"acts.modifiers.{number}")
        if value is None:
            break
        found.append(value)
    return found


def _ccam_unpriced(act: ActFacts, answers: Answers) -> str | None:
    """Why the CCAM table gives no price for the activity and phase chosen (None: it does, or unchecked)."""
    activity, phase = answers["acts.activity"] or "1", answers["acts.phase"] or "0"
    if act.priced is None or (activity, phase) in act.priced:
        return None
    return (f"La table CCAM ne donne pas de tarif de {act.code} pour l'activité {activity}, phase {phase} : "
            "le prix unitaire est obligatoire.")


def ccam_question(act: ActFacts, answers: Answers) -> Question | None:
    if "acts.date" not in answers:
        return _date_question(act)
    if "acts.activity" not in answers:
        return Question("acts.activity", f"Code activité ({_listed(wa.ACTIVITIES)})", "code",
                        choices_of(wa.ACTIVITIES), default="1", check=wa.parse_activity)
    if "acts.phase" not in answers:
        return Question("acts.phase", "Phase", "code", default="0", check=wa.parse_phase)
    if "acts.unit_price" not in answers:
        return _unit_price("tarif de la table CCAM", _ccam_unpriced(act, answers))
    if "acts.base" not in answers:
        return Question("acts.base", "Base de remboursement (vide : le prix)", "amount")
    found = _modifiers(answers)
    number = len(found) + 1
    if number <= MAX_MODIFIERS and f"acts.modifiers.{number}" not in answers:
        allowed = ("Modificateurs autorisés : " + ", ".join(act.modifiers),) if act.modifiers and number == 1 else ()
        return Question(f"acts.modifiers.{number}", f"Modificateur n°{number} (vide : aucun autre)", "code",
                        default="", check=lambda typed: wa.check_modifier(typed, act.modifier_refusals),
                        notes=allowed)
    if "acts.association" not in answers:
        return Question("acts.association", f"Code association ({_listed(wa.ASSOCIATIONS)} ; vide : aucun)", "code",
                        choices_of(wa.ASSOCIATIONS), default="", check=wa.parse_association)
    return None


def ccam_result(act: ActFacts, answers: Answers) -> wd.ActAnswer:
    details = wa.ActDetails(day=answers["acts.date"], activity=answers["acts.activity"], phase=answers["acts.phase"],
                            base=answers["acts.base"], association=answers["acts.association"],
                            modifiers=tuple(_modifiers(answers)))
    return wd.ActAnswer(act.code, None, None, answers["acts.unit_price"], details)

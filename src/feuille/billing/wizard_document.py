"""The invoice wizard's answers → the JSON document of ``docs/invoices.md`` (pure: no database, no clock).

``feuille facture assistant`` asks, step by step as in the manual (patient, billing date, place, prescription,
insurance nature, exoneration, care pathway, payer, acts, specifics), and hands the answers to
:func:`build_document` (the insurance details and specifics through :mod:`feuille.billing.wizard_specifics`);
per-line AMO/AMC changes come through :func:`with_overrides`. Which question comes next is
:mod:`feuille.billing.wizard_flow`'s; what is typed in the terminal is parsed in ``cli/wizard_parsing.py``; the
exoneration and care pathway codes are checked here (the step machine's checks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from feuille.billing.facts import establishment_only
from feuille.billing.specifics import check_exoneration_code
from feuille.billing.wizard_acts import ActDetails
from feuille.billing.wizard_specifics import (
    AccidentWorkAnswer,
    EntenteAnswer,
    PhotoAnswer,
    SpecificsAnswer,
    photo_document,
    specifics_document,
)
from feuille.domain.invoice_fields import named
from feuille.errors import ValidationError, quoted

PLACES = ("cabinet", "domicile")
#: The manual's list, in its order: number shown at the prompt → nature code of the pricing contract.
NATURES = {"1": "maladie", "2": "maternite", "3": "at", "4": "smg", "5": "prevention"}
NATURE_LABELS = {"maladie": "maladie", "maternite": "maternité", "at": "accident du travail",
                 "smg": "soins médicaux gratuits", "prevention": "prévention"}
#: The exonerations a professional bills (2 is an establishment's: not offered).
EXONERATIONS = tuple(code for code in ("0", "1", "2", "3", "4", "5", "6", "7", "9", "C", "X")
                     if code not in establishment_only())
PARCOURS = {"T": "médecin traitant", "N": "nouveau médecin traitant", "R": "médecin traitant de substitution",
            "U": "urgence", "H": "hors résidence habituelle", "O": "orienté par le médecin traitant",
            "M": "orienté par un autre médecin", "D": "accès direct spécifique", "A": "non concerné",
            "S": "non-respect du parcours de soins"}


@dataclass(frozen=True)
class ActAnswer:
    """One act typed by hand; ``None`` leaves the contract's default (coefficient 1, quantity 1, table price)."""

    code: str
    coefficient: str | None = None
    quantity: int | None = None
    unit_price: str | None = None
    details: ActDetails | None = None   # date, qualifier, manual total, base, CCAM activity/phase/modifiers…


@dataclass(frozen=True)
class FavouriteAnswer:
    """A favourite of the professional: expanded into its acts by ``create_draft``."""

    favourite_id: int


@dataclass(frozen=True)
class ContractAnswer:
    """The patient's AMC contract chosen, with what prices the complementary part."""

    id: int
    formula: str | None = None
    percent: Decimal | None = None
    amount: Decimal | None = None


@dataclass(frozen=True)
class Override:
    """A part set by hand on one priced line (0-based, as ``overrides`` of the pricing contract)."""

    line: int
    amo: str | None = None
    amc: str | None = None


@dataclass(frozen=True)
class WizardAnswers:
    patient_id: int
    invoice_date: date
    place: str = "cabinet"
    prescription_date: date | None = None
    prescriber_id: int | None = None
    nature: str = "maladie"
    nature_date: date | None = None          # maternité: date of maternity; AT: date of the accident
    smg_amount: str | None = None
    exoneration: str = "0"
    parcours: str | None = None
    contract: ContractAnswer | None = None
    tp_amo: bool = False
    tp_amc: bool = False
    c2s: bool = False                        # the record gives the C2S: TP AMC without a contract
    acts: tuple[ActAnswer | FavouriteAnswer, ...] = ()
    overrides: tuple[Override, ...] = ()
    professional: int | str | None = None
    performer: int | None = None
    photo: PhotoAnswer | None = None
    common_law_accident: date | None = None  # maladie: date of the accident de droit commun
    accident_work: AccidentWorkAnswer | None = None  # AT: its references (its date is ``nature_date``)
    exoneration_justification: str | None = None
    ald_related: bool | None = None
    ald_forced: bool = False
    mt_declaration: str | None = None
    entente: EntenteAnswer | None = None
    specifics: SpecificsAnswer = field(default_factory=SpecificsAnswer)
    extra: dict[str, Any] = field(default_factory=dict)


def build_document(answers: WizardAnswers) -> dict[str, Any]:
    """The document ``create_draft`` / ``update_draft`` take. Checks what only the wizard knows; the rest
    (dates against each other, codes, prices) is the draft's and the pricing's job."""
    if answers.place not in PLACES:
        raise ValidationError(f"{named('place')} : « cabinet » ou « domicile » est attendu.", code="place",
                              field="place")
    if answers.nature not in NATURE_LABELS:
        raise ValidationError(f"{named('coverage.nature')} : nature inconnue {answers.nature!r}.", code="nature",
                              field="coverage.nature")
    if not answers.acts:
        raise ValidationError(f"{named('acts')} : saisissez au moins un acte.", code="acts_missing", field="acts")
    coverage: dict[str, Any] = {"nature": answers.nature, "exoneration": answers.exoneration}
    if answers.parcours:
        coverage["parcours"] = answers.parcours
    if answers.nature == "maternite" and answers.nature_date is not None:
        coverage["maternity_date"] = answers.nature_date.isoformat()
    if answers.nature == "at" and answers.nature_date is not None:
        coverage["accident_date"] = answers.nature_date.isoformat()
    if answers.nature == "smg":
        coverage["smg_amount"] = answers.smg_amount if answers.smg_amount is not None else "0.00"
    doc: dict[str, Any] = {"date": answers.invoice_date.isoformat(), "patient": {"id": answers.patient_id},
                           "place": answers.place, "coverage": coverage}
    if answers.professional is not None:
        doc["professional"] = answers.professional
    if answers.performer is not None:
        doc["performer"] = {"id": answers.performer}
    if answers.prescription_date is not None or answers.prescriber_id is not None:
        prescription: dict[str, Any] = {}
        if answers.prescription_date is not None:
            prescription["date"] = answers.prescription_date.isoformat()
        if answers.prescriber_id is not None:
            prescription["prescriber"] = answers.prescriber_id
        if answers.photo is not None:
            prescription["photo"] = photo_document(answers.photo)
        doc["prescription"] = prescription
    _insurance_details(answers, doc)
    payer: dict[str, Any] = {"tp_amo": answers.tp_amo,
                             "tp_amc": answers.tp_amc and (answers.contract is not None or answers.c2s)}
    doc["amc"] = None
    if answers.contract is not None:
        payer["amc_contract"] = answers.contract.id
        doc["amc"] = contract_amc(answers.contract)
    doc["payer"] = payer
    doc["tiers_payant"] = {"amo": payer["tp_amo"], "amc": payer["tp_amc"]}
    doc["acts"] = [_act(act, answers.invoice_date) for act in answers.acts]
    per_act = answers.specifics.act_exonerations
    if per_act:
        if len(per_act) != len(answers.acts):
            raise ValidationError(f"{named('specifics.exoneration_per_act')} : une exonération par acte est attendue.",
                                  code="act_exoneration", field="specifics.exoneration_per_act")
        for act, exoneration in zip(doc["acts"], per_act, strict=True):
            act["exoneration"] = exoneration
    if answers.entente is not None:
        doc["entente_prealable"] = {"code": answers.entente.code, "date": answers.entente.asked.isoformat()}
    specifics = specifics_document(answers.specifics)
    if specifics:
        doc["specifics"] = specifics
    if answers.overrides:
        doc["overrides"] = [_override(o) for o in answers.overrides]
    doc.update(answers.extra)
    return doc


def _insurance_details(answers: WizardAnswers, doc: dict[str, Any]) -> None:
    """« Assurances » beyond the nature: accident, AT references, justification, ALD, MT declaration."""
    if answers.nature == "maladie" and answers.common_law_accident is not None:
        doc["accident"] = {"common_law_accident": True, "date": answers.common_law_accident.isoformat()}
    if answers.nature == "at" and answers.accident_work is not None:
        work = answers.accident_work
        doc["accident_work"] = {key: value for key, value in (
            ("identifier", work.identifier), ("code", work.code), ("organism", work.organism),
            ("date", answers.nature_date.isoformat() if answers.nature_date else None)) if value is not None}
    if answers.exoneration_justification is not None:
        doc["exoneration_justification"] = answers.exoneration_justification
    if answers.ald_related is not None or answers.ald_forced:
        doc["ald"] = {"related": bool(answers.ald_related or answers.ald_forced), "forced": answers.ald_forced}
    if answers.mt_declaration is not None:
        doc["mt_declaration"] = answers.mt_declaration


def contract_amc(contract: ContractAnswer) -> dict[str, Any] | None:
    """The pricing contract's ``amc`` for this contract: its fixed amount, else its formula (and rate)."""
    if contract.amount is not None:
        return {"amount": f"{contract.amount:.2f}"}
    if contract.formula:
        amc: dict[str, Any] = {"formula": contract.formula}
        if contract.percent is not None:
            amc["percent"] = int(contract.percent) if contract.percent == int(contract.percent) \
                else str(contract.percent)
        return amc
    return None


def _act(act: ActAnswer | FavouriteAnswer, invoice_date: date | None = None) -> dict[str, Any]:
    if isinstance(act, FavouriteAnswer):
        return {"favourite": act.favourite_id}
    out: dict[str, Any] = {"code": act.code.strip().upper()}
    if act.coefficient is not None:
        out["coefficient"] = act.coefficient
    if act.quantity is not None:
        out["quantity"] = act.quantity
    if act.unit_price is not None:
        out["unit_price"] = act.unit_price
    if act.details is not None:
        out.update(act.details.document(invoice_date))
    return out


def _override(item: Override) -> dict[str, Any]:
    out: dict[str, Any] = {"line": item.line}
    if item.amo is not None:
        out["amo"] = item.amo
    if item.amc is not None:
        out["amc"] = item.amc
    return out


def with_overrides(document: dict[str, Any], overrides: list[Override] | tuple[Override, ...]) -> dict[str, Any]:
    """A copy of ``document`` whose ``overrides`` hold these changes (a later change of a line wins, part by
    part); no change leaves no ``overrides`` key."""
    merged: dict[int, dict[str, Any]] = {}
    for old in document.get("overrides") or []:
        merged[int(old["line"])] = dict(old)
    for item in overrides:
        entry = merged.setdefault(item.line, {"line": item.line})
        entry.update({k: v for k, v in _override(item).items() if k != "line"})
    out = {key: value for key, value in document.items() if key != "overrides"}
    if merged:
        out["overrides"] = [merged[line] for line in sorted(merged)]
    return out


# --- codes typed at the prompts (the step machine's checks; the terminal's own parsing is cli/wizard_parsing.py) ---











def parse_exoneration(text: object, default: str = "0") -> str:
    value = str(text or "").strip().upper() or default
    check_exoneration_code(value, "coverage.exoneration")
    if value not in EXONERATIONS:
        raise ValidationError(f"exonération : {quoted(value, 5)} inconnue ({', '.join(EXONERATIONS)}).",
                              code="exoneration", field="coverage.exoneration")
    return value


def parse_parcours(text: object) -> str | None:
    value = str(text or "").strip().upper()
    if not value:
        return None
    if value not in PARCOURS:
        raise ValidationError(f"parcours : lettre inconnue {quoted(value, 5)} ({' '.join(PARCOURS)}).", code="parcours",
                              field="coverage.parcours")
    return value

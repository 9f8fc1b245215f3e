"""The invoice wizard's questions as a step machine that any interface drives (pure: no database, no clock).

Each screen is a function of (the answers given so far on that screen, the facts the services gave about the
patient, the professional's preferences and the tables) that returns the next :class:`Question` — a stable id, the
French label, its kind, the choices the tables allow, its default — or ``None`` when the screen has nothing more to
ask; a ``*_result`` function then turns the screen's answers into ``WizardAnswers``. The terminal parses what is
typed ("o/oui", "JJ/MM/AAAA", "12,50": ``cli/wizard_parsing.py``) into the typed answers and loops until the screen
is done (``cli/wizard_prompts.drive``); a web form sends the same ids with the same values.

The questions and their typed answers: :mod:`feuille.billing.wizard_questions`. Here: « Soins réalisés » (with the
preferences « à domicile » and « PS exécutant »), « Règlement », the allowances after an NGAP act (the patient's
kilometres offered), « Assurances ». The « Spécificités et sécurisation » screen, the securing modes the rules allow
and the payment means: :mod:`feuille.billing.wizard_flow_specifics`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from feuille.billing import care_dates
from feuille.billing import specifics as sp
from feuille.billing import wizard_acts as wa
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_specifics as ws
from feuille.billing.wizard_questions import Answers, Choice, Question, choices_of

JUSTIFICATION_HINT = ("Justificatifs : 0 pas d'exonération, 3 soins particuliers exonérés, 4 soins conformes au "
                      "protocole ALD, 5 assuré ou bénéficiaire exonéré, 7 dispositif de prévention, « aucune » : "
                      "aucune exonération renseignée (autres codes : 1, 6, 9, C, X)")


# --- « Soins réalisés » --------------------------------------------------------------------------------------------

def start(patient_id: int, today: date, home_by_default: bool) -> wd.WizardAnswers:
    """The answers before the first screen: « Mettre par défaut à domicile » sets the place offered."""
    return wd.WizardAnswers(patient_id=patient_id, invoice_date=today,
                            place="domicile" if home_by_default else "cabinet")


@dataclass(frozen=True)
class CareFacts:
    """``performers``: (id, label) of the remplaçants who may have done the care, offered when the preference
    « Rendre visible la sélection du PS exécutant » is on (``show_performer``). ``professionals``: (id, label) of
    the practice's professionals, given when the user has none linked to him (a secretary, an administrator): he
    is asked « Professionnel qui facture » first; empty when the user's own professional bills."""

    today: date
    previous: wd.WizardAnswers
    show_performer: bool = False
    performers: tuple[tuple[int, str], ...] = ()
    professionals: tuple[tuple[int, str], ...] = ()


def care_question(care: CareFacts, answers: Answers) -> Question | None:
    if care.professionals and "professional" not in answers:
        current = str(care.previous.professional) if care.previous.professional is not None else None
        return Question("professional", "Professionnel qui facture", "choice",
                        tuple(Choice(str(i), label) for i, label in care.professionals),
                        default=current if len(care.professionals) > 1 else str(care.professionals[0][0]))
    if "date" not in answers:
        def not_future(day: object) -> date:
            if not isinstance(day, date):
                raise TypeError("a date is expected")
            care_dates.check_not_future(day, care.today, "date", "la date de facturation")
            return day

        return Question("date", "Date de facturation (JJ/MM/AAAA)", "date", default=care.today, check=not_future)
    if "place" not in answers:
        return Question("place", "Lieu des soins (cabinet ou domicile)", "choice",
                        choices_of({p: p for p in wd.PLACES}), default=care.previous.place)
    if care.show_performer and care.performers and "performer" not in answers:
        current = str(care.previous.performer) if care.previous.performer else None
        return Question("performer", "PS exécutant (remplaçant qui a réalisé les soins) :", "choice",
                        tuple(Choice(str(i), label) for i, label in care.performers), default=current,
                        none_label="le titulaire lui-même")
    return None


def care_result(care: CareFacts, answers: Answers) -> wd.WizardAnswers:
    performer = care.previous.performer
    if care.show_performer and care.performers:
        performer = int(answers["performer"]) if answers.get("performer") else None
    professional = care.previous.professional
    if care.professionals:
        professional = int(answers["professional"])
    return replace(care.previous, invoice_date=answers["date"], place=answers["place"], performer=performer,
                   professional=professional)


# --- « Règlement » ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PayerFacts:
    """The patient's AMC contracts (label shown, what prices the complementary part), the one offered first (whose
    rights run on the date; a C2S beneficiary's C2S) and whether the record gives the C2S on that date."""

    previous: wd.WizardAnswers
    contracts: tuple[tuple[str, wd.ContractAnswer], ...]
    offered: int | None
    c2s: bool


def _contract(payer: PayerFacts, answers: Answers) -> wd.ContractAnswer | None:
    chosen = answers.get("payer.amc_contract")
    return next((c for _, c in payer.contracts if str(c.id) == chosen), None) if chosen else None


def payer_question(payer: PayerFacts, answers: Answers) -> Question | None:
    before = payer.previous
    if payer.contracts and "payer.amc_contract" not in answers:
        offered = before.contract.id if before.contract else payer.offered
        return Question("payer.amc_contract", "Mutuelle (contrat complémentaire du patient) :", "choice",
                        tuple(Choice(str(c.id), label) for label, c in payer.contracts),
                        default=str(offered) if offered is not None else None, none_label="aucune")
    if "tp_amo" not in answers:
        said = ("Bénéficiaire de la C2S : la complémentaire de la facture est la C2S (tiers payant AMO et AMC).",)
        return Question("tp_amo", "Tiers payant AMO (part obligatoire) ?", "yes_no", default=before.tp_amo or payer.c2s,
                        notes=said if payer.c2s else ())
    if (_contract(payer, answers) is not None or payer.c2s) and "tp_amc" not in answers:
        return Question("tp_amc", "Tiers payant AMC (part complémentaire) ?", "yes_no",
                        default=before.tp_amc or payer.c2s)
    return None


def payer_result(payer: PayerFacts, answers: Answers) -> wd.WizardAnswers:
    before = payer.previous
    contract = _contract(payer, answers)
    specifics = before.specifics
    if contract is None or before.contract is None or contract.id != before.contract.id:
        specifics = replace(specifics, amc_convention=None)  # a convention belongs to the contract chosen
    return replace(before, contract=contract, tp_amo=bool(answers["tp_amo"]), tp_amc=bool(answers.get("tp_amc")),
                   c2s=payer.c2s, specifics=specifics)


# --- the allowances after an NGAP act: flat ones and the kilometres ---------------------------------------------

#: The kilometre allowances and the patient record's field that keeps each distance (the manual's patient screen:
#: « Indemnités kilométriques : IK IKM IKS », the default of every invoice).
DISTANCE_FIELDS = {"IK": "ik", "IKM": "ikm", "IKS": "iks"}
DISTANCE_LABELS = {"IK": "Indemnité kilométrique", "IKM": "Indemnité kilométrique en montagne (IKM)",
                   "IKS": "Indemnité kilométrique à pied ou à ski (IKS)"}


@dataclass(frozen=True)
class AllowanceFacts:
    """``listed``: what the NGAP table lists for the act (``AMI`` → IFD, IK); ``distances``: the patient's IK / IKM /
    IKS distances (``ik``, ``ikm``, ``iks``; 0 when unknown)."""

    listed: tuple[str, ...]
    distances: Mapping[str, Decimal]


def _km(distance: Decimal | None) -> str:
    if not distance:
        return ""
    return str(int(distance)) if distance == int(distance) else f"{distance:.2f}"


def distance_codes(allowances: AllowanceFacts) -> tuple[str, ...]:
    """IK where the table lists it; IKM and IKS beside it when the patient record keeps a distance for them."""
    if "IK" not in allowances.listed:
        return ()
    return ("IK", *(code for code in ("IKM", "IKS") if allowances.distances.get(DISTANCE_FIELDS[code])))


def allowance_question(allowances: AllowanceFacts, answers: Answers) -> Question | None:
    flat = [code for code in allowances.listed if code not in DISTANCE_FIELDS]
    if flat and "allowance" not in answers:
        return Question("allowance", f"Indemnité forfaitaire ({', '.join(flat)} ; vide : sans)", "code",
                        choices_of({code: code for code in flat}), default="",
                        check=lambda typed: wa.parse_allowance(typed, flat))
    for code in distance_codes(allowances):
        if f"km.{code}" not in answers:
            default = _km(allowances.distances.get(DISTANCE_FIELDS[code]))
            empty = f"vide : {default} km, ceux du dossier du patient ; 0 : aucune" if default else "vide : aucune"
            return Question(f"km.{code}", f"{DISTANCE_LABELS[code]} : nombre de km ({empty})", "code",
                            default=default, check=wa.parse_kilometres)
    return None


def allowance_result(allowances: AllowanceFacts, answers: Answers) -> list[wd.ActAnswer]:
    """Each allowance billed as its own line (the kilometres are the IK line's quantity)."""
    extra = [wd.ActAnswer(answers["allowance"])] if answers.get("allowance") else []
    return extra + [wd.ActAnswer(code, None, answers[f"km.{code}"]) for code in distance_codes(allowances)
                    if answers.get(f"km.{code}")]


def distances_to_keep(answers: wd.WizardAnswers, stored: Mapping[str, Any]) -> dict[str, str]:
    """The distances billed that differ from the patient record's: kept there as the next invoice's default."""
    used: dict[str, str] = {}
    for act in answers.acts:
        if isinstance(act, wd.ActAnswer) and act.code in DISTANCE_FIELDS and act.quantity:
            used[DISTANCE_FIELDS[act.code]] = str(act.quantity)
    return {name: km for name, km in used.items() if Decimal(km) != Decimal(str(stored.get(name) or 0))}


# --- « Assurances » -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InsuranceFacts:
    """What the patient record gives on the date of care (``record_rights``) and the answers before."""

    previous: wd.WizardAnswers
    in_ald: bool
    exoneration_default: str
    work_accidents: tuple[Mapping[str, Any], ...] = ()
    record_lines: tuple[str, ...] = ()
    record_warnings: tuple[str, ...] = ()


def _accident_label(accident: Mapping[str, Any]) -> str:
    number = f" (n° {accident['identifier']})" if accident.get("identifier") else ""
    return f"AT du {accident['date']:%d/%m/%Y}{number}"


def _known_accident(ins: InsuranceFacts, answers: Answers) -> Mapping[str, Any] | None:
    chosen = answers.get("accident_work.known")
    return ins.work_accidents[int(chosen) - 1] if chosen else None


def _nature_question(ins: InsuranceFacts, answers: Answers, nature: str) -> Question | None:
    before = ins.previous
    if nature == "maladie":
        if "accident.common_law" not in answers:
            return Question("accident.common_law", "Accident de droit commun ?", "yes_no",
                            default=before.common_law_accident is not None)
        if answers["accident.common_law"] and "accident.date" not in answers:
            return Question("accident.date", "Date de l'accident (JJ/MM/AAAA)", "date",
                            default=before.common_law_accident)
    elif nature == "maternite" and "coverage.maternity_date" not in answers:
        return Question("coverage.maternity_date", "Date de maternité (JJ/MM/AAAA)", "date", default=before.nature_date)
    elif nature == "at":
        return _accident_work_question(ins, answers)
    elif nature == "smg" and "coverage.smg_amount" not in answers:
        return Question("coverage.smg_amount", "Montant de la prise en charge SMG", "amount", default="0")
    return None


def _accident_work_question(ins: InsuranceFacts, answers: Answers) -> Question | None:
    """One of the AT recorded for the patient (read on his Vitale card), or the references typed."""
    if ins.work_accidents and "accident_work.known" not in answers:
        return Question("accident_work.known", "AT enregistrés pour le patient (carte Vitale) :", "choice",
                        tuple(Choice(str(i), _accident_label(a)) for i, a in enumerate(ins.work_accidents, 1)),
                        default=None, none_label="AT non présent en carte vitale")
    if _known_accident(ins, answers) is not None:
        return None
    previous = ins.previous.accident_work or ws.AccidentWorkAnswer()
    typed = (("accident_work.identifier", "Identifiant de l'AT (vide : inconnu)", ws.parse_at_identifier,
              previous.identifier),
             ("accident_work.code", "Code AT (vide : inconnu)", ws.parse_at_code, previous.code),
             ("accident_work.organism", "Organisme AT (9 chiffres ; vide : inconnu)", ws.parse_at_organism,
              previous.organism))
    for key, label, check, default in typed:
        if key not in answers:
            return Question(key, label, "code", default=default or "", check=check)
    if "accident_work.date" not in answers:
        return Question("accident_work.date", "Date de l'AT (JJ/MM/AAAA)", "date", default=ins.previous.nature_date)
    return None


def _justification(ins: InsuranceFacts, answers: Answers) -> str:
    return str(answers["exoneration_justification"])


def insurance_question(ins: InsuranceFacts, answers: Answers) -> Question | None:
    before = ins.previous
    nature = answers.get("coverage.nature")
    if nature is None:
        return Question("coverage.nature", "Nature de l'assurance :", "choice",
                        tuple(Choice(code, wd.NATURE_LABELS[code]) for code in wd.NATURES.values()),
                        default=before.nature, notes=ins.record_lines, warnings=ins.record_warnings)
    found = _nature_question(ins, answers, nature)
    if found is not None:
        return found
    if "exoneration_justification" not in answers:
        default = before.exoneration_justification or ins.exoneration_default
        known = _known_accident(ins, answers)
        said = () if known is None else (
            f"Identifiant {known.get('identifier') or '-'}, code AT {known.get('code') or '-'}, organisme AT "
            f"{known.get('organism') or '-'}, date AT {known['date']:%d/%m/%Y}",)
        return Question("exoneration_justification", "Justificatif d'exonération du ticket modérateur", "code",
                        default=default, check=lambda t: ws.parse_justification(t, ins.exoneration_default),
                        notes=(*said, JUSTIFICATION_HINT))
    justification = _justification(ins, answers)
    if nature == "maladie" and "ald" not in answers:
        if ins.in_ald and justification != sp.ALD_EXONERATION:
            return Question("ald", "Les soins sont-ils en rapport avec l'ALD du patient ?", "yes_no", default=False,
                            notes=("Patient en ALD",))
        if not ins.in_ald:
            return Question("ald", "Forçage du code ALD ?", "yes_no", default=justification == sp.ALD_EXONERATION)
    if "coverage.parcours" not in answers:
        return Question("coverage.parcours", "Situation au regard du parcours de soins (lettre ; vide : non concernée)",
                        "code", default=before.parcours or "", check=wd.parse_parcours,
                        notes=("Parcours de soins : " + ", ".join(f"{k} {v}" for k, v in wd.PARCOURS.items()),))
    if answers["coverage.parcours"] in ws.MT_LETTERS and "mt_declaration" not in answers:
        return Question("mt_declaration", "Déclaration d'un médecin traitant ? (oui, non, ne sait pas)", "code",
                        default="ne sait pas", check=ws.parse_mt_declaration)
    return None


def _ald(ins: InsuranceFacts, answers: Answers, nature: str) -> tuple[bool | None, bool]:
    """(care related to the ALD, « Forçage du code ALD »)."""
    if nature != "maladie":
        return None, False
    if ins.in_ald:
        return (True if _justification(ins, answers) == sp.ALD_EXONERATION else bool(answers["ald"])), False
    forced = bool(answers["ald"])
    return (True if forced else None), forced


def _work(ins: InsuranceFacts, answers: Answers) -> tuple[date | None, ws.AccidentWorkAnswer]:
    known = _known_accident(ins, answers)
    if known is not None:
        return known["date"], ws.AccidentWorkAnswer(known.get("identifier"), known.get("code"), known.get("organism"))
    return answers["accident_work.date"], ws.AccidentWorkAnswer(
        answers["accident_work.identifier"], answers["accident_work.code"], answers["accident_work.organism"])


def insurance_result(ins: InsuranceFacts, answers: Answers) -> wd.WizardAnswers:
    nature = str(answers["coverage.nature"])
    nature_date, smg, common_law, work = None, None, None, None
    if nature == "maladie" and answers.get("accident.common_law"):
        common_law = answers["accident.date"]
    elif nature == "maternite":
        nature_date = answers["coverage.maternity_date"]
    elif nature == "at":
        nature_date, work = _work(ins, answers)
    elif nature == "smg":
        smg = answers["coverage.smg_amount"] or "0.00"
    justification = _justification(ins, answers)
    related, forced = _ald(ins, answers, nature)
    if related and justification in ("0", sp.NO_JUSTIFICATION):
        justification = sp.ALD_EXONERATION  # « Soins conformes au protocole ALD », as the screen then shows
    parcours = answers["coverage.parcours"]
    return replace(ins.previous, nature=nature, nature_date=nature_date, smg_amount=smg,
                   common_law_accident=common_law, accident_work=work, exoneration_justification=justification,
                   exoneration="0" if justification == sp.NO_JUSTIFICATION else justification, ald_related=related,
                   ald_forced=forced, parcours=parcours,
                   mt_declaration=answers.get("mt_declaration") if parcours in ws.MT_LETTERS else None)

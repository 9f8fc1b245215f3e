"""The step machine's « Spécificités et sécurisation » screen (pure, as :mod:`feuille.billing.wizard_flow`): the
entente préalable when an act needs one, the specifics the user ticks (victime d'attentat and its certificate,
prévention commune, santé sexuelle and a minor's anonymity — his sex and caisse asked only when unknown —,
exonération sur chaque acte, regroupement, forçage du service AMO), the securing modes the rules allow and the
payment means offered."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from feuille.billing import facts
from feuille.billing import specifics as sp
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_specifics as ws
from feuille.billing.lines import Line
from feuille.billing.wizard_questions import Answers, Choice, Question, choices_of
from feuille.domain.invoices import MEANS_LABELS, MODE_LABELS, PaymentMeans, SecureMode
from feuille.money import format_amount

# --- « Spécificités »: entente préalable, santé sexuelle and the minor's anonymity --------------------------------

@dataclass(frozen=True)
class SpecificsFacts:
    """``entente_codes``: the acts that need an entente préalable (NGAP table); ``entente_asked``: the draft was
    refused for want of one; ``minor`` on the date of care; whether the patient's NIR gives his sex and his record
    his AMO caisse."""

    previous: wd.WizardAnswers
    minor: bool
    sex_known: bool
    caisse_known: bool
    entente_codes: tuple[str, ...] = ()
    entente_asked: bool = False


def entente_question(spf: SpecificsFacts, answers: Answers) -> Question | None:
    if not (spf.entente_codes or spf.entente_asked):
        return None
    previous = spf.previous.entente
    if "entente_prealable.code" not in answers:
        codes = spf.entente_codes
        said = (f"Entente préalable demandée par l'acte {', '.join(codes)}." if codes
                else "Entente préalable demandée pour cette facture.")
        return Question("entente_prealable.code", "Entente préalable (code)", "code", choices_of(ws.EP_CHOICES),
                        default=previous.code if previous else "", check=ws.parse_ep_code,
                        notes=(said, "Codes : " + ", ".join(f"{k} {v}" for k, v in ws.EP_CHOICES.items())))
    if "entente_prealable.date" not in answers:
        return Question("entente_prealable.date", "Date de la demande d'entente préalable (JJ/MM/AAAA)", "date",
                        default=previous.asked if previous else spf.previous.invoice_date)
    return None


def entente_result(spf: SpecificsFacts, answers: Answers) -> ws.EntenteAnswer | None:
    if not (spf.entente_codes or spf.entente_asked):
        return None
    return ws.EntenteAnswer(answers["entente_prealable.code"], answers["entente_prealable.date"])


def sexual_health_question(spf: SpecificsFacts, answers: Answers) -> Question | None:
    """Santé sexuelle; for a minor, anonymity (confirming the forced mode); then sex and caisse when unknown."""
    before = spf.previous.specifics
    if "sante_sexuelle" not in answers:
        return Question("sante_sexuelle", "Réalisez-vous des soins en lien avec la prévention santé sexuelle ?",
                        "yes_no", default=before.sante_sexuelle)
    if not answers["sante_sexuelle"] or not spf.minor:
        return None
    if "anonymous_minor" not in answers:
        return Question("anonymous_minor", "Le patient mineur souhaite-t-il conserver l'anonymat ?", "yes_no",
                        default=before.anonymous_minor)
    if not answers["anonymous_minor"]:
        return None
    if "sans_vitale" not in answers:
        return Question("sans_vitale", "Passer en mode SESAM sans Vitale ?", "yes_no", default=True, notes=(
            "L'anonymat donne à la facture un NIR fictif et impose le mode de sécurisation « SESAM sans Vitale ».",))
    if not answers["sans_vitale"]:
        return None
    if not spf.sex_known and "sex" not in answers:
        return Question("sex", "Sexe du patient (1 masculin, 2 féminin)", "code", default=before.sex or "",
                        check=ws.parse_sex)
    if not spf.caisse_known and "caisse" not in answers:
        return Question("caisse", "Caisse AMO du patient (3 chiffres)", "code", default=before.caisse or "",
                        check=ws.parse_caisse)
    return None


def sexual_health_result(spf: SpecificsFacts, answers: Answers) -> tuple[ws.SpecificsAnswer, tuple[str, ...]]:
    """The answer and the warnings to show (anonymity asked but not kept)."""
    if not answers["sante_sexuelle"]:
        return ws.SpecificsAnswer(), ()
    if not (spf.minor and answers.get("anonymous_minor")):
        return ws.SpecificsAnswer(sante_sexuelle=True), ()
    if not answers["sans_vitale"]:
        return ws.SpecificsAnswer(sante_sexuelle=True), ("anonymat non retenu : la facture est faite au NIR du "
                                                         "patient.",)
    return ws.SpecificsAnswer(sante_sexuelle=True, anonymous_minor=True, sex=answers.get("sex"),
                              caisse=answers.get("caisse")), ()


# --- the specifics ticked (« Spécificités de facturation … ? ») ---------------------------------------------------

GATE = ("Spécificités de facturation (victime d'attentat, prévention commune, santé sexuelle, exonération par "
        "acte, regroupement, forçage du service AMO) ?")
NO_CERTIFICATE = "sans cette attestation, les soins ne relèvent pas du dispositif victime d'attentat."


def act_label(act: wd.ActAnswer | wd.FavouriteAnswer) -> str:
    return act.code if isinstance(act, wd.ActAnswer) else f"du favori n° {act.favourite_id} (tous ses actes)"


def _exoneration_check(default: str) -> Callable[[object], str]:
    return lambda typed: wd.parse_exoneration(typed, default)


def _exoneration_question(spf: SpecificsFacts, answers: Answers) -> Question | None:
    """« Choix de l'exonération »: one question per act, as the manual's pop-ups (default: the invoice's)."""
    before = spf.previous.specifics.act_exonerations
    for index, act in enumerate(spf.previous.acts):
        if f"exoneration.{index}" not in answers:
            default = before[index] if index < len(before) else spf.previous.exoneration
            return Question(f"exoneration.{index}", f"Exonération pour l'acte {act_label(act)} (0, 3, 5, 7… ; vide : "
                            f"{default})", "code", default=default,
                            check=_exoneration_check(default))
    return None


def _service_question(before: ws.ServiceAnswer | None, answers: Answers) -> Question | None:
    if "service.code" not in answers:
        return Question("service.code", "Code du service AMO (C2S, C2SP, AME)", "code",
                        default=before.code if before else "", check=ws.parse_service_code)
    if "specifics.service_amo.start" not in answers:
        return Question("specifics.service_amo.start", "Date de début du code service AMO (JJ/MM/AAAA)", "date",
                        default=before.start if before else None)
    if "specifics.service_amo.end" not in answers:
        return Question("specifics.service_amo.end", "Date de fin du code service AMO (JJ/MM/AAAA)", "date",
                        default=before.end if before else None)
    return None


def _ticked_question(spf: SpecificsFacts, answers: Answers) -> Question | None:
    before = spf.previous.specifics
    if "victime_attentat" not in answers:
        return Question("victime_attentat", "Victime d'attentat ?", "yes_no", default=before.victime_attentat)
    if answers["victime_attentat"] and "attestation" not in answers:
        return Question("attestation", "Le patient a-t-il présenté l'attestation « Bénéficiaire Victime d'Attentat » "
                        "?", "yes_no", default=True)
    if "prevention" not in answers:
        refused = answers["victime_attentat"] and not answers["attestation"]
        return Question("prevention", "Prévention commune ?", "yes_no", default=before.prevention_programme is not None,
                        warnings=(NO_CERTIFICATE,) if refused else ())
    if answers["prevention"] and "prevention.programme" not in answers:
        return Question("prevention.programme", "Code du programme de prévention", "code",
                        default=before.prevention_programme or "", check=ws.parse_programme)
    sexual = sexual_health_question(spf, answers)
    if sexual is not None:
        return sexual
    if "per_act" not in answers:
        return Question("per_act", "Saisir l'exonération sur chaque acte ?", "yes_no",
                        default=bool(before.act_exonerations), warnings=sexual_health_result(spf, answers)[1])
    found = _exoneration_question(spf, answers) if answers["per_act"] else None
    if found is not None:
        return found
    if "group" not in answers:
        return Question("group", "Regrouper les actes identiques dans la facture ?", "yes_no",
                        default=before.group_identical)
    if "service" not in answers:
        return Question("service", "Forçage du service AMO ?", "yes_no", default=before.service_amo is not None)
    return _service_question(before.service_amo, answers) if answers["service"] else None


def ticked_question(spf: SpecificsFacts, answers: Answers) -> Question | None:
    """The gate, then the manual's checkboxes one by one (asked again as answered when going back)."""
    before = spf.previous.specifics
    if "specifics" not in answers:
        return Question("specifics", GATE, "yes_no",
                        default=before != ws.SpecificsAnswer(amc_convention=before.amc_convention))
    return _ticked_question(spf, answers) if answers["specifics"] else None


def ticked_result(spf: SpecificsFacts, answers: Answers) -> ws.SpecificsAnswer:
    if not answers["specifics"]:
        return ws.SpecificsAnswer()
    sexual, _ = sexual_health_result(spf, answers)
    per_act = tuple(answers[f"exoneration.{i}"] for i in range(len(spf.previous.acts))) if answers["per_act"] else ()
    service = ws.ServiceAnswer(answers["service.code"], answers["specifics.service_amo.start"],
                               answers["specifics.service_amo.end"]) if answers["service"] else None
    return replace(sexual, victime_attentat=bool(answers["victime_attentat"] and answers["attestation"]),
                   prevention_programme=answers.get("prevention.programme") if answers["prevention"] else None,
                   act_exonerations=per_act, group_identical=bool(answers["group"]), service_amo=service)


# --- securing and payment ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Offer:
    """The securing modes the invoice may use; ``reason`` (French) when the rules impose one."""

    modes: tuple[SecureMode, ...]
    reason: str | None = None


def offered_modes(document: Mapping[str, Any]) -> Offer:
    """The rules ``securing`` enforces (``specifics.check_secure_mode``, ``check_paper_only``), asked first."""
    forced = sp.forced_mode(document)
    if forced is not None:
        return Offer((forced,), "imposé : anonymat du mineur")
    rule = facts.smg()
    if sp.effective_nature(document) == rule["nature"]:
        return Offer(tuple(SecureMode(mode) for mode in rule["allowed_modes"]),
                     "imposé : les soins médicaux gratuits ne sont pas télétransmis, la feuille de soins est adressée "
                     "sur papier à la CNMSS")
    return Offer(tuple(SecureMode))


def mode_question(offer: Offer, vitale_present: bool) -> Question:
    """The mode question when the rules leave a choice; synchronised is offered when a Vitale card is there."""
    default = SecureMode.SYNCHRONISE if vitale_present else SecureMode.DEGRADE
    return Question("mode", f"Mode de sécurisation ({', '.join(m.value for m in offer.modes)})", "choice",
                    tuple(Choice(m.value, MODE_LABELS[m]) for m in offer.modes),
                    default=(default if default in offer.modes else offer.modes[0]).value)


def imposed_mode(offer: Offer) -> str:
    """The French sentence naming the one mode the rules impose."""
    return f"Mode de sécurisation : {MODE_LABELS[offer.modes[0]]} ({offer.reason})."


def payment_question(default_means: str) -> Question:
    """« Le type de paiement par défaut peut être paramétré (Menu Profils/Préférences) »: its default."""
    means = PaymentMeans(default_means)
    return Question("means", "Moyen de paiement (cheque, CB, especes, autre)", "choice",
                    tuple(Choice(m.value, MEANS_LABELS[m]) for m in PaymentMeans), default=means.value)


# --- the recap's changes: the AMO or AMC part of one priced line -------------------------------------------------

def line_labels(lines: Sequence[Line]) -> tuple[str, ...]:
    """The draft's priced lines as the recap's list shows them (« G 30.00 (AMO 21.00, AMC 9.00) »)."""
    return tuple(f"{line.code} {format_amount(line.total)} (AMO {format_amount(line.amo)}, AMC "
                 f"{format_amount(line.amc)})" for line in lines)


def override_question(labels: tuple[str, ...], answers: Answers) -> Question | None:
    """One change of the recap (« Modifier la part AMO ou AMC d'une ligne ? »): the line among the draft's priced
    lines (``line_labels``), then its parts (empty: unchanged). The interface sends the change to the services
    (``update_draft``) and asks again while the user wants."""
    if not labels:
        return None
    if "overrides.more" not in answers:
        return Question("overrides.more", "Modifier la part AMO ou AMC d'une ligne ?", "yes_no", default=False)
    if not answers["overrides.more"]:
        return None
    if "overrides.line" not in answers:
        return Question("overrides.line", "Ligne à modifier :", "choice",
                        tuple(Choice(str(number), label) for number, label in enumerate(labels, start=1)))
    for key, label in (("overrides.amo", "Part AMO (vide : inchangée)"),
                       ("overrides.amc", "Part AMC (vide : inchangée)")):
        if key not in answers:
            return Question(key, label, "amount")
    return None


def override_result(answers: Answers) -> wd.Override | None:
    """The change asked (0-based line, as the pricing contract's ``overrides``); None: no change, or none typed."""
    if not answers.get("overrides.more") or (answers.get("overrides.amo") is None
                                             and answers.get("overrides.amc") is None):
        return None
    return wd.Override(int(answers["overrides.line"]) - 1, answers["overrides.amo"], answers["overrides.amc"])

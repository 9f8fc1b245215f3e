"""The wizard's step machine driven without a terminal: a scripted list of answers per screen, for the main paths
(which question comes next, with which default), the securing modes offered and the preferences' defaults."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from feuille.billing import specifics as sp
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_flow as wf
from feuille.billing import wizard_flow_specifics as wfs
from feuille.billing import wizard_specifics as ws
from feuille.billing.wizard_questions import Answers, Question
from feuille.domain.invoices import SecureMode
from feuille.errors import ValidationError

DAY = date(2025, 1, 14)
START = wd.WizardAnswers(patient_id=1, invoice_date=DAY)
ACT = (wd.ActAnswer("G"),)


@dataclass
class Script:
    """Answers given in order (``None``: the question's default); records the ids asked."""

    given: Sequence[Any]
    asked: list[str] = field(default_factory=list)

    def run(self, next_question: Callable[[Answers], Question | None]) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        queue = list(self.given)
        while (question := next_question(answers)) is not None:
            assert queue, f"no scripted answer for {question.id}"
            value = queue.pop(0)
            value = question.default if value is None else value
            if question.check is not None:
                value = question.check(value)
            self.asked.append(question.id)
            answers[question.id] = value
        assert not queue, f"answers left over: {queue}"
        return answers


def insurance(facts: wf.InsuranceFacts, given: Sequence[Any]) -> tuple[list[str], wd.WizardAnswers]:
    script = Script(given)
    answers = script.run(lambda a: wf.insurance_question(facts, a))
    return script.asked, wf.insurance_result(facts, answers)


def test_maladie_with_a_common_law_accident_forced_ald_and_mt_declaration() -> None:
    facts = wf.InsuranceFacts(previous=START, in_ald=False, exoneration_default="0", record_lines=("AMO : 01",))
    assert wf.insurance_question(facts, {}).notes == ("AMO : 01",)  # type: ignore[union-attr]
    asked, result = insurance(facts, ["maladie", True, date(2025, 1, 10), None, True, "t", "oui"])
    assert asked == ["coverage.nature", "accident.common_law", "accident.date", "exoneration_justification", "ald",
                     "coverage.parcours", "mt_declaration"]
    assert result.common_law_accident == date(2025, 1, 10) and result.parcours == "T"
    assert (result.ald_related, result.ald_forced, result.mt_declaration) == (True, True, "oui")
    assert result.exoneration == sp.ALD_EXONERATION  # a forced ALD with « 0 » becomes « soins conformes »


def test_a_patient_in_ald_is_asked_whether_the_care_relates_unless_the_justification_says_it() -> None:
    facts = wf.InsuranceFacts(previous=START, in_ald=True, exoneration_default="4")
    asked, result = insurance(facts, ["maladie", False, None, ""])
    assert asked == ["coverage.nature", "accident.common_law", "exoneration_justification", "coverage.parcours"]
    assert (result.ald_related, result.ald_forced, result.exoneration) == (True, False, "4")
    asked, result = insurance(facts, ["maladie", False, "0", False, ""])
    question = wf.insurance_question(facts, {"coverage.nature": "maladie", "accident.common_law": False,
                                             "exoneration_justification": "0"})
    assert question is not None and question.id == "ald" and question.notes == ("Patient en ALD",)
    assert result.ald_related is False and result.exoneration == "0"


def test_an_at_read_on_the_card_asks_no_reference_and_other_natures_ask_their_own() -> None:
    known = {"identifier": "123456789", "code": "1", "organism": "011234567", "date": date(2025, 1, 2)}
    facts = wf.InsuranceFacts(previous=START, in_ald=False, exoneration_default="0", work_accidents=(known,))
    asked, result = insurance(facts, ["at", "1", None, ""])
    assert asked == ["coverage.nature", "accident_work.known", "exoneration_justification", "coverage.parcours"]
    assert result.nature_date == date(2025, 1, 2) and result.accident_work == ws.AccidentWorkAnswer(
        "123456789", "1", "011234567")
    asked, result = insurance(facts, ["at", None, "", "", "", date(2025, 1, 3), None, ""])
    assert asked[2:5] == ["accident_work.identifier", "accident_work.code", "accident_work.organism"]
    assert result.accident_work == ws.AccidentWorkAnswer() and result.nature_date == date(2025, 1, 3)
    asked, result = insurance(facts, ["smg", "12.00", None, ""])
    assert "ald" not in asked and result.smg_amount == "12.00"
    asked, result = insurance(facts, ["maternite", date(2025, 6, 1), None, ""])
    assert result.nature_date == date(2025, 6, 1)


def test_a_bad_code_is_refused_in_french_by_the_question_check() -> None:
    facts = wf.InsuranceFacts(previous=START, in_ald=False, exoneration_default="0")
    with pytest.raises(ValidationError) as refused:
        insurance(facts, ["maladie", False, None, False, "Q"])
    assert refused.value.field == "coverage.parcours"


def specifics(minor: bool, sex_known: bool = True, caisse_known: bool = True,
              codes: tuple[str, ...] = ()) -> wfs.SpecificsFacts:
    return wfs.SpecificsFacts(previous=wd.WizardAnswers(patient_id=1, invoice_date=DAY, acts=ACT), minor=minor,
                             sex_known=sex_known, caisse_known=caisse_known, entente_codes=codes)


def test_the_anonymous_minor_is_asked_sex_and_caisse_only_when_unknown() -> None:
    facts = specifics(minor=True, sex_known=False, caisse_known=False)
    script = Script([True, True, None, "2", "349"])
    chosen, warnings = wfs.sexual_health_result(facts, script.run(lambda a: wfs.sexual_health_question(facts, a)))
    assert script.asked == ["sante_sexuelle", "anonymous_minor", "sans_vitale", "sex", "caisse"]
    assert chosen == ws.SpecificsAnswer(sante_sexuelle=True, anonymous_minor=True, sex="2", caisse="349")
    assert warnings == ()
    facts = specifics(minor=True)
    script = Script([True, True, False])
    chosen, warnings = wfs.sexual_health_result(facts, script.run(lambda a: wfs.sexual_health_question(facts, a)))
    assert chosen == ws.SpecificsAnswer(sante_sexuelle=True) and "anonymat non retenu" in warnings[0]
    adult = specifics(minor=False)
    script = Script([True])
    chosen, _ = wfs.sexual_health_result(adult, script.run(lambda a: wfs.sexual_health_question(adult, a)))
    assert script.asked == ["sante_sexuelle"] and chosen == ws.SpecificsAnswer(sante_sexuelle=True)


def test_the_entente_is_asked_only_for_an_act_that_needs_one() -> None:
    assert wfs.entente_question(specifics(minor=False), {}) is None
    assert wfs.entente_result(specifics(minor=False), {}) is None
    facts = specifics(minor=False, codes=("AIS",))
    script = Script(["4", None])
    answers = script.run(lambda a: wfs.entente_question(facts, a))
    assert wfs.entente_result(facts, answers) == ws.EntenteAnswer("4", DAY)
    first = wfs.entente_question(facts, {})
    assert first is not None and first.notes[0] == "Entente préalable demandée par l'acte AIS."


def test_the_modes_offered_follow_the_securing_rules() -> None:
    plain = wd.build_document(wd.WizardAnswers(patient_id=1, invoice_date=DAY, acts=ACT))
    offer = wfs.offered_modes(plain)
    assert offer.modes == tuple(SecureMode) and offer.reason is None
    assert wfs.mode_question(offer, vitale_present=True).default == "synchronise"
    assert wfs.mode_question(offer, vitale_present=False).default == "degrade"
    minor = ws.SpecificsAnswer(sante_sexuelle=True, anonymous_minor=True)
    anonymous = wd.build_document(wd.WizardAnswers(patient_id=1, invoice_date=DAY, acts=ACT, specifics=minor))
    assert wfs.offered_modes(anonymous).modes == (SecureMode.SANS_VITALE,)
    assert "anonymat du mineur" in wfs.imposed_mode(wfs.offered_modes(anonymous))
    smg = wd.build_document(wd.WizardAnswers(patient_id=1, invoice_date=DAY, acts=ACT, nature="smg"))
    assert wfs.offered_modes(smg).modes == (SecureMode.DEGRADE,)
    assert wfs.imposed_mode(wfs.offered_modes(smg)).startswith("Mode de sécurisation : dégradé (imposé")


def test_preferences_give_the_defaults() -> None:
    assert wfs.payment_question("especes").default == "especes"
    assert [c.value for c in wfs.payment_question("cheque").choices] == ["cheque", "cb", "especes", "autre"]
    home = wf.start(1, DAY, home_by_default=True)
    care = wf.CareFacts(DAY, home, show_performer=True, performers=((7, "REMPLACANT Luc"),))
    script = Script([None, None, "7"])
    result = wf.care_result(care, script.run(lambda a: wf.care_question(care, a)))
    assert script.asked == ["date", "place", "performer"]
    assert (result.place, result.performer, result.invoice_date) == ("domicile", 7, DAY)
    hidden = wf.CareFacts(DAY, wf.start(1, DAY, home_by_default=False))
    script = Script([date(2025, 1, 13), None])
    result = wf.care_result(hidden, script.run(lambda a: wf.care_question(hidden, a)))
    assert script.asked == ["date", "place"] and result.place == "cabinet" and result.performer is None
    with pytest.raises(ValidationError):
        Script([date(2025, 1, 15)]).run(lambda a: wf.care_question(hidden, a))


def test_the_payer_offers_the_contract_and_the_tiers_payant_of_a_c2s_beneficiary() -> None:
    contracts = (("MUTUELLE A", wd.ContractAnswer(4, "021", None)), ("C2S", wd.ContractAnswer(9)))
    c2s = wf.PayerFacts(START, contracts, offered=9, c2s=True)
    script = Script([None, None, None])
    result = wf.payer_result(c2s, script.run(lambda a: wf.payer_question(c2s, a)))
    assert script.asked == ["payer.amc_contract", "tp_amo", "tp_amc"]
    assert result.contract == wd.ContractAnswer(9) and result.tp_amo and result.tp_amc and result.c2s
    plain = wf.PayerFacts(START, contracts, offered=None, c2s=False)
    script = Script([None, True])
    result = wf.payer_result(plain, script.run(lambda a: wf.payer_question(plain, a)))
    assert script.asked == ["payer.amc_contract", "tp_amo"]  # no contract chosen: no TP AMC asked
    assert result.contract is None and result.tp_amo and not result.tp_amc
    alone = wf.PayerFacts(START, (), offered=None, c2s=False)
    assert Script([False]).run(lambda a: wf.payer_question(alone, a)) == {"tp_amo": False}


def test_the_ticked_specifics_one_by_one() -> None:
    facts = wfs.SpecificsFacts(previous=wd.WizardAnswers(patient_id=1, invoice_date=DAY, acts=ACT * 2, exoneration="3"),
                               minor=False, sex_known=True, caisse_known=True)
    assert Script([False]).run(lambda a: wfs.ticked_question(facts, a)) == {"specifics": False}
    script = Script([True, True, False, True, "dep01", False, True, None, "5", True, False])
    chosen = wfs.ticked_result(facts, script.run(lambda a: wfs.ticked_question(facts, a)))
    assert script.asked == ["specifics", "victime_attentat", "attestation", "prevention", "prevention.programme",
                            "sante_sexuelle", "per_act", "exoneration.0", "exoneration.1", "group", "service"]
    assert chosen == ws.SpecificsAnswer(victime_attentat=False, prevention_programme="DEP01",
                                        act_exonerations=("3", "5"), group_identical=True)
    warned = wfs.ticked_question(facts, {"specifics": True, "victime_attentat": True, "attestation": False})
    assert warned is not None and warned.id == "prevention" and "attestation" in warned.warnings[0]
    script = Script([True, False, False, False, False, False, True, "ame", date(2025, 1, 1), date(2025, 12, 31)])
    chosen = wfs.ticked_result(facts, script.run(lambda a: wfs.ticked_question(facts, a)))
    assert chosen.service_amo == ws.ServiceAnswer("AME", date(2025, 1, 1), date(2025, 12, 31))


def test_the_act_screens() -> None:
    from feuille.billing import wizard_acts as wa
    from feuille.billing import wizard_flow_acts as wfa

    ngap = wfa.ActFacts("AMI", DAY)
    script = Script(["1.5", 2, None, False])
    assert wfa.ngap_result(ngap, script.run(lambda a: wfa.ngap_question(ngap, a))) == wd.ActAnswer("AMI", "1.5", 2)
    script = Script(["1", 1, "10.00", True, None, "e", False, "30.00", True])
    act = wfa.ngap_result(ngap, script.run(lambda a: wfa.ngap_question(ngap, a)))
    assert script.asked[-5:] == ["acts.date", "acts.qualifier", "acts.total_auto", "acts.total", "acts.entente"]
    assert act.details == wa.ActDetails(day=DAY, qualifier="E", total="30.00", entente=True)
    with pytest.raises(ValidationError):
        Script(["1", 1, None, True, None, "", False, None]).run(lambda a: wfa.ngap_question(ngap, a))
    ccam = wfa.ActFacts("AFLB001", DAY, ("F", "U"))
    script = Script([None, None, None, None, None, "f", "u", "", "1"])
    act = wfa.ccam_result(ccam, script.run(lambda a: wfa.ccam_question(ccam, a)))
    assert script.asked[5:] == ["acts.modifiers.1", "acts.modifiers.2", "acts.modifiers.3", "acts.association"]
    assert act == wd.ActAnswer("AFLB001", None, None, None, wa.ActDetails(
        day=DAY, activity="1", phase="0", association="1", modifiers=("F", "U")))
    first = wfa.ccam_question(ccam, {"acts.date": DAY, "acts.activity": "1", "acts.phase": "0",
                                     "acts.unit_price": None, "acts.base": None})
    assert first is not None and first.notes == ("Modificateurs autorisés : F, U",)

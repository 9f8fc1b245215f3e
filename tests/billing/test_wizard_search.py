"""The wizard's searches as steps of the machine (``billing/wizard_search``), the pages the services give
(``billing/wizard_lookups``), and the whole wizard driven without a terminal — pure step calls and the services, as a
web form would — on the manuals' demo data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from stdnum import luhn

from feuille.auth import Context, actor_for
from feuille.billing import drafts, wizard_facts, wizard_lookups
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_entry as we
from feuille.billing import wizard_flow as wf
from feuille.billing import wizard_flow_specifics as wfs
from feuille.billing import wizard_search as ws
from feuille.billing.wizard_questions import Answers, Question
from feuille.demo import load_demo
from feuille.errors import ValidationError
from feuille.practice import patients, prescribers
from tests.billing.support import FakeReader

Script = Mapping[str, Any]


def drive(step: Callable[[Answers], Question | ws.Request | None], script: Script,
          run: Callable[[ws.Request], Any] | None = None, asked: list[str] | None = None) -> dict[str, Any]:
    """Answer each question from ``script`` by id (a function of the question, or the value; else its default),
    through its ``check``; run each request with ``run``."""
    answers: dict[str, Any] = {}
    while (found := step(answers)) is not None:
        assert len(answers) < 200, "the machine does not end"
        if asked is not None:
            asked.append(found.id)
        if isinstance(found, ws.Request):
            assert run is not None, found
            answers[found.id] = run(found)
            continue
        given = script.get(found.id, found.default)
        value = given(found) if callable(given) else given
        answers[found.id] = found.check(value) if found.check is not None else value
    return answers


def page(*labels: str, more: bool = False) -> ws.Page:
    return ws.Page(tuple(ws.Candidate(str(n), label) for n, label in enumerate(labels, start=1)), more)


# --- the machine alone -------------------------------------------------------------------------------------------

def test_one_patient_found_is_proposed_several_are_a_choice_and_pages_follow() -> None:
    pages = {("MAR", 0): page(*(f"MARTIN {n}" for n in range(ws.PAGE_SIZE)), more=True),
             ("MAR", 1): page("MARTINEZ Zoé"), ("DUR", 0): page("DURAND Denis")}
    asked: list[str] = []
    questions: list[Question] = []

    def keep(value: Any) -> Callable[[Question], Any]:
        def given(question: Question) -> Any:
            questions.append(question)
            return value
        return given

    answers = drive(lambda a: ws.name_step(ws.PATIENT, a),
                    {"patient.text.1": "MAR", "patient.choice.1": keep(ws.MORE), "patient.choice.2": keep(None),
                     "patient.text.3": "DUR", "patient.choice.3": keep("1")},
                    lambda r: pages[(r.text, r.page)], asked)
    assert asked == ["patient.text.1", "patient.found.1", "patient.choice.1", "patient.found.2", "patient.choice.2",
                     "patient.text.3", "patient.found.3", "patient.choice.3"]
    several, second, one = questions
    assert several.default is None and several.choices[-1] == ws.Choice(ws.MORE, "résultats suivants")
    assert several.name == "patient" and several.none_label == "autre recherche"
    assert several.label == "Patients trouvés :"
    assert second.default == "1" and ws.MORE not in [c.value for c in second.choices]  # one found: proposed
    assert one.default == "1" and ws.name_result(ws.PATIENT, answers) == 1


def test_no_prescriber_found_creates_one_or_searches_again() -> None:
    asked: list[str] = []
    answers = drive(lambda a: ws.name_step(ws.PRESCRIBER, a),
                    {"prescriber.text.1": "ZZ", "prescriber.create.1": False, "prescriber.text.2": "ZZ"},
                    lambda r: 42 if r.kind == "create_prescriber" else ws.Page(), asked)
    assert asked == ["prescriber.text.1", "prescriber.found.1", "prescriber.create.1", "prescriber.text.2",
                     "prescriber.found.2", "prescriber.create.2", "prescriber.created.2"]
    assert ws.name_result(ws.PRESCRIBER, answers) == 42
    first = ws.name_step(ws.PRESCRIBER, {"prescriber.text.1": "ZZ", "prescriber.found.1": ws.Page()})
    assert isinstance(first, Question) and first.warnings == ("aucun prescripteur dont le nom commence par « ZZ ».",)
    # a creation that fails (a duplicate) goes back to the search
    again = ws.name_step(ws.PRESCRIBER, {"prescriber.text.1": "ZZ", "prescriber.found.1": ws.Page(),
                                         "prescriber.create.1": True, "prescriber.created.1": None})
    assert isinstance(again, Question) and again.id == "prescriber.text.2"


def test_the_act_prompt_code_search_keyword_and_favourite() -> None:
    assert ws.act_result({"acts.text.1": ws.check_act_query(ws.ActQuery("code", " ami"))}) == ws.ActQuery("code",
                                                                                                           "AMI")
    with pytest.raises(ValidationError) as refused:
        ws.check_act_query(ws.ActQuery("code", "zz!"))
    assert refused.value.field == "acts.code" and "code d'acte" in refused.value.message
    for junk in (None, "AMI", ws.ActQuery("autre"), object()):
        with pytest.raises(ValidationError):
            ws.check_act_query(junk)
    pages = {"ccam": ws.Page(refused="Saisissez le début d'un code CCAM (par exemple AFL)."),
             "keyword": page("péridural", "péridurale"), "keyword_acts": ws.Page((ws.Candidate("AFLB001", "x"),)),
             "favourite": ws.Page()}
    asked: list[str] = []
    answers = drive(ws.act_step, {"acts.text.1": ws.ActQuery("ccam", ""), "acts.text.2": ws.ActQuery("favourite"),
                                  "acts.text.3": ws.ActQuery("keyword", "Péri"), "acts.choice.3": "2"},
                    lambda r: pages[r.kind], asked)
    assert ws.act_result(answers) == ws.ActQuery("code", "AFLB001")
    assert asked == ["acts.text.1", "acts.found.1", "acts.text.2", "acts.found.2", "acts.text.3", "acts.found.3",
                     "acts.choice.3", "acts.found.4", "acts.choice.4"]
    refused_then = ws.act_step({"acts.text.1": ws.ActQuery("ccam", ""), "acts.found.1": pages["ccam"]})
    assert isinstance(refused_then, Question) and refused_then.errors == (pages["ccam"].refused,)
    nothing = ws.act_step({"acts.text.1": ws.ActQuery("favourite"), "acts.found.1": ws.Page()})
    assert isinstance(nothing, Question) and nothing.warnings == ("aucun soin favori pour ce professionnel.",)
    favourite = drive(ws.act_step, {"acts.text.1": ws.ActQuery("favourite")}, lambda r: page("Consultation (GS)"))
    assert ws.act_result(favourite) == ws.ActQuery("favourite", "1")


def test_the_patient_from_the_card_or_the_base_when_no_card() -> None:
    asked: list[str] = []
    answers = drive(ws.patient_step, {"patient.source": ws.CARD},
                    lambda r: page("DESMAUX Mathilde") if r.kind == "beneficiary" else 7, asked)
    assert asked == ["patient.source", "card.found", "card.choice", "card.patient"]
    assert ws.patient_result(answers) == 7
    without = ws.patient_step({"patient.source": ws.CARD, "card.found": ws.Page()})
    assert isinstance(without, Question) and without.id == "patient.text.1"
    assert without.warnings == ("aucune carte Vitale (ni appli) présentée ; recherche dans la base.",)


# --- the services' pages ------------------------------------------------------------------------------------------

def test_pages_are_bounded_and_follow_one_another(ctx: Context) -> None:
    for n in range(ws.PAGE_SIZE + 3):
        base = f"{99100000 + n:08d}"
        prescribers.create_prescriber(ctx, {"last_name": f"PAGE{n:02d}", "first_name": "Jean",
                                            "number": base + luhn.calc_check_digit(base)})
    first = wizard_lookups.run(ctx, ws.Request("x", "prescriber", "page"))
    second = wizard_lookups.run(ctx, ws.Request("x", "prescriber", "page", 1))
    assert isinstance(first, ws.Page) and isinstance(second, ws.Page)
    assert len(first.candidates) == ws.PAGE_SIZE and first.more and not second.more
    assert len(second.candidates) == 3 and first.candidates[0].label.startswith("PAGE00 Jean - ")
    assert len(prescribers.search_prescribers(ctx, "page", limit=2, offset=22)) == 1
    with pytest.raises(ValidationError):
        wizard_lookups.run(ctx, ws.Request("x", "prescriber", "page", 10_000))
    with pytest.raises(ValidationError):
        prescribers.search_prescribers(ctx, "page", limit=0)
    refused = wizard_lookups.run(ctx, ws.Request("x", "ccam", ""))
    assert isinstance(refused, ws.Page) and refused.refused and not refused.candidates


# --- the whole wizard without a terminal -------------------------------------------------------------------------

def _starting(label: str) -> Callable[[Question], str]:
    def pick(question: Question) -> str:
        return next(c.value for c in question.choices if c.label.startswith(label))
    return pick


def _refused(reason: str, then: ws.ActQuery) -> Callable[[Question], ws.ActQuery]:
    """The code asked again after a refusal: the reason is shown with the question."""
    def again(question: Question) -> ws.ActQuery:
        assert question.errors and reason in question.errors[0] and question.field == "acts.code"
        return then

    return again


def _modifier(question: Question) -> str:
    """A modifier the professional cannot choose is refused by the machine (as the pricing would), then F."""
    assert question.check is not None
    with pytest.raises(ValidationError) as refused:
        question.check("U")
    assert refused.value.code == "modifier_refused"
    return "F"


#: The acts of the whole wizard: a CCAM search; a code refused (an infirmier's) then an NGAP visit with its line's
#: fields changed (coefficient, quantity, total with a qualifier) and its allowances (MD, the patient's IK); a CCAM
#: code typed with a modifier and an association code; a favourite.
_ACTS: tuple[Script, ...] = (
    {"acts.text.1": ws.ActQuery("ccam", "AFLB001"), "acts.association": "1"},
    {"acts.text.1": ws.ActQuery("code", "AMI"),
     "acts.text.2": _refused("n'est pas autorisé pour un médecin", ws.ActQuery("code", "vg")),
     "acts.coefficient": "1,5", "acts.details": True, "acts.qualifier": "E", "acts.total_auto": False,
     "acts.total": "50.00", "allowance": "MD", "km.IK": "12"},
    {"acts.text.1": ws.ActQuery("code", "ZZZZ999"),
     "acts.text.2": _refused("absent de la table CCAM active", ws.ActQuery("code", "aflb001")),
     "acts.modifiers.1": _modifier, "acts.association": "2"},
    {"acts.text.1": ws.ActQuery("favourite"), "acts.choice.1": _starting("Consultation (GS)")},
)


def test_the_whole_wizard_driven_by_step_calls(ctx: Context) -> None:
    """Patient found by name, a prescription by a prescriber found by name, the insurance, the payer, the acts
    (``_ACTS``: CCAM and NGAP, the line's fields changed, refused codes asked again, allowances, a favourite): the
    draft the services create from the answers."""
    load_demo(ctx)
    ctx = Context(db=ctx.db, actor=actor_for(ctx.db, "vmedecin"), clock=ctx.clock)
    reader = FakeReader()

    def run(request: ws.Request) -> Any:
        return wizard_lookups.run(ctx, request, reader)

    patient_id = ws.patient_result(drive(ws.patient_step, {"patient.text.1": "DUR",
                                                           "patient.choice.1": _starting("DURAND Denis")}, run))
    patient = patients.get_patient(ctx, patient_id)
    answers = wf.start(patient_id, ctx.clock().date(), home_by_default=False)
    care = wizard_facts.care(ctx, answers)
    answers = wf.care_result(care, drive(lambda a: wf.care_question(care, a), {}))
    prescription = {"prescription": True, "prescription.date": answers.invoice_date, "prescriber.text.1": "ROY",
                    "prescriber.choice.1": _starting("ROY Patrick")}
    answers = ws.prescription_result(answers, drive(lambda a: ws.prescription_step(answers, a), prescription, run))
    insurance = wizard_facts.insurance(patient, answers)
    answers = wf.insurance_result(insurance, drive(lambda a: wf.insurance_question(insurance, a),
                                                   {"coverage.nature": "maladie", "ald": False,
                                                    "coverage.parcours": "T", "mt_declaration": "oui"}))
    payer = wizard_facts.payer(ctx, answers)
    answers = wf.payer_result(payer, drive(lambda a: wf.payer_question(payer, a), {"tp_amo": True}))
    acts: list[we.Line] = []
    entry = we.EntryFacts(patient_id, answers.invoice_date)
    for script in _ACTS:
        acts.extend(we.entry_result(entry, drive(lambda a: we.entry_step(entry, a), script, run)))
    answers = we.with_acts(answers, acts)
    spec = wizard_facts.specifics(ctx, answers, patient)
    assert wfs.entente_question(spec, {}) is None
    chosen = wfs.ticked_result(spec, drive(lambda a: wfs.ticked_question(spec, a), {"specifics": False}))
    answers = wd.WizardAnswers(**{**answers.__dict__, "specifics": chosen})
    view = drafts.create_draft(ctx, wd.build_document(answers))
    assert [line.code for line in view.lines] == ["AFLB001", "VG", "MD", "IK", "AFLB001", "GS"]
    searched, visit, _, kilometres, typed, _ = view.lines
    # association 2 halves the act, the modifier F (sunday urgency) adds its 19.06 in full (CCAM 19.03)
    assert typed.total == searched.total / 2 + Decimal("19.06") and typed.modifiers
    assert (visit.total, visit.base, kilometres.quantity) == (Decimal("50.00"), Decimal("45.00"), 12)  # VG 30 × 1.5
    assert visit.coefficient == Decimal("1.5") and visit.qualifier == "E" and typed.association == "2"
    sent = wd.build_document(answers)["acts"]
    assert sent[1]["coefficient"] == "1.5" and sent[1]["qualifier"] == "E" and sent[4]["modifiers"] == ["F"]
    change = wfs.override_result(drive(lambda a: wfs.override_question(wfs.line_labels(view.lines), a),
                                       {"overrides.more": True, "overrides.line": _starting("GS"),
                                        "overrides.amo": "20.00"}))
    assert change == wd.Override(5, "20.00", None)
    changed = drafts.update_draft(ctx, view.id, wd.with_overrides(wd.build_document(answers), [change]))
    assert changed.lines[5].amo == Decimal("20.00")
    assert view.id and answers.prescriber_id == prescribers.search_prescribers(ctx, "ROY")[0].id
    assert answers.parcours == "T" and answers.tp_amo and answers.patient_id == patient_id
    assert answers.invoice_date == date(*ctx.clock().date().timetuple()[:3])

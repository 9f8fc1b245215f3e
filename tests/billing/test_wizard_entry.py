"""« Ajouter un acte » as a step of the machine (``billing/wizard_entry``): which screen (CCAM or NGAP) follows the
code, the code checked by the services and asked again when refused, the NGAP and CCAM fields with their checks,
the allowances after an NGAP act; then the services' answers (``wizard_lookups``) on the manuals' demo data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feuille.auth import Context, actor_for
from feuille.billing import wizard_acts as wa
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_entry as we
from feuille.billing import wizard_flow as wf
from feuille.billing import wizard_flow_acts as wfa
from feuille.billing import wizard_flow_specifics as wfs
from feuille.billing import wizard_lookups
from feuille.billing import wizard_search as ws
from feuille.billing.wizard_questions import Question
from feuille.demo import load_demo
from feuille.errors import ValidationError
from tests.billing.test_wizard_search import drive

DAY = date(2025, 3, 10)
FACTS = we.EntryFacts(patient_id=7, invoice_date=DAY)


class Services:
    """What the services would answer, with every request recorded."""

    def __init__(self, sheets: dict[str, wfa.ActFacts], refused: dict[str, str] | None = None,
                 allowances: wf.AllowanceFacts | None = None) -> None:
        self.sheets, self.refused, self.allowances = sheets, refused or {}, allowances
        self.requests: list[ws.Request] = []

    def __call__(self, request: ws.Request) -> Any:
        self.requests.append(request)
        if request.kind == ws.CHECK:
            why = self.refused.get(request.text)
            return ws.Page(refused=why) if why else ws.Page((ws.Candidate(request.text, request.text),))
        if request.kind == "act_sheet":
            return self.sheets[request.text]
        if request.kind == "allowances":
            return self.allowances
        if request.kind == "favourite":
            return ws.Page((ws.Candidate("3", "Visite (VG + MD)"),))
        raise AssertionError(request)


def entry(script: dict[str, Any], services: Services, asked: list[str] | None = None) -> list[we.Line]:
    answers = drive(lambda given: we.entry_step(FACTS, given), script, services, asked)
    return we.entry_result(FACTS, answers)


def test_a_refused_code_is_asked_again_with_its_reason_then_the_ngap_screen_and_its_allowances() -> None:
    refusal = "code : l'acte AMI n'est pas autorisé pour un médecin."
    allowances = wf.AllowanceFacts(("MD", "IK"), {"ik": Decimal(12), "ikm": Decimal(0), "iks": Decimal(0)})
    services = Services({"VG": wfa.ActFacts("VG", date.min)}, {"AMI": refusal}, allowances)
    shown: list[Question] = []

    def second_code(question: Question) -> ws.ActQuery:
        shown.append(question)
        return ws.ActQuery("code", "vg")

    asked: list[str] = []
    lines = entry({"acts.text.1": ws.ActQuery("code", "ami"), "acts.text.2": second_code,
                   "acts.coefficient": "1,5", "acts.quantity": "2", "acts.unit_price": "26.50", "acts.details": True,
                   "acts.qualifier": "e", "acts.total_auto": False, "acts.total": "45.00", "allowance": "md"},
                  services, asked)
    assert shown[0].errors == (refusal,) and shown[0].field == "acts.code"
    assert asked == ["acts.text.1", "acts.found.1", "acts.text.2", "acts.found.2", "acts.sheet", "acts.coefficient",
                     "acts.quantity", "acts.unit_price", "acts.details", "acts.date", "acts.qualifier",
                     "acts.total_auto", "acts.total", "acts.entente", "acts.allowances", "allowance", "km.IK"]
    sheet = next(r for r in services.requests if r.kind == "act_sheet")
    assert sheet.text == "VG" and sheet.day == DAY
    assert next(r for r in services.requests if r.kind == "allowances").patient == FACTS.patient_id
    act, md, ik = lines
    assert isinstance(act, wd.ActAnswer) and (act.code, act.coefficient, act.quantity, act.unit_price) == (
        "VG", "1.5", 2, "26.50")
    assert act.details is not None and act.details.document(DAY) == {"qualifier": "E", "total": "45.00"}
    assert md == wd.ActAnswer("MD") and ik == wd.ActAnswer("IK", None, 12)


def test_the_ngap_screen_without_allowances_and_a_code_no_table_knows() -> None:
    why = "Le code XYZ est absent des tables NGAP et COx : le prix unitaire est obligatoire."
    services = Services({"XYZ": wfa.ActFacts("XYZ", date.min, unpriced=why)})
    question = drive_until(services, {"acts.text.1": ws.ActQuery("code", "xyz")}, "acts.unit_price")
    assert question.notes == (why,) and question.label == "Prix unitaire (obligatoire)"
    assert question.check is not None
    with pytest.raises(ValidationError) as refused:
        question.check(None)
    assert refused.value.field == "acts.unit_price"
    lines = entry({"acts.text.1": ws.ActQuery("code", "xyz"), "acts.unit_price": "12.00"}, services)
    assert lines == [wd.ActAnswer("XYZ", "1", 1, "12.00")]


def drive_until(services: Services, script: dict[str, Any], wanted: str) -> Question:
    answers: dict[str, Any] = {}
    while True:
        step = we.entry_step(FACTS, answers)
        assert step is not None, f"{wanted} never asked"
        if step.id == wanted:
            assert isinstance(step, Question)
            return step
        if isinstance(step, ws.Request):
            answers[step.id] = services(step)
            continue
        value = script.get(step.id, step.default)
        answers[step.id] = step.check(value) if step.check is not None else value


def test_the_ccam_screen_checks_the_modifiers_and_the_price_of_the_activity() -> None:
    sheet = wfa.ActFacts("AFLB001", date.min, ("F", "U"), "AFLB001 : anesthésie péridurale",
                         {"U": "le modificateur U ne s'applique pas à ce professionnel"}, frozenset({("1", "0")}))
    services = Services({"AFLB001": sheet})
    first = drive_until(services, {"acts.text.1": ws.ActQuery("code", "AFLB001")}, "acts.date")
    assert first.notes == ("AFLB001 : anesthésie péridurale",) and first.default == DAY
    modifier = drive_until(services, {"acts.text.1": ws.ActQuery("code", "AFLB001")}, "acts.modifiers.1")
    assert modifier.notes == ("Modificateurs autorisés : F, U",) and modifier.check is not None
    with pytest.raises(ValidationError) as refused:
        modifier.check("u")
    assert refused.value.code == "modifier_refused" and "ne s'applique pas" in refused.value.message
    assert modifier.check("f") == "F" and modifier.check("") is None
    priced = drive_until(services, {"acts.text.1": ws.ActQuery("code", "AFLB001")}, "acts.unit_price")
    assert priced.check is None and priced.label == "Prix unitaire (vide : tarif de la table CCAM)"
    unpriced = drive_until(services, {"acts.text.1": ws.ActQuery("code", "AFLB001"), "acts.activity": "4"},
                           "acts.unit_price")
    assert unpriced.check is not None and "activité 4, phase 0" in unpriced.notes[0]
    asked: list[str] = []
    lines = entry({"acts.text.1": ws.ActQuery("code", "AFLB001"), "acts.activity": "4", "acts.unit_price": "80.00",
                   "acts.base": "60.00", "acts.modifiers.1": "f", "acts.association": "2"}, services, asked)
    assert "acts.allowances" not in asked and asked[-1] == "acts.association"
    assert asked[asked.index("acts.modifiers.2") - 1] == "acts.modifiers.1"
    (act,) = lines
    assert isinstance(act, wd.ActAnswer) and act.unit_price == "80.00" and act.details is not None
    assert act.details.document(DAY) == {"base": "60.00", "activity": "4", "phase": "0", "association": "2",
                                         "modifiers": ["F"]}


def test_a_favourite_ends_the_screen_and_an_unfinished_screen_has_no_result() -> None:
    services = Services({})
    assert entry({"acts.text.1": ws.ActQuery("favourite")}, services) == [wd.FavouriteAnswer(3)]
    with pytest.raises(ValueError):
        we.entry_result(FACTS, {})
    again = we.with_acts(wd.WizardAnswers(patient_id=1, invoice_date=DAY, overrides=(wd.Override(0, "1.00", None),)),
                         [wd.ActAnswer("G")])
    assert again.acts == (wd.ActAnswer("G"),) and again.overrides == ()
    assert we.MORE_ACTS.kind == "yes_no" and we.MORE_ACTS.default is False


def test_the_machine_names_the_screen_of_each_question() -> None:
    allowances = wf.AllowanceFacts(("MD",), {})
    services = Services({"G": wfa.ActFacts("G", date.min), "AFLB001": wfa.ActFacts("AFLB001", date.min)},
                        allowances=allowances)
    for code, screens in (("G", ["code", *["ngap"] * 4, "allowances"]), ("AFLB001", ["code", *["ccam"] * 7])):
        answers: dict[str, Any] = {}
        seen: list[str] = []
        while (step := we.entry_step(FACTS, answers)) is not None:
            if isinstance(step, ws.Request):
                answers[step.id] = services(step)
                continue
            seen.append(we.entry_screen(answers))
            answers[step.id] = {"acts.text.1": ws.ActQuery("code", code)}.get(step.id, step.default)
            answers[step.id] = step.check(answers[step.id]) if step.check else answers[step.id]
        assert seen == screens and set(seen) <= set(we.SCREENS)


@given(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30), st.decimals(allow_nan=True),
                 st.floats()))
def test_junk_to_the_act_checks_gives_a_value_or_a_french_refusal(junk: object) -> None:
    for check in (wa.parse_coefficient, wa.parse_quantity, lambda v: wa.check_modifier(v, {"U": "non"})):
        try:
            check(junk)
        except ValidationError as error:
            assert error.field and error.field.startswith("acts.") and error.message


def test_coefficient_and_quantity_as_the_pricing_contract_takes_them() -> None:
    assert wa.parse_coefficient("1,5") == "1.5" and wa.parse_coefficient(Decimal("2.00")) == "2"
    assert wa.parse_coefficient("") is None and wa.parse_quantity(3) == 3 and wa.parse_quantity(" ") is None
    for bad in ("0", "-1", "1.555", "10000", "abc", "1e999999999"):
        with pytest.raises(ValidationError):
            wa.parse_coefficient(bad)
    for bad in ("0", "100", True, "²", "1.5"):
        with pytest.raises(ValidationError):
            wa.parse_quantity(bad)


# --- the services' answers ---------------------------------------------------------------------------------------

def test_the_services_check_the_code_and_read_the_act_for_the_professional(ctx: Context) -> None:
    load_demo(ctx)
    ctx = Context(db=ctx.db, actor=actor_for(ctx.db, "vmedecin"), clock=ctx.clock)

    def run(kind: str, text: str) -> Any:
        return wizard_lookups.run(ctx, ws.Request("x", kind, text, day=DAY))

    assert run(ws.CHECK, "AMI").refused == "code : l'acte AMI n'est pas autorisé pour un médecin."
    assert "absent de la table CCAM active" in run(ws.CHECK, "ZZZZ999").refused
    assert run(ws.CHECK, "VG").candidates == (ws.Candidate("VG", "VG"),)
    assert run(ws.CHECK, "XYZ").candidates[0].value == "XYZ"  # priced with a typed price
    assert run(ws.CHECK, "afLB001").candidates[0].value == "AFLB001"
    assert run("act_sheet", "XYZ").unpriced and run("act_sheet", "VG").unpriced is None
    sheet = run("act_sheet", "AFLB001")
    assert sheet.said.startswith("AFLB001 : ") and sheet.invoice_date == DAY and ("1", "0") in sheet.priced
    assert "U" in sheet.modifier_refusals and "F" not in sheet.modifier_refusals
    assert "n'existe pas" in sheet.modifier_refusals["X"]
    patient = wizard_lookups.run(ctx, ws.Request("p", "patient", "DUR")).candidates[0].value
    listed = wizard_lookups.run(ctx, ws.Request("a", "allowances", "VG", patient=int(patient)))
    assert listed is not None and listed.listed[:2] == ("MD", "MDN") and "IK" in listed.listed
    assert wizard_lookups.run(ctx, ws.Request("a", "allowances", "C", patient=int(patient))) is None


# --- the recap's changes: the AMO or AMC part of a line ----------------------------------------------------------

def test_the_recap_changes_one_line_part_by_part() -> None:
    lines = ("G 30.00 (AMO 21.00, AMC 9.00)", "MD 10.00 (AMO 7.00, AMC 3.00)")
    asked: list[str] = []
    answers = drive(lambda given: wfs.override_question(lines, given),
                    {"overrides.more": True, "overrides.line": "2", "overrides.amc": "3.50"}, asked=asked)
    assert asked == ["overrides.more", "overrides.line", "overrides.amo", "overrides.amc"]
    assert wfs.override_result(answers) == wd.Override(1, None, "3.50")
    line = wfs.override_question(lines, {"overrides.more": True})
    assert line is not None and [c.label for c in line.choices] == ["G 30.00 (AMO 21.00, AMC 9.00)",
                                                                    "MD 10.00 (AMO 7.00, AMC 3.00)"]
    line_only = {"overrides.more": True, "overrides.line": "1"}
    untouched = drive(lambda given: wfs.override_question(lines, given), line_only)
    assert wfs.override_result(untouched) is None
    assert wfs.override_question((), {}) is None and wfs.override_result({}) is None
    assert wfs.override_result({"overrides.more": False}) is None

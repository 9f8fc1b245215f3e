"""Where each refusal of the draft goes: beside the input of the screen at fault that asks what it names."""

from __future__ import annotations

from feuille.errors import NotFoundError, Problems, ValidationError
from feuille.web.pages.wizard_fields import at_fault, beside, screen_for

ACTS = ["actes|1|acts.text.1", "actes|1|acts.coefficient", "actes|1|acts.more", "actes|2|acts.text.1",
        "actes|2|acts.more"]
PRESCRIPTION = ["prescription|prescription", "prescription|prescription.date", "prescription|prescriber.text.1",
                "prescription|prescriber.choice.1"]


def test_the_screen_at_fault() -> None:
    assert screen_for("accident.date") == "assurance"
    assert screen_for("prescriber") == screen_for("prescription.prescriber") == "prescription"
    assert screen_for("acts[1].code") == "actes" and screen_for("acts[0].exoneration") == "specificites"
    assert screen_for("tp_amo") == "reglement" and screen_for(None) == "actes"


def test_beside_the_input_it_names_or_its_question() -> None:
    assert beside("acts[1].code", "actes", ACTS) == "actes|2|acts.text.1"
    assert beside("acts[0].coefficient", "actes", ACTS) == "actes|1|acts.coefficient"
    assert beside("prescription.prescriber", "prescription", PRESCRIPTION) == "prescription|prescriber.choice.1"
    assert beside("prescription.date", "prescription", PRESCRIPTION) == "prescription|prescription.date"
    assert beside("specifics.nothing_asks_it", "prescription", PRESCRIPTION) == PRESCRIPTION[0]  # never top only


def test_every_problem_renamed_at_once() -> None:
    problems = Problems()
    problems.add("acts[0].code", "code refusé", "code")
    problems.add("acts[1].code", "autre code refusé", "code")
    try:
        problems.raise_if_any()
    except ValidationError as error:
        renamed = at_fault(error, "actes", ACTS)
    assert [p.field for p in renamed.problems] == ["actes|1|acts.text.1", "actes|2|acts.text.1"]
    missing = at_fault(NotFoundError("Prescripteur introuvable.", field="prescriber"), "prescription", PRESCRIPTION)
    assert isinstance(missing, NotFoundError) and missing.field == "prescription|prescriber.choice.1"

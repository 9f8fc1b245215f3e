"""« Professionnel qui facture »: asked by the step machine (so by the terminal and the web alike) when the user
has no professional linked to him; and the French names that begin the draft service's refusals."""

from __future__ import annotations

from datetime import date

import pytest

from feuille.auth import Context, Role
from feuille.billing import drafts, wizard_facts
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_flow as wf
from feuille.demo import load_demo
from feuille.domain.invoice_fields import named
from feuille.errors import FeuilleError
from feuille.practice import professionals
from tests.billing.test_wizard_flow import Script
from tests.conftest import context_as

DAY = date(2025, 1, 14)
START = wf.start(1, DAY, home_by_default=False)
PRACTICE = ((3, "MEDECIN Virginie : 00103390 1"), (5, "FIRMIER Alain : 99610218 2"))


def test_the_professional_is_asked_first_and_put_in_the_document() -> None:
    care = wf.CareFacts(DAY, START, professionals=PRACTICE)
    first = wf.care_question(care, {})
    assert first is not None and first.id == "professional" and first.label == "Professionnel qui facture"
    assert [c.value for c in first.choices] == ["3", "5"] and first.default is None and first.none_label is None
    script = Script(["5", None, None])
    result = wf.care_result(care, script.run(lambda a: wf.care_question(care, a)))
    assert script.asked == ["professional", "date", "place"] and result.professional == 5
    document = wd.build_document(wd.WizardAnswers(**{**result.__dict__, "acts": (wd.ActAnswer("C"),)}))
    assert document["professional"] == 5


def test_a_single_professional_is_offered_by_default_and_a_linked_user_is_not_asked() -> None:
    alone = wf.CareFacts(DAY, START, professionals=PRACTICE[:1])
    assert wf.care_question(alone, {}).default == "3"  # type: ignore[union-attr]
    own = wf.CareFacts(DAY, START)
    script = Script([None, None])
    result = wf.care_result(own, script.run(lambda a: wf.care_question(own, a)))
    assert script.asked == ["date", "place"] and result.professional is None


def test_the_facts_list_the_practice_only_for_a_user_without_professional(ctx: Context) -> None:
    load_demo(ctx)
    every = [p.id for p in professionals.list_professionals(ctx)]
    secretary = context_as(ctx.db, Role.SECRETAIRE, "secretaire")
    assert [i for i, _ in wizard_facts.care(secretary, START).professionals] == every and every
    doctor = context_as(ctx.db, Role.TITULAIRE, "vmedecin")
    assert wizard_facts.care(doctor, START).professionals == ()


@pytest.mark.parametrize(("field", "french"), [
    ("professional", "professionnel"), ("place", "lieu"), ("acts", "actes"), ("performer", "PS exécutant"),
    ("acts[0].entente_prealable", "acte 1, entente préalable"), ("coverage.nature", "assurance, nature"),
    ("payer.amc_contract", "payeur, contrat complémentaire"), ("inconnu.x", "inconnu, x"),
])
def test_fields_are_named_in_french(field: str, french: str) -> None:
    assert named(field) == french


def test_the_drafts_refusal_names_the_professional_in_french(ctx: Context) -> None:
    load_demo(ctx)
    secretary = context_as(ctx.db, Role.SECRETAIRE, "secretaire")
    with pytest.raises(FeuilleError) as caught:
        drafts.create_draft(secretary, {"date": "2025-01-14", "patient": {"id": 1}, "acts": [{"code": "C"}]})
    assert caught.value.field == "professional"
    assert caught.value.message.startswith("professionnel : indiquez le professionnel qui facture")


def test_the_terminal_wizard_asks_the_secretary(ctx: Context, cli) -> None:  # type: ignore[no-untyped-def]
    load_demo(ctx)
    every = professionals.list_professionals(ctx)
    typed = "\n".join(["1", "DUR", "1", "99", str(len(every)), "14/01/2025", "cabinet"]) + "\n"
    result = cli("invoice", "assistant", input=typed, user="secretaire")
    out = " ".join(result.stdout.split())
    assert "Professionnel qui facture" in out and professionals.label(every[0]) in out
    assert "professionnel : tapez un numéro de la liste (1 à" in result.stderr
    assert "Nécessite une prescription ?" in out  # the professional chosen, the care screen done, the next asked

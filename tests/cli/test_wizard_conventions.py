"""The wizard's convention step when the directory has too many conventions for the AMC number: the refusal is
shown, the carte mutuelle's type and criterion are asked, the refined search is used (one: chosen; none: said)."""

from __future__ import annotations

from typing import Any

import pytest

from feuille.billing import specifics as sp
from feuille.cli import wizard_specifics
from feuille.domain import conventions as dom
from feuille.errors import ValidationError


def scripted(monkeypatch: pytest.MonkeyPatch, answers: list[str], found: dict[Any, list[sp.Convention]]) -> list[str]:
    """Typed answers in order; ``found``: what the search gives for each refinement (None: too many)."""
    said: list[str] = []
    typed = iter(answers)
    monkeypatch.setattr("typer.prompt", lambda *args, **kwargs: next(typed))
    monkeypatch.setattr(wizard_specifics, "say_error", lambda error: said.append(error.message))
    monkeypatch.setattr(wizard_specifics, "say_refusal", said.append)

    def conventions(ctx: Any, answers: Any, refine: sp.Convention | None = None) -> list[sp.Convention]:
        result = found[refine]
        if result is None:
            raise dom.too_many("1100000000", 60, "specifics.amc_convention")
        return result

    monkeypatch.setattr(wizard_specifics.wizard_facts, "conventions", conventions)
    return said


def test_too_many_then_the_refined_search_chooses_the_one_convention(monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    chosen = sp.Convention("CM", "T")
    said = scripted(monkeypatch, ["C M!", "cm", "t"], {None: None, chosen: [chosen]})  # a junk type asked again
    assert wizard_specifics._convention(None, None) == chosen  # type: ignore[arg-type]
    assert len(said) == 1 and said[0].startswith("Il y a trop de conventions avec ce numéro")
    assert "« C M! » reçu" in " ".join(capsys.readouterr().err.split())


def test_a_refinement_that_finds_nothing_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    said = scripted(monkeypatch, ["ZZ", ""], {None: None, sp.Convention("ZZ"): []})
    assert wizard_specifics._convention(None, None) is None  # type: ignore[arg-type]
    assert "Aucune convention ZZ pour cette mutuelle" in said[-1]


def test_other_refusals_are_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    scripted(monkeypatch, [], {})

    def refused(*args: Any, **kwargs: Any) -> list[sp.Convention]:
        raise ValidationError("autre", code="amc_convention", field="x")

    monkeypatch.setattr(wizard_specifics.wizard_facts, "conventions", refused)
    with pytest.raises(ValidationError):
        wizard_specifics._convention(None, None)  # type: ignore[arg-type]

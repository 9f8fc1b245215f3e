"""One catalogue of error codes: each code's class (exit code, HTTP status) is the same wherever it is raised;
card errors are translated once; a refusal carries every field problem."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest

from feuille import errors
from feuille.billing.securing import card_error
from feuille.cards.messages import french_error, no_professional_card
from feuille.cards.port import (
    CardBlockedError,
    CardDataError,
    CardDeviceError,
    CardError,
    CardKind,
    CardUnusableError,
    NoCardError,
    PinFormatError,
    PinNotVerifiedError,
    ProfessionalCardData,
    UnknownCardError,
    WrongPinError,
    WrongPukError,
)
from feuille.errors import CATALOGUE, FeuilleError, Problems, ValidationError, quoted

SRC = Path(__file__).resolve().parents[2] / "src" / "feuille"
CLASSES = {cls.__name__: cls for cls in vars(errors).values()
           if isinstance(cls, type) and issubclass(cls, FeuilleError)}
CARD_ERRORS = [WrongPinError(2), CardBlockedError(CardKind.CPE, "1"), PinFormatError("pin", 4), WrongPukError(3),
               CardUnusableError("x"), PinNotVerifiedError("x"), NoCardError("x"), UnknownCardError("cps-x"),
               CardDataError("cps-x", "JSON invalide"), CardDeviceError("absent"), CardError("other")]


def test_each_class_has_its_row_and_distinct_exit_codes() -> None:
    for cls in CLASSES.values():
        assert CATALOGUE[cls.default_code].kind is cls
    codes = {cls.exit_code for cls in CLASSES.values()}
    assert len(codes) == len(CLASSES) and 0 not in codes
    for code, entry in CATALOGUE.items():
        assert entry.code == code and entry.template
        assert 400 <= entry.http_status < 600 and entry.exit_code == entry.kind.exit_code
        assert errors.from_code(code, field="champ").code == code


def raised_codes() -> list[tuple[str, int, str, str]]:
    """(file, line, class, code) of every ``SomeError(..., code="...")`` written in the product."""
    found = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CLASSES):
                continue
            for keyword in node.keywords:
                if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                    found.append((str(path.relative_to(SRC)), node.lineno, node.func.id, str(keyword.value.value)))
    return found


def test_a_catalogued_code_is_raised_as_its_class_everywhere() -> None:
    raised = raised_codes()
    assert len(raised) > 150   # the scan sees the code base, not nothing
    wrong = [(where, line, cls, code) for where, line, cls, code in raised
             if code in CATALOGUE and CLASSES[cls] is not CATALOGUE[code].kind]
    assert wrong == []


@pytest.mark.parametrize("error", CARD_ERRORS, ids=lambda e: type(e).__name__)
def test_card_errors_have_one_translation(error: CardError) -> None:
    french = french_error(error)
    assert french.code in CATALOGUE and type(french) is CATALOGUE[french.code].kind
    card = ProfessionalCardData(serial="1", kind=CardKind.CPS, civility="M", last_name="X", first_name="Y")
    billing = card_error(error, card)   # what securing, cancelling and the portable reader raise
    assert (type(billing), billing.code, billing.message) == (type(french), french.code, french.message)
    assert "Error" not in french.message and "(" + type(error).__name__ not in french.message


def test_no_card_is_the_same_refusal_from_the_reader_and_from_billing() -> None:
    assert type(no_professional_card()) is type(french_error(NoCardError("x")))
    assert no_professional_card().exit_code == 6


def test_a_refusal_carries_every_field_problem() -> None:
    problems = Problems()
    problems.add("nom", "Nom : champ obligatoire.", "required")
    problems.add("naissance", "Date de naissance : JJ/MM/AAAA attendu.", "date_format")
    with pytest.raises(ValidationError) as caught:
        problems.raise_if_any()
    assert [(p.field, p.code) for p in caught.value.problems] == [("nom", "required"), ("naissance", "date_format")]
    assert caught.value.to_json()["problems"] == [
        {"field": "nom", "code": "required", "message": "Nom : champ obligatoire."},
        {"field": "naissance", "code": "date_format", "message": "Date de naissance : JJ/MM/AAAA attendu."}]
    single = ValidationError("Nom : champ obligatoire.", code="required", field="nom")
    assert [p.to_json() for p in single.problems] == [{"field": "nom", "code": "required",
                                                        "message": "Nom : champ obligatoire."}]


def test_the_cli_shows_every_problem(cli) -> None:  # type: ignore[no-untyped-def]
    refused = cli("patient", "ajouter", "--naissance", "32/13/1980", "--tel", "abc")
    assert refused.exit_code == 2
    assert "3 problèmes" in refused.stderr and refused.stderr.count("  - ") == 3


@pytest.mark.parametrize(("value", "shown"), [
    (Decimal("1.5"), "1,5"), (None, "vide"), (True, "« vrai »"), (3, "3"), ("abc", "« abc »"),
    ("x" * 50, "« " + "x" * 40 + "… »"), ("a\nb", "« a�b »"), ([1], "une liste"), ({"a": 1}, "un objet")])
def test_values_are_shown_without_python_internals(value: object, shown: str) -> None:
    assert quoted(value) == shown


def test_the_pricing_contract_shows_a_decimal_in_french(cli) -> None:  # type: ignore[no-untyped-def]
    document = ('{"date": "2025-01-14", "professional": {"profession": "medecin", "sector": 1}, '
                '"acts": [{"code": "C", "quantity": 1.5}]}')
    refused = cli("tarifer", "-", input=document)
    assert refused.exit_code == 2 and "reçu 1,5" in refused.stderr and "Decimal" not in refused.stderr

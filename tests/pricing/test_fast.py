"""The compiled fast path gives the reference's output document, byte for byte, or hands the document back."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from benchmarks.pricing import make_texts
from hypothesis import given, settings
from hypothesis import strategies as st

from feuille.errors import ValidationError
from feuille.pricing import fast, price, price_document, read_invoice, result_to_json
from feuille.pricing.amc import spread as decimal_spread
from feuille.pricing.cents import decimal_quotient, spread
from feuille.pricing.memo import remember
from tests.pricing.support import doc
from tests.pricing.test_properties import invoice

GOLDEN = Path(__file__).parent / "golden"
BAD_AMOUNTS = ["1,00", " 1.00", "1.001", "-1", "", "1.", ".5", "100000.00", "1e2", "٣.00", 1, True, None, "NaN"]


def both(document: object) -> tuple[dict[str, Any] | ValidationError, dict[str, Any] | None]:
    """(what the reference answers, what the fast path answers once the reference has read the document)."""
    text = json.dumps(document)
    try:
        reference: dict[str, Any] | ValidationError = result_to_json(price(read_invoice(
            json.loads(text, parse_float=Decimal))))
    except ValidationError as exc:
        reference = exc
    return reference, fast.price_document(json.loads(text, parse_float=Decimal))


def same(document: object, *, answered: bool = True) -> None:
    reference, quick = both(document)
    if isinstance(reference, ValidationError):
        assert quick is None, "the fast path priced a document the reference refuses"
        return
    if answered:
        assert quick is not None, "the fast path handed back a document it should know"
    if quick is not None:
        assert json.dumps(quick, ensure_ascii=False) == json.dumps(reference, ensure_ascii=False)


def test_the_fast_path_is_compiled() -> None:
    # make install builds it (setup.py build_ext --inplace); running the Python source instead would be
    # correct but several times slower, and the pricing benchmark would measure the wrong thing.
    assert fast.COMPILED, f"feuille.pricing.fast is not compiled ({fast.__file__}): run make install"
    assert fast.__file__ is not None and fast.__file__.endswith(".so")


def test_benchmark_invoices_are_priced_by_the_fast_path_as_by_the_reference() -> None:
    for text in make_texts(2_000):
        same(json.loads(text))


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.in.json")), ids=lambda p: p.name)
def test_golden_inputs(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    same(document, answered=not (document.get("group_identical") or _has_modifiers(document)))


def _has_modifiers(document: dict[str, Any]) -> bool:
    return any(act.get("modifiers") or act.get("supplement") for act in document["acts"])


def _corpus() -> list[tuple[str, dict[str, Any]]]:
    """One document per rule the fast path applies."""
    acts: list[tuple[str, list[dict[str, Any]]]] = [
        ("coefficient and quantity", [{"code": "AMI", "coefficient": "1.5", "quantity": 3}]),
        ("typed NGAP price", [{"code": "C", "unit_price": "31.00"}]),
        ("code outside the tables", [{"code": "LPP1", "unit_price": "12.34", "quantity": 2}]),
        ("manual total with overrun", [{"code": "C", "total": "50.00"}]),
        ("manual total under the base", [{"code": "C", "total": "10.00"}]),
        ("qualifier E", [{"code": "C", "total": "50.00", "qualifier": "E"}]),
        ("qualifier N", [{"code": "C", "qualifier": "N"}]),
        ("qualifier G", [{"code": "C", "qualifier": "G"}, {"code": "G"}]),
        ("explicit base", [{"code": "C", "base": "20.00"}]),
        ("CCAM associations", [{"code": "AFLB001", "unit_price": "50.56", "association": "2"},
                               {"code": "AFLB001", "unit_price": "50.56", "association": "3", "base": "40.00"}]),
        ("CCAM coefficient", [{"code": "AFLB001", "unit_price": "50.56", "coefficient": "0.5", "quantity": 3}]),
        ("per-act exoneration", [{"code": "C", "exoneration": "3"}, {"code": "G", "exoneration": "4"}]),
        ("act dated", [{"code": "G", "date": "2024-08-01"}, {"code": "G"}]),
        ("only majorations", [{"code": "MD"}, {"code": "IK", "quantity": 7}]),
    ]
    formulas = [{"formula": code, "percent": percent} for code, percent in
                [("012", None), ("020", "100"), ("021", "33.33"), ("029", "250"), ("02A", "150"), ("050", None),
                 ("052", None)]]
    documents = [(name, doc(acts=value)) for name, value in acts]
    documents += [(f"{name}, formula {amc['formula']}", doc(acts=value, amc=amc))
                  for name, value in acts for amc in formulas]
    documents += [(f"{name}, fixed amount", doc(acts=value, amc={"amount": "30.00"})) for name, value in acts]
    return documents


@pytest.mark.parametrize(("name", "document"), _corpus(), ids=[name for name, _ in _corpus()])
def test_every_rule_of_the_fast_path(name: str, document: dict[str, Any]) -> None:
    same(document)
    for coverage in ({"parcours": "S"}, {"regime_local": True}, {"exoneration": "4", "ald_related": True},
                     {"rate": 35}, {"nature": "maternite", "maternity_date": "2024-10-17"}):
        same({**document, "coverage": {**document["coverage"], **coverage}})
    same({**document, "professional": {"profession": "medecin", "sector": 2}})
    same({**document, "tiers_payant": {"amo": True, "amc": True}})


def test_parts_changed_by_hand() -> None:
    acts = [{"code": "C"}, {"code": "G"}, {"code": "AMI", "coefficient": 4}]
    pro = {"profession": "infirmier"}
    for amc in (None, {"formula": "052"}, {"amount": "12.00"}):
        same(doc(acts=acts[:2], amc=amc, overrides=[{"line": 0, "amo": "19.00"}, {"line": 1, "amc": "40.00"},
                                                     {"line": 0, "amc": "1.00", "amo": "2.5"}]))
        same(doc(acts=acts[2:], professional=pro, amc=amc, overrides=[{"line": 0, "amc": "0"}]))


@pytest.mark.parametrize("value", BAD_AMOUNTS, ids=repr)
def test_parts_changed_by_hand_in_other_forms_go_to_the_reference(value: object) -> None:
    same(doc(acts=[{"code": "C"}], overrides=[{"line": 0, "amo": value}]), answered=False)


def test_what_the_fast_path_leaves_to_the_reference() -> None:
    base = doc(acts=[{"code": "C"}])
    for change in ({"group_identical": True}, {"unknown": 1}, {"date": "2025-13-01"}, {"acts": []},
                   {"acts": [{"code": "C", "extra": 1}]}, {"acts": [{"code": "AFLB001"}]},
                   {"acts": [{"code": "AFLB001", "unit_price": "1.00", "modifiers": ["F"]}]},
                   {"acts": [{"code": "C", "association": "2"}]}, {"amc": {"formula": "02A", "percent": 150.5}},
                   {"overrides": [{"line": 1, "amo": "1.00"}]}, {"overrides": [{"line": 0}]},
                   {"tiers_payant": {"amo": 1}}, {"professional": {"profession": "opticien"}}):
        document = {**copy.deepcopy(base), **change}
        reference, quick = both(document)
        assert quick is None, change
        if not isinstance(reference, ValidationError):
            assert price_document(json.loads(json.dumps(document), parse_float=Decimal)) == reference


@settings(max_examples=300, deadline=None)
@given(invoice(), st.data())
def test_random_invoices(document: dict[str, Any], data: st.DataObject) -> None:
    if data.draw(st.booleans()):
        lines = len(document["acts"])
        document["overrides"] = [{"line": data.draw(st.integers(0, lines)),
                                  data.draw(st.sampled_from(["amo", "amc"])): data.draw(
                                      st.sampled_from(["0.00", "5.00", "19.99", "250.00"]))}]
    same(document, answered=False)


def test_random_invoices_are_mostly_priced_by_the_fast_path() -> None:
    # Hypothesis's invoices are made of every rule, grouping and CCAM modifiers included; most of them must be
    # answered by the fast path once the reference has read them, else the two are not compared at all.
    answered = total = 0

    @settings(max_examples=300, deadline=None, database=None)
    @given(invoice())
    def count(document: dict[str, Any]) -> None:
        nonlocal answered, total
        reference, quick = both(document)
        if not isinstance(reference, ValidationError):
            total += 1
            answered += quick is not None

    count()
    assert total > 100 and answered > total // 3, (answered, total)


amounts = st.integers(0, 10_000_000)


@settings(max_examples=500, deadline=None)
@given(amounts, st.lists(st.one_of(st.integers(0, 50), st.integers(0, 9_999_999)), min_size=1, max_size=8))
def test_spread_in_cents_is_the_decimal_spread(amount: int, weights: list[int]) -> None:
    expected = decimal_spread(Decimal(amount).scaleb(-2), [Decimal(w).scaleb(-2) for w in weights])
    assert spread(amount, weights) == [int(part.scaleb(2)) for part in expected]


@pytest.mark.parametrize(("amount", "weights", "parts"), [
    (80, [20, 8, 2], [53, 21, 6]),  # equal remainders: the 28-digit quotient of 5.33… keeps one more digit
    (80, [2, 8, 20], [6, 21, 53]),
    (10292, [4, 10, 10], [1716, 4288, 4288]),
    (100, [0, 0], [0, 0]),
    (0, [1, 2], [0, 0]),
])
def test_spread_ties(amount: int, weights: list[int], parts: list[int]) -> None:
    assert spread(amount, weights) == parts
    assert [int(p.scaleb(2)) for p in decimal_spread(Decimal(amount).scaleb(-2),
                                                     [Decimal(w).scaleb(-2) for w in weights])] == parts


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 10**21), st.integers(1, 10**17))
def test_decimal_quotient(n: int, d: int) -> None:
    q, e = decimal_quotient(n, d)
    assert Decimal(q).scaleb(-e) == Decimal(n) / Decimal(d)


def test_a_full_store_starts_again() -> None:
    # A process that runs for months meets ever new dates and prices: each store is emptied when full, so
    # that what recurs is remembered again (a store that stopped growing would miss every new shape for good).
    store: dict[int, str] = {}
    for i in range(10):
        remember(store, i, str(i), 4)
    assert store == {8: "8", 9: "9"}
    remember(store, None, "x", 4)
    assert store == {8: "8", 9: "9"}


def test_the_fast_path_still_answers_after_its_stores_were_emptied(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("_ACTS", "_UNITS", "_DAYS", "_TYPED"):
        monkeypatch.setattr(fast, name, {})
    for text in make_texts(40):
        same(json.loads(text))

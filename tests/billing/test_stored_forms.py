"""The stored forms of an invoice (``priced``, the document and its ``record_rights``) are typed models whose text
is exactly the text stored before them (the signatures cover it), and the JSON schemas of docs/ are theirs."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feuille.auth import Context
from feuille.billing import document, drafts, state
from feuille.billing.stored import StoredPriced, priced_of, read_priced
from feuille.errors import StateError
from feuille.money import format_amount
from feuille.pricing import trace
from feuille.storage.models import Invoice
from tests.billing.support import consultation, practice

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "pricing" / "golden"

AMOUNTS = st.decimals(min_value=Decimal("-99999.99"), max_value=Decimal("99999.99"), places=2,
                      allow_nan=False, allow_infinity=False).map(format_amount)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
LINE = st.fixed_dictionaries(
    {"code": TEXT, "total": AMOUNTS, "base": AMOUNTS, "rate": st.integers(0, 100), "amo": AMOUNTS, "amc": AMOUNTS,
     "patient": AMOUNTS},
    optional={"date": st.dates().map(lambda d: d.isoformat()), "quantity": st.integers(1, 99),
              "exoneration": st.none() | st.sampled_from(["0", "3", "9"]), "participation": AMOUNTS})
TOTALS = st.fixed_dictionaries({key: AMOUNTS for key in ("total", "amo", "amc", "patient", "due_by_amo",
                                                         "due_by_amc", "due_by_patient")})
PRICED = st.fixed_dictionaries({"lines": st.lists(LINE, max_size=4), "totals": TOTALS},
                               optional={"warnings": st.lists(TEXT, max_size=3), "trace": st.lists(TEXT, max_size=3),
                                         "amc_contract_type": st.just("89")})


@given(PRICED)
def test_the_priced_text_is_written_back_exactly(priced: dict[str, Any]) -> None:
    text = state.dumps(priced)
    assert read_priced(text).dumps() == text


def test_every_golden_result_is_a_stored_form() -> None:
    outputs = sorted(GOLDEN.glob("*.out.json"))
    assert outputs
    for path in outputs:
        result = json.loads(path.read_text(encoding="utf-8"))
        assert priced_of(result).dumps() == state.dumps(result), path.name


@pytest.mark.parametrize("junk", ["", "null", "[]", "{}", '{"lines": [], "totals": {}}', "😴",
                                  '{"lines": [{"code": "C"}], "totals": {}}',
                                  '{"lines": [], "totals": {"total": 1.5}, "x": 1}', "{" * 5000])
def test_a_priced_column_changed_in_the_database_is_refused_in_french(junk: str) -> None:
    with pytest.raises(StateError) as refused:
        read_priced(junk)
    assert refused.value.code == "stored_invoice" and "modifiée en base" in refused.value.message


@pytest.mark.parametrize("junk", ["", "null", "[]", "{}", '{"date": "hier", "patient": {}}', "😴",
                                  '{"date": "2025-01-14", "patient": {}, "record_rights": {"coverage": {"x": 1}}}',
                                  '{"date": "2025-01-14", "patient": {}, "record_rights": []}'])
def test_a_document_column_changed_in_the_database_is_refused_in_french(junk: str) -> None:
    with pytest.raises(StateError) as refused:
        document.read_stored(junk)
    assert refused.value.code == "stored_invoice"


def test_the_schemas_in_docs_are_the_models() -> None:
    """``make schemas`` writes them again after a change of a model."""
    for name, schema in document.json_schemas().items():
        path = ROOT / "docs" / "schemas" / f"{name}.schema.json"
        assert json.loads(path.read_text(encoding="utf-8")) == schema, f"{path.name} : lancez « make schemas »"


def _row(ctx: Context, invoice: int) -> Invoice:
    with ctx.db.read() as session:
        row = session.get(Invoice, invoice)
        assert row is not None
        session.expunge(row)
        return row


def test_a_draft_is_stored_from_its_typed_forms_and_read_back(ctx: Context) -> None:
    practice(ctx)
    view = drafts.create_draft(ctx, consultation(coverage={"nature": "maladie", "exoneration": "3"}))
    row = _row(ctx, view.id)
    priced = state.priced(row)
    assert isinstance(priced, StoredPriced) and priced.dumps() == row.priced
    assert priced.totals.total == Decimal("23.00") and [line.code for line in priced.lines] == ["C"]
    assert priced.lines[0].date is not None and priced.lines[0].date.isoformat() == "2025-01-14"
    stored = state.document(row)
    assert stored.date.isoformat() == "2025-01-14" and stored.content == json.loads(row.document)
    assert stored.record_rights is not None
    assert stored.record_rights.to_json() == json.loads(row.document)["record_rights"]
    assert list(stored.record_rights.trace) == [line for line in view.trace if line.startswith("Droits du dossier")]
    assert [line for line in view.trace if trace.problems(line)] == []  # the record's lines are French too

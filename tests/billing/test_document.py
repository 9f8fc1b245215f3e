"""The typed input: parsed once at the edge, refused in French naming the JSON path, unknown keys kept."""

from __future__ import annotations

from datetime import date

import pytest

from feuille.auth import Context
from feuille.billing import document, drafts, state
from feuille.domain.invoice_fields import named
from feuille.errors import ValidationError
from tests.billing.support import consultation, practice


@pytest.mark.parametrize(("changes", "field", "code"), [
    ({"place": "rue"}, "place", "place"),
    ({"mt_declaration": "peut-être"}, "mt_declaration", "mt_declaration"),
    ({"payer": [1]}, "payer", "invoice_input"),
    ({"prescription": "hier"}, "prescription", "invoice_input"),
    ({"patient": 12}, "patient", "invoice_input"),
    ({"date": "14/01/2025"}, "date", "invoice_date"),
    ({"ald": {"related": "oui"}}, "ald.related", "flag"),
])
def test_each_problem_names_its_path_with_a_stable_code(changes: dict[str, object], field: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        document.parse_input(consultation(**changes))
    assert (caught.value.field, caught.value.code) == (field, code)
    assert str(caught.value).startswith(f"{named(field)} : ")


def test_paths_of_nested_problems_and_of_the_document() -> None:
    assert document.path(("acts", 1, "date")) == "acts[1].date"
    assert document.path(()) == "(document)"
    with pytest.raises(ValidationError, match=r"^\(document\) : un objet JSON est attendu"):
        document.parse_input([consultation()])


def test_typed_fields_and_details_read_once_unknown_keys_kept() -> None:
    typed, details = document.parse_input(consultation(ald=True, note_interne="à revoir"))
    assert typed.date == date(2025, 1, 14) and typed.place == "cabinet" and typed.payer == {"tp_amo": True,
                                                                                            "tp_amc": False}
    assert details.ald.related is True and details.specifics.anonymous_minor is False
    assert typed.model_extra == {"note_interne": "à revoir"}


def test_unknown_key_is_stored_as_typed(ctx: Context) -> None:
    practice(ctx)
    view = drafts.create_draft(ctx, consultation(note_interne="à revoir"))
    with ctx.db.read() as session:
        assert dict(state.document(state.load(session, view.id)).content)["note_interne"] == "à revoir"

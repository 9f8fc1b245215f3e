"""Searching the NGAP and COx tables: code prefix, label words without accents, profession filter."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from feuille.errors import NotFoundError, ValidationError
from feuille.nomenclature import ngap_search
from feuille.nomenclature.ngap import default_table


def _codes(text: str, **kwargs: Any) -> list[tuple[str, str]]:
    return [(a.code, min(a.professions)) for a in ngap_search.search(default_table(), text, **kwargs)]


def test_code_prefix_in_code_order() -> None:
    assert [c for c, _ in _codes("am")] == ["AMC", "AMI", "AMK", "AMS", "AMX"]
    assert _codes("AMI") == [("AMI", "infirmier")]
    assert [c for c, _ in _codes("ik", profession="infirmier")] == ["IK", "IKM", "IKS"]


def test_label_words_in_any_order_without_accents() -> None:
    with_accents = _codes("indemnité kilométrique")
    assert with_accents == _codes("KILOMETRIQUE indemnite") == _codes("indem kilo")
    assert {c for c, _ in with_accents} == {"IK", "IKM", "IKS"}
    assert _codes("kilo montagne", profession="sage-femme") == [("IKM", "sage_femme")]
    assert _codes("seance suivi post natal") == [("SP", "sage_femme")]
    assert _codes("suivi post natal") == [("MD", "sage_femme"), ("SP", "sage_femme")]
    assert _codes("zzz inconnu") == []


def test_profession_filter_and_limit() -> None:
    assert {p for _, p in _codes("c", profession="chirurgien_dentiste")} == {"chirurgien_dentiste"}
    assert len(_codes("i", limit=2)) == 2


@pytest.mark.parametrize(("text", "kwargs", "code"), [
    ("", {}, "search_text"), ("   ", {}, "search_text"), ("x" * 101, {}, "search_text"),
    (None, {}, "search_text"), ("am", {"limit": 0}, "search_limit"), ("am", {"limit": 501}, "search_limit"),
    ("am", {"profession": "plombier"}, "unknown_profession"), ("am", {"profession": "😴"}, "unknown_profession"),
])
def test_bad_search_input_is_refused_in_french(text: Any, kwargs: Any, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ngap_search.search(default_table(), text, **kwargs)
    assert caught.value.code == code


def test_entries_for_a_code() -> None:
    table = default_table()
    assert len(ngap_search.entries_for(table, "ik", None)) == 4
    assert [a.code for a in ngap_search.entries_for(table, " g ", "medecin")] == ["G"]
    with pytest.raises(ValidationError) as caught:
        ngap_search.entries_for(table, "G", "infirmier")
    assert caught.value.code == "act_not_allowed"
    assert caught.value.message == "L'acte G n'est pas autorisé pour un infirmier (professions : médecin)."
    with pytest.raises(NotFoundError):
        ngap_search.entries_for(table, "ZZZ", None)
    for junk in ("😴", None, object(), 12, ""):
        with pytest.raises(ValidationError):
            ngap_search.entries_for(table, junk, None)
    for junk_profession in (object(), 3, "", "x" * 1000):
        with pytest.raises(ValidationError) as caught:
            ngap_search.entries_for(table, "G", junk_profession)
        assert caught.value.code == "unknown_profession" and len(caught.value.message) < 200


def test_act_view_carries_every_period_with_its_source() -> None:
    table = default_table()
    g = table.find("G", "medecin")
    assert g is not None
    view = ngap_search.act_view(table, g, date(2016, 3, 15))
    assert [t["from"] for t in view["tariffs"]] == [date(2017, 5, 1), date(2023, 11, 1), date(2024, 12, 22)]
    assert all(t["source"]["url"].startswith("http") for t in view["tariffs"])
    assert view["on"]["price"] is None and "01/05/2017" in view["on"]["reason"]


def test_listing_pages_every_entry_in_code_order() -> None:
    table = default_table()
    whole = ngap_search.listing(table, size=500)
    assert whole.pages == 1 and whole.total == len(table.acts()) == len(whole.acts)
    pages = [ngap_search.listing(table, page=n, size=7) for n in range(1, -(-whole.total // 7) + 1)]
    assert [a for p in pages for a in p.acts] == whole.acts
    nurse = ngap_search.listing(table, profession="infirmier", size=500)
    assert nurse.acts and all("infirmier" in a.professions for a in nurse.acts)


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"page": 0}, "search_page"), ({"page": 999}, "search_page"), ({"page": "2"}, "search_page"),
    ({"page": None}, "search_page"), ({"size": 0}, "search_limit"), ({"size": 501}, "search_limit"),
    ({"profession": "😴"}, "unknown_profession"),
])
def test_bad_listing_input_is_refused_in_french(kwargs: Any, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ngap_search.listing(default_table(), **kwargs)
    assert caught.value.code == code

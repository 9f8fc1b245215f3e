"""The in-memory CCAM index answers exactly what a scan of the whole table answers."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from feuille.nomenclature.ccam import fold, keywords_of
from feuille.nomenclature.ccam_index import CcamSearchIndex, IndexedAct
from feuille.nomenclature.ccam_listing import parse_listing

SAMPLE = Path(__file__).resolve().parents[2] / "src" / "feuille" / "nomenclature" / "data" / "ccam_sample.csv"
TABLE = parse_listing(SAMPLE.read_bytes()).table
assert TABLE is not None
ACTS = [IndexedAct(a.code, a.label, a.short_label, a.not_covered) for a in TABLE.acts]
INDEX = CcamSearchIndex(ACTS)
WORDS = sorted({w for a in ACTS for w in keywords_of(a.label)})


def test_manual_searches() -> None:
    assert [a.code for a in INDEX.by_code_prefix("AFL", 7)] == ["AFLA003", "AFLB001", "AFLB003", "AFLB004",
                                                                 "AFLB006", "AFLB007", "AFLB008"]
    assert {"péridural", "péridurale"} <= set(INDEX.keywords("Péri", 100))
    assert [a.code for a in INDEX.by_keyword("PERIDURALE", 10)][:3] == ["AFLB001", "AFLB007", "AFLB017"]
    assert [a.code for a in INDEX.by_words("sang inj", 10)] == ["AFLB001"]
    assert INDEX.by_code_prefix("", 10) == [] and INDEX.keywords("😴", 10) == [] and INDEX.by_words("", 5) == []
    assert INDEX.by_keyword("peridura", 10) == []  # a keyword is a whole word
    assert len(INDEX) == len(ACTS)


@settings(max_examples=200)
@given(st.sampled_from([a.code for a in ACTS]), st.integers(min_value=1, max_value=7))
def test_code_prefix_is_a_scan(code: str, length: int) -> None:
    prefix = code[:length]
    assert [a.code for a in INDEX.by_code_prefix(prefix.lower(), 1000)] == sorted(
        a.code for a in ACTS if a.code.startswith(prefix))


@settings(max_examples=200)
@given(st.sampled_from(WORDS), st.integers(min_value=1, max_value=8))
def test_keywords_and_words_are_a_scan(word: str, length: int) -> None:
    prefix = word[:length]
    assert [fold(k) for k in INDEX.keywords(prefix, 1000)] == [w for w in WORDS if w.startswith(prefix)]
    expected = sorted(a.code for a in ACTS if (any(k.startswith(prefix) for k in keywords_of(a.label))
                                               if len(prefix) >= 4 else prefix in fold(a.label)))
    assert [a.code for a in INDEX.by_words(prefix, 1000)] == expected
    assert [a.code for a in INDEX.by_keyword(word, 1000)] == sorted(
        a.code for a in ACTS if word in keywords_of(a.label))

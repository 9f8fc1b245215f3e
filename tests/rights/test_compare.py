"""The « Choix informations AMO »: once every field is taken, the record and the answer no longer differ; taking
nothing changes nothing; a field taken alone changes only its part of the record."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from feuille.rights.compare import FIELDS, changes_for, differences
from feuille.rights.protocol import Answer

DAYS = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))
SPANS = st.tuples(DAYS, st.none() | DAYS).map(lambda t: (t[0], t[1] if t[1] is None or t[1] >= t[0] else t[0]))


def _span(pair: tuple[date, date | None]) -> dict[str, Any]:
    return {"debut": pair[0], "fin": pair[1]}


ANSWERS = st.builds(
    lambda droits, exos, ald, services, local, org, ats: Answer.model_validate({
        "version": 1, "identifiant": "x", "resultat": "ok", "date_reponse": datetime(2025, 1, 15),
        "organisme": {"regime": "01", "caisse": org, "centre": "9999", "code_gestion": "10"},
        "periodes_droits": [_span(s) for s in droits],
        "exonerations": [{"code": code, **_span(s)} for code, s in exos],
        "ald": [_span(s) for s in ald], "service_amo": [{"code": "C2S", **_span(s)} for s in services],
        "accident_travail": [{"date": d, "numero": n, "organisme": "019999999"} for d, n in ats],
        "regime_local": "alsace_moselle" if local else None}),
    st.lists(SPANS, max_size=2), st.lists(st.tuples(st.sampled_from(["3", "4", "5"]), SPANS), max_size=2),
    st.lists(SPANS, max_size=2), st.lists(SPANS, max_size=1), st.booleans(), st.sampled_from(["999", "349"]),
    st.lists(st.tuples(DAYS, st.from_regex(r"[0-9]{9}", fullmatch=True)), max_size=2, unique_by=lambda t: t[0]))
RECORDS = st.fixed_dictionaries({
    "amo_regime": st.just("01"), "amo_caisse": st.sampled_from(["999", "571"]), "amo_centre": st.just("0000"),
    "alsace_moselle": st.booleans(),
    "periods": st.lists(st.tuples(st.sampled_from(["droits_amo", "ald", "couverture"]), SPANS).map(
        lambda t: {"kind": t[0], "start": t[1][0], "end": t[1][1], "code": "5" if t[0] == "couverture" else None}),
        max_size=3),
    "work_accidents": st.just([])})


def _merged(record: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = {**record, **changes}
    merged["work_accidents"] = changes.get("work_accidents", record["work_accidents"])
    return merged


@given(record=RECORDS, answer=ANSWERS)
def test_taking_everything_leaves_no_difference(record: dict[str, Any], answer: Answer) -> None:
    after = _merged(record, changes_for(record, answer, list(FIELDS), date(2025, 1, 15)))
    assert [d.field for d in differences(after, answer) if d.differs] == []


@given(record=RECORDS, answer=ANSWERS)
def test_taking_nothing_changes_nothing(record: dict[str, Any], answer: Answer) -> None:
    assert changes_for(record, answer, [], date(2025, 1, 15)) == {}


@given(record=RECORDS, answer=ANSWERS)
def test_one_field_changes_its_own_part(record: dict[str, Any], answer: Answer) -> None:
    changes = changes_for(record, answer, ["droits"], date(2025, 1, 15))
    kept = [p for p in changes["periods"] if p["kind"] != "droits_amo"]
    assert kept == [p for p in record["periods"] if p["kind"] != "droits_amo"]
    after = {d.field: d.differs for d in differences(_merged(record, changes), answer)}
    assert after["droits"] is False
    assert after["regime_local"] == (record["alsace_moselle"] != (answer.regime_local == "alsace_moselle"))

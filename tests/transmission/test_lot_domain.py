"""The lot's states (manual 003 VI), its one transition table (every pair), certification and numbering."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feuille.domain import lots
from feuille.domain.invoices import SecureMode
from feuille.domain.lots import Certification, LotEvent, LotKind, LotState, next_number, transition
from feuille.errors import StateError, ValidationError

MANUAL = ["Mis en Lot", "Fichier créé", "Lot expédié", "Réexpédié", "Lot Acheminé", "ARL positif reçu", "RSP",
          "Lot acquitté", "ARL négatif reçu", "AR Provisoire", "Absence ARL Manuel obligatoire",
          "Absence ARL Renvoyer lot", "Avis de non remise", "Lot rejeté", "Erreur"]

#: The table written out once more, by hand: every pair not listed here must be refused.
EXPECTED = {
    ("mis_en_lot", "write_file"): "fichier_cree", ("fichier_cree", "send"): "expedie",
    ("absence_arl_renvoyer", "resend"): "reexpedie", ("absence_arl_manuel", "resend"): "reexpedie",
    ("non_remise", "resend"): "reexpedie", ("arl_negatif", "resend"): "reexpedie", ("erreur", "resend"): "reexpedie",
    ("expedie", "deliver"): "achemine", ("reexpedie", "deliver"): "achemine",
    ("expedie", "provisional_ack"): "ar_provisoire", ("reexpedie", "provisional_ack"): "ar_provisoire",
    ("achemine", "provisional_ack"): "ar_provisoire",
    **{(s, "arl_positive"): "arl_positif" for s in ("expedie", "reexpedie", "achemine", "ar_provisoire",
                                                    "absence_arl_renvoyer", "absence_arl_manuel", "non_remise")},
    **{(s, "arl_negative"): "arl_negatif" for s in ("expedie", "reexpedie", "achemine", "ar_provisoire",
                                                    "absence_arl_renvoyer", "absence_arl_manuel", "non_remise")},
    ("expedie", "arl_missing"): "absence_arl_renvoyer", ("achemine", "arl_missing"): "absence_arl_renvoyer",
    ("reexpedie", "arl_missing"): "absence_arl_manuel", ("ar_provisoire", "arl_missing"): "absence_arl_manuel",
    ("expedie", "not_delivered"): "non_remise", ("reexpedie", "not_delivered"): "non_remise",
    ("achemine", "not_delivered"): "non_remise",
    ("arl_positif", "return"): "rsp", ("rsp", "return"): "rsp",
    ("arl_positif", "settle"): "acquitte", ("rsp", "settle"): "acquitte",
    **{(s, "reject"): "rejete" for s in ("arl_negatif", "absence_arl_manuel", "non_remise", "erreur")},
    **{(s, "fail"): "erreur" for s in ("mis_en_lot", "fichier_cree", "expedie", "reexpedie")},
}


def test_the_states_are_the_manuals_in_its_order() -> None:
    assert [lots.LABELS[state] for state in LotState] == MANUAL


@pytest.mark.parametrize(("state", "event"), list(itertools.product(LotState, LotEvent)))
def test_every_pair_of_state_and_event(state: LotState, event: LotEvent) -> None:
    expected = EXPECTED.get((state.value, event.value))
    if expected is None:
        with pytest.raises(StateError) as refused:
            transition(state, event)
        assert refused.value.code == "lot_state"
        assert lots.LABELS[state] in refused.value.message and "Impossible de" in refused.value.message
    else:
        assert transition(state, event) == LotState(expected)


def test_unknown_states_and_events_are_refused_in_french() -> None:
    for state, event in (("x", "send"), ("mis_en_lot", "voler"), ("", "")):
        with pytest.raises(StateError, match="inconnu"):
            transition(state, event)


def test_a_lot_sent_is_never_sent_again_for_one_arl() -> None:
    for state in (LotState.EXPEDIE, LotState.ARL_POSITIF, LotState.RSP):
        with pytest.raises(StateError, match="jamais envoyé deux fois"):
            transition(state, LotEvent.SEND)
        with pytest.raises(StateError):
            transition(state, LotEvent.RESEND)


def test_every_state_is_reachable_from_mis_en_lot() -> None:
    seen, todo = {LotState.MIS_EN_LOT}, [LotState.MIS_EN_LOT]
    while todo:
        state = todo.pop()
        for (source, _), target in lots.TRANSITIONS.items():
            if source == state and target not in seen:
                seen.add(target)
                todo.append(target)
    assert seen == set(LotState)


@pytest.mark.parametrize(("mode", "letter"), [("synchronise", "S"), ("desynchronise", "S"), ("sans-vitale", "F"),
                                              ("degrade", "D")])
def test_certification_from_the_invoice_mode(mode: str, letter: str) -> None:
    assert lots.certification(SecureMode(mode)) == Certification(letter)
    assert lots.certification(mode).value == letter


@pytest.mark.parametrize("mode", [None, "", "x", "synchronisé"])
def test_no_certification_without_a_securing_mode(mode: str | None) -> None:
    with pytest.raises(ValidationError) as refused:
        lots.certification(mode)
    assert refused.value.code == "lot_certification"


def test_fse_numbers_cycle_from_999_to_001() -> None:
    assert next_number(LotKind.FSE, None) == "001"
    assert next_number(LotKind.FSE, "001") == "002"
    assert next_number(LotKind.FSE, "099") == "100"
    assert next_number(LotKind.FSE, "998") == "999"
    assert next_number(LotKind.FSE, "999") == "001"


def test_dre_numbers_are_three_letters_cycling() -> None:
    assert next_number(LotKind.DRE, None) == "AAA"
    assert next_number(LotKind.DRE, "AAD") == "AAE"   # the manual's « AAE » follows « AAD »
    assert next_number(LotKind.DRE, "AAZ") == "ABA"
    assert next_number(LotKind.DRE, "AZZ") == "BAA"
    assert next_number(LotKind.DRE, "ZZZ") == "AAA"


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=3000))
def test_fse_numbering_is_the_previous_plus_one_modulo_999(start: int, steps: int) -> None:
    number = f"{start:03d}"
    for _ in range(steps % 1000):
        number = next_number(LotKind.FSE, number)
    assert int(number) == (start - 1 + steps % 1000) % 999 + 1


def test_a_whole_dre_cycle_visits_every_number_once() -> None:
    seen, number = [], "AAA"
    for _ in range(26 ** 3):
        seen.append(number)
        number = next_number(LotKind.DRE, number)
    assert number == "AAA" and len(set(seen)) == 26 ** 3


@pytest.mark.parametrize(("kind", "previous"), [(LotKind.FSE, "000"), (LotKind.FSE, "1000"), (LotKind.FSE, "AB1"),
                                                (LotKind.FSE, ""), (LotKind.DRE, "AA1"), (LotKind.DRE, "aaa"),
                                                (LotKind.DRE, "ÀAA")])
def test_junk_previous_numbers_are_refused(kind: LotKind, previous: str) -> None:
    with pytest.raises(ValidationError) as refused:
        next_number(kind, previous)
    assert refused.value.code == "lot_number"


@pytest.mark.parametrize(("count", "sizes"), [(0, []), (1, [1]), (999, [999]), (1000, [999, 1]),
                                              (2500, [999, 999, 502])])
def test_split_at_999(count: int, sizes: list[int]) -> None:
    assert lots.split(count) == sizes


def test_every_event_has_its_french_words() -> None:
    assert set(lots.EVENT_LABELS) == set(lots.HISTORY_LABELS) == set(LotEvent)
    assert all(label and label == label.strip() for label in (*lots.EVENT_LABELS.values(),
                                                              *lots.HISTORY_LABELS.values()))

"""The SCOR piece state table, pair by pair: every (state, event) is either in the table or refused in French."""

from __future__ import annotations

import itertools

import pytest

from feuille.domain import scor
from feuille.domain.scor import PieceEvent, PieceState, transition
from feuille.errors import StateError, ValidationError

EXPECTED = {
    (PieceState.MANQUANT, PieceEvent.ATTACH): PieceState.A_CONTROLER,
    (PieceState.A_CONTROLER, PieceEvent.JUDGE_CONFORMING): PieceState.CONFORME,
    (PieceState.CONFORME, PieceEvent.JUDGE_CONFORMING): PieceState.CONFORME,
    (PieceState.NON_CONFORME, PieceEvent.JUDGE_CONFORMING): PieceState.CONFORME,
    (PieceState.A_RECONSTITUER, PieceEvent.JUDGE_CONFORMING): PieceState.CONFORME,
    (PieceState.A_CONTROLER, PieceEvent.JUDGE_FAILING): PieceState.NON_CONFORME,
    (PieceState.CONFORME, PieceEvent.JUDGE_FAILING): PieceState.NON_CONFORME,
    (PieceState.NON_CONFORME, PieceEvent.JUDGE_FAILING): PieceState.NON_CONFORME,
    (PieceState.A_RECONSTITUER, PieceEvent.JUDGE_FAILING): PieceState.NON_CONFORME,
    (PieceState.MANQUANT, PieceEvent.SEND_ON_PAPER): PieceState.COLLECTE_PAPIER,
    (PieceState.A_CONTROLER, PieceEvent.SEND_ON_PAPER): PieceState.COLLECTE_PAPIER,
    (PieceState.NON_CONFORME, PieceEvent.SEND_ON_PAPER): PieceState.COLLECTE_PAPIER,
    (PieceState.COLLECTE_PAPIER, PieceEvent.SEND_ON_PAPER): PieceState.COLLECTE_PAPIER,
    (PieceState.CONFORME, PieceEvent.SEND): PieceState.ENVOYE,
    (PieceState.ENVOYE, PieceEvent.ACKNOWLEDGE): PieceState.SAUVEGARDE_PARTIELLE,
    (PieceState.SAUVEGARDE_PARTIELLE, PieceEvent.ACKNOWLEDGE): PieceState.SAUVEGARDE_PARTIELLE,
    (PieceState.ENVOYE, PieceEvent.REFUSE): PieceState.A_RECONSTITUER,
    (PieceState.A_RECONSTITUER, PieceEvent.REFUSE): PieceState.A_RECONSTITUER,
    (PieceState.ENVOYE, PieceEvent.PURGE): PieceState.ARCHIVE,
    (PieceState.SAUVEGARDE_PARTIELLE, PieceEvent.PURGE): PieceState.ARCHIVE,
    (PieceState.A_RECONSTITUER, PieceEvent.PURGE): PieceState.ARCHIVE,
    (PieceState.ARCHIVE, PieceEvent.PURGE): PieceState.ARCHIVE,
    (PieceState.A_CONTROLER, PieceEvent.REMOVE): PieceState.MANQUANT,
    (PieceState.CONFORME, PieceEvent.REMOVE): PieceState.MANQUANT,
    (PieceState.NON_CONFORME, PieceEvent.REMOVE): PieceState.MANQUANT,
}


@pytest.mark.parametrize(("state", "event"), list(itertools.product(PieceState, PieceEvent)))
def test_every_pair(state: PieceState, event: PieceEvent) -> None:
    if (state, event) in EXPECTED:
        assert transition(state, event) is EXPECTED[(state, event)]
        assert transition(state.value, event.value) is EXPECTED[(state, event)]
    else:
        with pytest.raises(StateError) as refused:
            transition(state, event)
        assert refused.value.code == "scor_state"
        assert refused.value.message.startswith("Impossible de ")
        assert state.value in refused.value.message


def test_the_table_is_the_expected_one() -> None:
    assert scor.TRANSITIONS == EXPECTED


def test_unknown_state_or_event_is_refused_in_french() -> None:
    for state, event in (("PERDU", "send"), ("CONFORME", "voler"), (None, None)):
        with pytest.raises(StateError) as refused:
            transition(state, event)  # type: ignore[arg-type]
        assert "inconnu" in refused.value.message


def test_a_piece_not_conforming_is_never_sent() -> None:
    for state in PieceState:
        if state is not PieceState.CONFORME:
            with pytest.raises(StateError):
                transition(state, PieceEvent.SEND)


def test_names_typed_by_a_user() -> None:
    assert scor.parse_state("non conforme") is PieceState.NON_CONFORME
    assert scor.parse_state(" sauvegarde_partielle ") is PieceState.SAUVEGARDE_PARTIELLE
    assert scor.parse_kind("ORDN") is scor.PieceKind.PRESCRIPTION
    assert scor.parse_kind("feuille-de-soins") is scor.PieceKind.CARE_SHEET
    for junk in ("", "😴", None, 3, "perdu"):
        with pytest.raises(ValidationError):
            scor.parse_state(junk)
        with pytest.raises(ValidationError):
            scor.parse_kind(junk)


def test_the_table_drawn_in_the_docs_is_the_code_s() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "teletransmission.md").read_text(encoding="utf-8")
    lines = text[text.index("| from \\ event |"):].splitlines()
    events = [cell.strip() for cell in lines[0].strip("|").split("|")][1:]
    drawn = {}
    for row in lines[2:2 + len(PieceState)]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        for event, target in zip(events, cells[1:], strict=True):
            if target:
                drawn[(PieceState(cells[0]), PieceEvent(event))] = PieceState(target)
    assert drawn == scor.TRANSITIONS

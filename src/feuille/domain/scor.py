"""SCOR pieces (scanned prescriptions and care sheets sent beside the FSE): their kinds, their states and the one
transition table; pure (no database, no clock).

The states are the « Etat PJ » column of manual 003 (« Pièces jointes » tab, section VIII): MANQUANT, CONFORME,
NON CONFORME, A RECONSTITUER, ARCHIVE, SAUVEGARDE PARTIELLE, COLLECTE PAPIER. The manual lists them without
defining them; what each means here is written beside it, and marked **feuille's reading** where it is ours.
Two states are **feuille's own** (not in the manual): A CONTROLER (attached, conformity not yet judged: the
manual asks for it at once when the document is added, feuille lets it be judged later with ``feuille scor
verifier``) and ENVOYE (sent in a SCOR lot, its acknowledgement awaited). The table is drawn in
``docs/teletransmission.md`` (« SCOR »).
"""

from __future__ import annotations

from enum import StrEnum

from feuille.domain.validators import validator
from feuille.errors import StateError, ValidationError, quoted


class PieceKind(StrEnum):
    """What a piece is. The values are the attachment kinds billing already stores."""

    PRESCRIPTION = "ordonnance"          # manual 003 IV: « Type : Ordonnance | ORDN »
    CARE_SHEET = "feuille_de_soins"      # seed 004: the degraded invoice's care sheet « au format SCOR »


KIND_LABELS: dict[PieceKind, str] = {PieceKind.PRESCRIPTION: "Ordonnance", PieceKind.CARE_SHEET: "Feuille de soins"}
_KIND_WORDS = {"ordonnance": PieceKind.PRESCRIPTION, "ordn": PieceKind.PRESCRIPTION,
               "feuille_de_soins": PieceKind.CARE_SHEET, "feuille-de-soins": PieceKind.CARE_SHEET,
               "feuille de soins": PieceKind.CARE_SHEET, "fsp": PieceKind.CARE_SHEET}


@validator
def parse_kind(value: object) -> PieceKind:
    found = _KIND_WORDS.get(value.strip().lower()) if isinstance(value, str) else None
    if found is None:
        raise ValidationError(f"type : {quoted(value)} inconnu (ordonnance ou feuille-de-soins).",
                              code="scor_kind", field="type")
    return found


class PieceState(StrEnum):
    MANQUANT = "MANQUANT"                          # required by the invoice, not attached (never stored: computed)
    A_CONTROLER = "A CONTROLER"                    # feuille's own: attached, conformity not judged yet
    CONFORME = "CONFORME"                          # every page passed the checks: ready to go
    NON_CONFORME = "NON CONFORME"                  # a page failed: replace the piece (it is never sent)
    ENVOYE = "ENVOYE"                              # feuille's own: in a SCOR lot sent, its ARL awaited
    SAUVEGARDE_PARTIELLE = "SAUVEGARDE PARTIELLE"  # feuille's reading: received (positive ARL); feuille keeps its
                                                   # copy until the retention ends
    A_RECONSTITUER = "A RECONSTITUER"              # feuille's reading: the SCOR lot was refused (negative ARL):
                                                   # check the piece again (or replace it) and send it again
    COLLECTE_PAPIER = "COLLECTE PAPIER"            # feuille's reading: the piece goes to the insurer on paper
    ARCHIVE = "ARCHIVE"                            # retention over: content purged, the row and SHA-256 kept


class PieceEvent(StrEnum):
    ATTACH = "attach"                # a file attached for a missing piece
    JUDGE_CONFORMING = "conforming"  # every page passed (automatic checks and the user's answers)
    JUDGE_FAILING = "failing"        # a page failed
    SEND_ON_PAPER = "paper"          # « envoyée sur papier »
    SEND = "send"                    # put in a SCOR lot and sent
    ACKNOWLEDGE = "acknowledge"      # positive ARL of its SCOR lot
    REFUSE = "refuse"                # negative ARL of its SCOR lot
    PURGE = "purge"                  # retention over
    REMOVE = "remove"                # deleted by the user before it was sent (it is MANQUANT again)


EVENT_LABELS: dict[PieceEvent, str] = {
    PieceEvent.ATTACH: "joindre un fichier à",
    PieceEvent.JUDGE_CONFORMING: "déclarer conforme",
    PieceEvent.JUDGE_FAILING: "déclarer non conforme",
    PieceEvent.SEND_ON_PAPER: "envoyer sur papier",
    PieceEvent.SEND: "envoyer",
    PieceEvent.ACKNOWLEDGE: "acquitter",
    PieceEvent.REFUSE: "marquer refusée",
    PieceEvent.PURGE: "purger",
    PieceEvent.REMOVE: "supprimer",
}

S = PieceState
E = PieceEvent
_JUDGEABLE = (S.A_CONTROLER, S.CONFORME, S.NON_CONFORME, S.A_RECONSTITUER)

#: THE transition table of a SCOR piece: (state, event) -> new state. Anything absent is refused. Judging again
#: (a piece checked twice) and purging twice are allowed and change nothing, so a repeated command is harmless.
TRANSITIONS: dict[tuple[PieceState, PieceEvent], PieceState] = {
    (S.MANQUANT, E.ATTACH): S.A_CONTROLER,
    **{(state, E.JUDGE_CONFORMING): S.CONFORME for state in _JUDGEABLE},
    **{(state, E.JUDGE_FAILING): S.NON_CONFORME for state in _JUDGEABLE},
    (S.MANQUANT, E.SEND_ON_PAPER): S.COLLECTE_PAPIER,
    (S.A_CONTROLER, E.SEND_ON_PAPER): S.COLLECTE_PAPIER,
    (S.NON_CONFORME, E.SEND_ON_PAPER): S.COLLECTE_PAPIER,
    (S.COLLECTE_PAPIER, E.SEND_ON_PAPER): S.COLLECTE_PAPIER,
    (S.CONFORME, E.SEND): S.ENVOYE,
    (S.ENVOYE, E.ACKNOWLEDGE): S.SAUVEGARDE_PARTIELLE,
    (S.SAUVEGARDE_PARTIELLE, E.ACKNOWLEDGE): S.SAUVEGARDE_PARTIELLE,
    (S.ENVOYE, E.REFUSE): S.A_RECONSTITUER,
    (S.A_RECONSTITUER, E.REFUSE): S.A_RECONSTITUER,
    # the retention runs from the sending (FORMATS.md §4), whatever the answer: nothing sent is kept longer
    (S.ENVOYE, E.PURGE): S.ARCHIVE,
    (S.SAUVEGARDE_PARTIELLE, E.PURGE): S.ARCHIVE,
    (S.A_RECONSTITUER, E.PURGE): S.ARCHIVE,
    (S.ARCHIVE, E.PURGE): S.ARCHIVE,
    # feuille's own: a piece not sent yet may be deleted (a wrong file, one to replace); once sent it stays, for
    # the caisse may ask about it until its retention ends
    **{(state, E.REMOVE): S.MANQUANT for state in (S.A_CONTROLER, S.CONFORME, S.NON_CONFORME)},
}

#: States in which the piece needs nothing more before its FSE may be sent (the blocking setting reads this).
SATISFIED = frozenset({S.CONFORME, S.ENVOYE, S.SAUVEGARDE_PARTIELLE, S.COLLECTE_PAPIER, S.ARCHIVE})
#: States whose piece waits to be sent in a SCOR lot.
TO_SEND = frozenset({S.CONFORME})
#: States in which the stored content is still there (purge takes it away).
WITH_CONTENT = frozenset(set(PieceState) - {S.MANQUANT, S.ARCHIVE})

_WHY: dict[PieceEvent, str] = {
    E.SEND: " : seule une pièce conforme part en lot SCOR (vérifiez-la : feuille scor verifier)",
    E.PURGE: " : seule une pièce envoyée est purgée, à la fin de sa durée de conservation",
    E.JUDGE_CONFORMING: " : la pièce n'est plus à contrôler",
    E.JUDGE_FAILING: " : la pièce n'est plus à contrôler",
    E.REMOVE: " : seule une pièce pas encore envoyée se supprime",
}


def transition(state: PieceState | str, event: PieceEvent | str) -> PieceState:
    """The state after ``event``; a French :class:`StateError` when the table forbids it."""
    try:
        current, what = PieceState(state), PieceEvent(event)
    except ValueError:
        raise StateError(f"État {quoted(str(state), 24)} ou opération {quoted(str(event), 24)} de pièce SCOR "
                         "inconnu.", code="scor_state", field="etat") from None
    target = TRANSITIONS.get((current, what))
    if target is None:
        raise StateError(f"Impossible de {EVENT_LABELS[what]} une pièce SCOR « {current.value} »"
                         f"{_WHY.get(what, '')}.", code="scor_state", field="etat",
                         detail=f"scor transition {current} --{what}--> refused")
    return target


@validator
def parse_state(value: object) -> PieceState:
    """A state as a user types it: « non conforme », « NON_CONFORME », « archive »…"""
    text = " ".join(value.replace("_", " ").replace("-", " ").split()).upper() if isinstance(value, str) else ""
    for state in PieceState:
        if state.value == text:
            return state
    raise ValidationError(f"état : {quoted(value)} inconnu ({', '.join(s.value for s in PieceState)}).",
                          code="scor_state_name", field="etat")

"""« Traitement manuel » (manual 003 §VII): a person says what they did about a lot the insurer refused or never
acknowledged (sent the invoices on paper, called the caisse…). The note is kept on the lot (« Trait. Erreur » /
« Manuel » of the lots list), in its history and in the audit log. With ``give_back`` the lot is given up (« Lot
rejeté », where the lot table allows it) and its invoices become sendable again, to be lotted once corrected;
the lot itself is never rewritten. The same note twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from feuille.auth import Context, Permission, require
from feuille.domain.lots import LABELS, TRANSITIONS, LotEvent, LotState
from feuille.errors import StateError, ValidationError
from feuille.storage.retry import use_case
from feuille.transmission import lot_moves, lot_state

HANDLED_STATES = frozenset({LotState.ABSENCE_ARL_MANUEL, LotState.ARL_NEGATIF, LotState.REJETE,
                            LotState.NON_REMISE, LotState.ERREUR})
MAX_NOTE = 200


@dataclass(frozen=True)
class Handled:
    lot_id: int
    lot_number: str
    state: str
    handling: str
    given_back: int          # invoices made sendable again
    changed: bool


@use_case
def handle(ctx: Context, ref: object, note: str, give_back: bool = False) -> Handled:
    require(ctx, Permission.INVOICE_DRAFT)
    text = " ".join(note.split()) if isinstance(note, str) else ""
    if not text or len(text) > MAX_NOTE:
        raise ValidationError(f"Note du traitement manuel : un texte de 1 à {MAX_NOTE} caractères est attendu.",
                              code="lot_note", field="note")
    with ctx.db.transaction() as session:
        lot = lot_state.load(session, ref, lock=True)
        state = LotState(lot.state)
        if state not in HANDLED_STATES:
            raise StateError(f"Lot {lot.number} « {LABELS[state]} » : le traitement manuel concerne un lot refusé, "
                             "sans ARL après renvoi, non remis ou en erreur.", code="lot_state", field="lot")
        handling = f"TRAITE le {ctx.clock():%d/%m/%Y} par {ctx.actor.login} : {text}"
        if give_back and (state, LotEvent.REJECT) not in TRANSITIONS and state != LotState.REJETE:
            raise StateError(f"Lot {lot.number} « {LABELS[state]} » : ses factures ne peuvent pas être rendues.",
                             code="lot_state", field="lot")
        changed, given = False, 0
        if give_back and state != LotState.REJETE:
            lot_moves.advance_lot(ctx, session, lot, LotEvent.REJECT, text, handling=handling)
            given = lot_moves.release_invoices(ctx, session, lot, {"traitement": text})
            changed = True
        elif (lot.handling or "").split(" : ", 1)[-1] != text:
            lot.handling = handling
            lot_state.history(ctx, session, lot, "handle", state.value, state.value, {"note": text})
            changed = True
        return Handled(lot.id, lot.number, LABELS[LotState(lot.state)], lot.handling or handling, given, changed)

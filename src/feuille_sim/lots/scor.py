"""A SCOR lot's own mail (``IRIS/SCOR``, ``IRISTEST/SCOR``): read, checked and answered by its own ARL.

**feuille's own** rules (FORMATS.md §4 gives none; docs/caisse-de-test.md « Lots SCOR »): the lot must read
(``feuille.formats.scor``: its index, then each piece against it: description, media type, the format's header,
size and SHA-256), be addressed to the organism whose mailbox received it, and name an FSE lot the caisse knows
from that partner (received, accepted or refused) or the next one it expects from it (a SCOR lot may come a
moment before its FSE lot, so that a degraded invoice's care sheet is there when the lot is checked; the first
lot ever from a partner may carry any number). One problem refuses the whole SCOR lot (a negative ARL listing
them all); an accepted one stores its pieces, and its care sheets count for the degraded invoices' check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from feuille.errors import ValidationError
from feuille.formats import arl as arl_format
from feuille.formats import scor as scor_format
from feuille_sim.lots import store
from feuille_sim.state import Tx


@dataclass(frozen=True)
class ScorAnswer:
    fse_lot: str
    arl: arl_format.Arl


def answer(tx: Tx, mail_id: int, regime: str, caisse: str, data: bytes, today: date) -> ScorAnswer:
    organism = regime + caisse
    base = arl_format.Arl(f"000000{regime}000{caisse}", "0" * 14, "000000", "000", regime, caisse, today)
    try:
        lot, pieces = scor_format.read_lot(data)
    except ValidationError as unreadable:
        arl = arl_format.negative(base, arl_format.details_for([(None, "scor_format", unreadable.message)]))
        return ScorAnswer("000", arl)
    base = arl_format.Arl(base.organism_number, lot.sender_number, lot.file_id, lot.fse_lot, regime, caisse, today)
    problems = [(None, "scor_piece", piece.problem) for piece in pieces if piece.problem]
    if (lot.regime, lot.caisse) != (regime, caisse):
        problems.append((None, "unknown_organism", f"lot SCOR pour l'organisme {lot.regime} {lot.caisse}, reçu par "
                         f"l'organisme {regime} {caisse}."))
    if not _linked_lot_known(tx, organism, lot.partner, lot.fse_lot):
        problems.append((None, "scor_lot_unknown", f"lot FSE n° {lot.fse_lot} du professionnel {lot.partner} "
                         "inconnu de la caisse (ni reçu, ni le prochain attendu)."))
    arl = arl_format.negative(base, arl_format.details_for(problems)) if problems else base
    accepted = [(p.billing_number, p.invoice_number, p.kind, p.media_type, len(p.content),
                 scor_format.Piece(p.billing_number, p.invoice_number, p.kind, p.media_type, p.pages,
                                   p.content).sha256) for p in pieces] if not problems else []
    store.add_scor_lot(tx, mail_id, organism, {
        "emetteur": lot.sender_number, "partenaire": lot.partner, "fichier": lot.file_id, "lot_fse": lot.fse_lot,
        "recu_le": today.isoformat(), "etat": "accepte" if not problems else "refuse", "motif": arl.reason,
        "arl": arl_format.write_arl(arl)}, accepted)
    return ScorAnswer(lot.fse_lot, arl)


def _linked_lot_known(tx: Tx, organism: str, partner: str, fse_lot: str) -> bool:
    if store.lot_known(tx, organism, partner, fse_lot):
        return True
    previous = store.previous_lot(tx, organism, partner)
    expected = store.expected_lot(previous)
    after_received = store.expected_lot(store.previous_received(tx, organism, partner))
    return fse_lot in (expected, after_received) or (previous is None and expected is None)

"""Lots of the teletransmission: their states, the one transition table, certification, recipients, numbering.

Pure: no database, no clock. The transmission services (``feuille.transmission``) call :func:`transition`
before every change of a lot, so a forbidden move is refused here, in French, whatever the interface. The
table is drawn in ``docs/teletransmission.md``.

Sources: the fifteen states are manual 003 section VI, word for word (``LABELS``); the certification letters and
the lot number (three characters, the previous + 1 per recipient) are FORMATS.md §1 (lot header ``1``,
columns 20-22 and 81); the events and which state each leads to are **feuille's own** reading of the manual
(« Lot expédié → ARL positif reçu → RSP » is the usual path; the rest is rarer) and of issue 12 (a negative ARL
or a missing one leads to re-sending, « Réexpédié », or to a manual action).
"""

from __future__ import annotations

import string
from enum import StrEnum

from feuille.domain.invoices import SecureMode
from feuille.errors import StateError, ValidationError

MAX_INVOICES = 999  # FORMATS.md §1: the lot trailer counts its invoices on 3 digits


class LotState(StrEnum):
    MIS_EN_LOT = "mis_en_lot"
    FICHIER_CREE = "fichier_cree"
    EXPEDIE = "expedie"
    REEXPEDIE = "reexpedie"
    ACHEMINE = "achemine"
    ARL_POSITIF = "arl_positif"
    RSP = "rsp"
    ACQUITTE = "acquitte"
    ARL_NEGATIF = "arl_negatif"
    AR_PROVISOIRE = "ar_provisoire"
    ABSENCE_ARL_MANUEL = "absence_arl_manuel"
    ABSENCE_ARL_RENVOYER = "absence_arl_renvoyer"
    NON_REMISE = "non_remise"
    REJETE = "rejete"
    ERREUR = "erreur"


#: Manual 003 section VI, in its order and its words.
LABELS: dict[LotState, str] = {
    LotState.MIS_EN_LOT: "Mis en Lot",
    LotState.FICHIER_CREE: "Fichier créé",
    LotState.EXPEDIE: "Lot expédié",
    LotState.REEXPEDIE: "Réexpédié",
    LotState.ACHEMINE: "Lot Acheminé",
    LotState.ARL_POSITIF: "ARL positif reçu",
    LotState.RSP: "RSP",
    LotState.ACQUITTE: "Lot acquitté",
    LotState.ARL_NEGATIF: "ARL négatif reçu",
    LotState.AR_PROVISOIRE: "AR Provisoire",
    LotState.ABSENCE_ARL_MANUEL: "Absence ARL Manuel obligatoire",
    LotState.ABSENCE_ARL_RENVOYER: "Absence ARL Renvoyer lot",
    LotState.NON_REMISE: "Avis de non remise",
    LotState.REJETE: "Lot rejeté",
    LotState.ERREUR: "Erreur",
}


class LotEvent(StrEnum):
    WRITE_FILE = "write_file"          # « Mettre en fichier »: the lot's B2 file is written
    SEND = "send"                      # the file left (the mail server accepted it)
    RESEND = "resend"                  # the same file left again
    DELIVER = "deliver"                # the transport says the file reached the organism (« Lot Acheminé »)
    PROVISIONAL_ACK = "provisional_ack"  # « AR Provisoire »: received, not checked yet
    ARL_POSITIVE = "arl_positive"
    ARL_NEGATIVE = "arl_negative"
    ARL_MISSING = "arl_missing"        # no ARL after the delay of the settings
    NOT_DELIVERED = "not_delivered"    # a non-delivery notice came back
    RETURN = "return"                  # a NOEMIE return (RSP) names the lot
    SETTLE = "settle"                  # every invoice of the lot settled by the returns (« Lot acquitté »)
    REJECT = "reject"                  # the lot is given up: its invoices may be lotted again
    FAIL = "fail"                      # a fault no retry will cure (« Erreur »)


EVENT_LABELS: dict[LotEvent, str] = {
    LotEvent.WRITE_FILE: "mettre en fichier",
    LotEvent.SEND: "expédier",
    LotEvent.RESEND: "réexpédier",
    LotEvent.DELIVER: "marquer acheminé",
    LotEvent.PROVISIONAL_ACK: "enregistrer un accusé provisoire pour",
    LotEvent.ARL_POSITIVE: "enregistrer un ARL positif pour",
    LotEvent.ARL_NEGATIVE: "enregistrer un ARL négatif pour",
    LotEvent.ARL_MISSING: "constater l'absence d'ARL pour",
    LotEvent.NOT_DELIVERED: "enregistrer un avis de non remise pour",
    LotEvent.RETURN: "enregistrer un retour NOEMIE pour",
    LotEvent.SETTLE: "acquitter",
    LotEvent.REJECT: "rejeter",
    LotEvent.FAIL: "mettre en erreur",
}

#: How a lot's history names each event (the list « Détail du lot »).
HISTORY_LABELS: dict[LotEvent, str] = {
    LotEvent.WRITE_FILE: "mise en fichier",
    LotEvent.SEND: "expédition",
    LotEvent.RESEND: "réexpédition",
    LotEvent.DELIVER: "acheminement",
    LotEvent.PROVISIONAL_ACK: "accusé de réception provisoire",
    LotEvent.ARL_POSITIVE: "ARL positif",
    LotEvent.ARL_NEGATIVE: "ARL négatif",
    LotEvent.ARL_MISSING: "absence d'ARL",
    LotEvent.NOT_DELIVERED: "avis de non remise",
    LotEvent.RETURN: "retour NOEMIE",
    LotEvent.SETTLE: "acquittement",
    LotEvent.REJECT: "rejet",
    LotEvent.FAIL: "erreur",
}

L = LotState
V = LotEvent
#: States in which the file left and an ARL is awaited.
_AWAITING = (L.EXPEDIE, L.REEXPEDIE, L.ACHEMINE, L.AR_PROVISOIRE)
#: States in which a late ARL is still taken (it settles the question the missing ARL raised).
_ARL_TAKEN = (*_AWAITING, L.ABSENCE_ARL_RENVOYER, L.ABSENCE_ARL_MANUEL, L.NON_REMISE)

#: THE transition table of a lot: (state, event) -> new state. Anything absent is refused.
TRANSITIONS: dict[tuple[LotState, LotEvent], LotState] = {
    (L.MIS_EN_LOT, V.WRITE_FILE): L.FICHIER_CREE,
    (L.FICHIER_CREE, V.SEND): L.EXPEDIE,
    # Re-sending sends the same file again (a file once written is never rewritten).
    (L.ABSENCE_ARL_RENVOYER, V.RESEND): L.REEXPEDIE,
    (L.ABSENCE_ARL_MANUEL, V.RESEND): L.REEXPEDIE,
    (L.NON_REMISE, V.RESEND): L.REEXPEDIE,
    (L.ARL_NEGATIF, V.RESEND): L.REEXPEDIE,   # a refusal of the transport (unreadable mail), not of the invoices
    (L.ERREUR, V.RESEND): L.REEXPEDIE,
    (L.EXPEDIE, V.DELIVER): L.ACHEMINE,
    (L.REEXPEDIE, V.DELIVER): L.ACHEMINE,
    **{(state, V.PROVISIONAL_ACK): L.AR_PROVISOIRE for state in (L.EXPEDIE, L.REEXPEDIE, L.ACHEMINE)},
    **{(state, V.ARL_POSITIVE): L.ARL_POSITIF for state in _ARL_TAKEN},
    **{(state, V.ARL_NEGATIVE): L.ARL_NEGATIF for state in _ARL_TAKEN},
    # The first silence leads to one automatic re-send; after a re-send (or a provisional receipt) a person acts.
    (L.EXPEDIE, V.ARL_MISSING): L.ABSENCE_ARL_RENVOYER,
    (L.ACHEMINE, V.ARL_MISSING): L.ABSENCE_ARL_RENVOYER,
    (L.REEXPEDIE, V.ARL_MISSING): L.ABSENCE_ARL_MANUEL,
    (L.AR_PROVISOIRE, V.ARL_MISSING): L.ABSENCE_ARL_MANUEL,
    **{(state, V.NOT_DELIVERED): L.NON_REMISE for state in (L.EXPEDIE, L.REEXPEDIE, L.ACHEMINE)},
    (L.ARL_POSITIF, V.RETURN): L.RSP,
    (L.RSP, V.RETURN): L.RSP,                 # a lot's invoices come back over several NOEMIE returns
    (L.ARL_POSITIF, V.SETTLE): L.ACQUITTE,
    (L.RSP, V.SETTLE): L.ACQUITTE,
    **{(state, V.REJECT): L.REJETE for state in (L.ARL_NEGATIF, L.ABSENCE_ARL_MANUEL, L.NON_REMISE, L.ERREUR)},
    **{(state, V.FAIL): L.ERREUR for state in (L.MIS_EN_LOT, L.FICHIER_CREE, L.EXPEDIE, L.REEXPEDIE)},
}

#: States whose invoices are out of the lot again (sendable once corrected): the lot is no longer "live".
RELEASED = frozenset({L.REJETE})
#: A lot "live": its invoices belong to it and to no other lot.
LIVE = frozenset(set(LotState) - RELEASED)
#: Lots whose file may (still) be written, and lots whose file may leave.
TO_FILE = frozenset({L.MIS_EN_LOT})
TO_SEND = frozenset({L.FICHIER_CREE, L.ABSENCE_ARL_RENVOYER})


def transition(state: LotState | str, event: LotEvent | str) -> LotState:
    """The state after ``event``; a French :class:`StateError` when the table forbids it."""
    try:
        current, what = LotState(state), LotEvent(event)
    except ValueError:
        raise StateError(f"État « {str(state)[:20]} » ou opération « {str(event)[:20]} » de lot inconnu.",
                         code="lot_state", field="state") from None
    target = TRANSITIONS.get((current, what))
    if target is None:
        reason = ""
        if current == L.MIS_EN_LOT and what in (V.SEND, V.RESEND):
            reason = " : mettez-le d'abord en fichier"
        elif current in RELEASED:
            reason = " : ses factures ont été rendues à la télétransmission"
        elif what == V.SEND and current in (*_AWAITING, L.ARL_POSITIF, L.RSP, L.ACQUITTE):
            reason = " : il est déjà parti (un lot n'est jamais envoyé deux fois pour un ARL)"
        raise StateError(f"Impossible de {EVENT_LABELS[what]} un lot « {LABELS[current]} »{reason}.",
                         code="lot_state", field="state", detail=f"lot transition {current} --{what}--> refused")
    return target


# --- certification, recipients ----------------------------------------------------------------------------------

class Certification(StrEnum):
    """FORMATS.md §1, lot header column 81."""

    SESAM_VITALE = "S"
    SANS_VITALE = "F"
    DEGRADE = "D"


CERTIFICATION_LABELS = {Certification.SESAM_VITALE: "SESAM-Vitale", Certification.SANS_VITALE: "SESAM sans Vitale",
                        Certification.DEGRADE: "dégradé"}
_BY_MODE = {SecureMode.SYNCHRONISE: Certification.SESAM_VITALE, SecureMode.DESYNCHRONISE: Certification.SESAM_VITALE,
            SecureMode.SANS_VITALE: Certification.SANS_VITALE, SecureMode.DEGRADE: Certification.DEGRADE}


def certification(mode: SecureMode | str | None) -> Certification:
    """The lot's certification from the invoice's securing mode; refused for an invoice not secured."""
    try:
        return _BY_MODE[SecureMode(str(mode))]
    except ValueError:
        raise ValidationError(f"Mode de sécurisation « {str(mode)[:20]} » : la facture n'est pas sécurisée, elle "
                              "ne peut pas être mise en lot.", code="lot_certification", field="secure_mode") from None


class RecipientKind(StrEnum):
    AMO = "amo"   # an FSE to the insured's AMO organism (régime + caisse + centre)
    AMC = "amc"   # a DRE to a complementary (its AMC number)


class LotKind(StrEnum):
    FSE = "FSE"
    DRE = "DRE"


# --- numbering -------------------------------------------------------------------------------------------------

#: feuille's own: the alphabet of a DRE lot's number. Manual 003 section VI shows ``AAE`` for a lot to a
#: complementary beside ``025``, ``026``, ``027`` to the AMO: DRE lots count in base 26 over three capital letters
#: (AAA, AAB, … AAZ, ABA, … ZZZ, then AAA again), so that the two series never meet.
LETTERS = string.ascii_uppercase
_DRE_CYCLE = len(LETTERS) ** 3


def first_number(kind: LotKind) -> str:
    return "001" if kind == LotKind.FSE else "AAA"


def next_number(kind: LotKind, previous: str | None) -> str:
    """The lot number after ``previous`` (None: the first) for this professional and recipient: FSE lots
    ``001`` … ``999`` then ``001`` (FORMATS.md §1: the previous + 1, cycling); DRE lots ``AAA`` … ``ZZZ`` then
    ``AAA`` (feuille's own, see :data:`LETTERS`)."""
    if previous is None:
        return first_number(kind)
    if kind == LotKind.FSE:
        if len(previous) != 3 or not previous.isdigit() or previous == "000":
            raise ValidationError(f"Numéro de lot « {previous[:10]} » invalide : trois chiffres de 001 à 999.",
                                  code="lot_number", field="lot_number")
        return f"{int(previous) % 999 + 1:03d}"
    if len(previous) != 3 or any(c not in LETTERS for c in previous):
        raise ValidationError(f"Numéro de lot DRE « {previous[:10]} » invalide : trois lettres de AAA à ZZZ.",
                              code="lot_number", field="lot_number")
    value = 0
    for c in previous:
        value = value * 26 + LETTERS.index(c)
    value = (value + 1) % _DRE_CYCLE
    return "".join(LETTERS[value // 26 ** power % 26] for power in (2, 1, 0))


def split(count: int, limit: int = MAX_INVOICES) -> list[int]:
    """How many invoices each lot takes when ``count`` go to one recipient: as many full lots as needed, in order."""
    if count < 0 or limit < 1:
        raise ValueError("count and limit must be positive")
    return [min(limit, count - start) for start in range(0, count, limit)]

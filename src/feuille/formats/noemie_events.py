"""The events of a NOEMIE return read as a stream (``noemie_stream.iter_returns``): see that module's docstring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from feuille.formats.noemie_file import Header, Invoice, Movement, OneOffPayment, Transfer


@dataclass(frozen=True)
class Problem:
    """Something wrong, where it is: entity number (the header is 1), byte offset in the file as stored, entity type
    and field when known, a stable code, a French message; ``invoice``: the invoice number it concerns, if any."""

    entity: int | None
    offset: int | None
    kind: str | None
    field: str | None
    code: str
    message: str
    invoice: str | None = None


@dataclass(frozen=True)
class Start:
    header: Header
    blocked: bool
    mandataire: str = ""


@dataclass(frozen=True)
class SettlementStart:
    """A payee's accounting day (070, ``transfer`` None) or bank transfer (071)."""

    payee: str
    date: date
    transfer: Transfer | None
    entity: int
    offset: int


@dataclass(frozen=True)
class InvoiceReturn:
    settlement: SettlementStart
    return_kind: str             # the 081 above it: 01 electronic flows, 02 paper, 03, 04 recalls, 05
    lot_date: date | None        # the 080 above it (None when that 080 did not read)
    lot_number: int | None
    invoice: Invoice             # with its 103-199, 210, 290, 294 details
    entity: int
    offset: int


@dataclass(frozen=True)
class MovementReturn:
    settlement: SettlementStart
    return_kind: str
    movement: Movement
    entity: int
    offset: int


@dataclass(frozen=True)
class OneOffReturn:
    settlement: SettlementStart
    return_kind: str
    payment: OneOffPayment       # 261 with its 262 details
    entity: int
    offset: int


@dataclass(frozen=True)
class SettlementEnd:
    settlement: SettlementStart
    declared_count: int | None   # the closing 990 as read (None: missing)
    declared_total: Decimal | None


@dataclass(frozen=True)
class End:
    record_count: int | None     # the 999 as read (None: missing)
    lot_count: int | None
    total: Decimal | None


Event = Start | SettlementStart | InvoiceReturn | MovementReturn | OneOffReturn | SettlementEnd | End | Problem


#: Every code a :class:`Problem` may carry, stable (integrations and users key on them), with what it means
#: (docs/formats-noemie.md « Problems » lists them too; ``tests/formats/test_noemie_stream.py`` checks both).
PROBLEM_CODES: dict[str, str] = {
    "noemie_truncated": "fichier tronqué : un en-tête, une entité ou la fin 999 coupés",
    "noemie_unknown_entity": "type d'entité inconnu (lecture reprise à l'entité suivante)",
    "noemie_missing_end": "« @ » absent à la dernière colonne de l'entité",
    "noemie_trailing": "caractères après la fin de fichier 999",
    "noemie_block": "ligne d'un fichier en blocs qui n'a pas 128 caractères",
    "format_numeric": "chiffres attendus", "format_alpha": "lettres sans accent, chiffres ou espaces attendus",
    "format_text": "texte imprimable sans accent attendu", "format_date": "date attendue",
    "format_amount": "montant attendu", "record_constant": "valeur fixe attendue",
    "noemie_sign": "signe « N » ou « P » attendu", "noemie_level": "niveau de l'entité inattendu",
    "noemie_blank": "colonnes sans champ non blanches",
    "noemie_entity": "entité refusée (lecture stricte) sans champ fautif trouvé",
    "noemie_structure": "entité hors de sa place dans l'arbre du fichier",
    "noemie_skipped": "facture, mouvement ou paiement non lu à cause d'une entité illisible, déplacée ou d'un "
                      "contrôle faux",
    "noemie_invoice_number": "numéro de facture numérique qui n'a pas 9 chiffres",
    "noemie_control_count": "contrôle 990 : nombre d'entités différent de celui lu",
    "noemie_control_total": "contrôle 990 : cumul différent de celui calculé",
    "noemie_trailer": "fin de fichier 999 : en-tête, nombre d'entités, de lots ou total différents",
}

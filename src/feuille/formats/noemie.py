"""NOEMIE-PS return entities as declarative layouts, and the two physical forms of a return file.

Sources (FORMATS.md §3 collects them; ``docs/formats-noemie.md`` says what is sourced and what is ours):

- the entity table of FORMATS.md §3 (positions 1-based, lengths);
- the public GPL viewer « sesam viewer » (Sylvain Cresto, 2007), ``data/noemie-ps.xml``: each entity's fields,
  their kinds, the fixed levels of 020 (01), 040 / 070 / 071 / 081 (02) and 990 (99), the sign characters
  (**N négatif, P positif**), the columns FORMATS.md leaves out (210 at 88-117, 294 at 123-152, the header's
  password at 86-91); and ``src/noemie.c`` for the blocked form (see ``noemie_records``).

Every entity starts with its type (3) and its level (2) and ends with ``@`` at its last column; the header
``000`` and the trailer ``999`` are 128 characters without ``@``. Amounts are in cents; a signed amount is an
unsigned field followed by its sign character. Dates are AAMMJJ. Free text written by an insurer (names,
transfer labels) is of kind ``T`` (printable ASCII); codes are ``A``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from feuille.errors import ValidationError
from feuille.formats.fixed_width import Field, Kind, Layout, read, write

N, A, D, M, T = Kind.NUMERIC, Kind.ALPHA, Kind.DATE, Kind.AMOUNT, Kind.TEXT
RECORD = 128          # header, trailer and block length
END = "@"             # the last character of every entity between the header and the trailer
NEGATIVE, POSITIVE = "N", "P"   # sesam viewer noemie-ps.xml: « N Négatif », « P Positif »
LAST_BLOCK = "1"      # sesam viewer noemie.c: a block whose first character is 1 is the last data block
NEXT_BLOCK = "0"      # feuille's own: the flag written on the other data blocks (readers test only for 1)


def _entity(kind: str, length: int, *fields: Field) -> Layout:
    """An entity: type (1-3), level (4-5), its fields, ``@`` at its last column."""
    return Layout(kind, length, (Field("type", 1, 3, N, constant=kind), Field("level", 4, 2, N), *fields,
                                 Field("end", length, 1, T, constant=END)))


def _envelope(kind: str, *fields: Field) -> Layout:
    """Header or trailer: 128 characters, emitter and recipient at 4-55 in both (FORMATS.md §3)."""
    return Layout(kind, RECORD, (
        Field("type", 1, 3, N, constant=kind), Field("emitter_type", 4, 2, A), Field("emitter_number", 6, 14, N),
        Field("emitter_program", 20, 6, T), Field("recipient_type", 26, 2, A),
        Field("recipient_number", 28, 14, A), Field("recipient_program", 42, 6, T),
        Field("application", 48, 2, A), Field("file_id", 50, 6, A), *fields))


HEADER = _envelope(  # FORMATS.md §3 « 000 header »
    "000", Field("created", 56, 6, D), Field("reference", 62, 4, A), Field("version", 66, 2, A),
    Field("compression", 68, 1, A), Field("encryption", 69, 1, A), Field("currency", 70, 1, A),
    Field("flow", 71, 1, A), Field("record_length", 83, 3, N), Field("message", 92, 37, T))

TRAILER = _envelope(  # FORMATS.md §3 « 999 trailer »; flow at 64 from sesam viewer
    "999", Field("record_count", 56, 8, N), Field("flow", 64, 1, A), Field("lot_count", 83, 3, N),
    Field("total", 86, 11, M), Field("sign", 97, 1, A))

ENTITIES: dict[str, Layout] = {layout.name: layout for layout in (
    _entity("020", 21, Field("payee", 6, 15, N)),                    # mandataire
    _entity("040", 21, Field("payee", 6, 15, N)),                    # payee (destinataire de règlement)
    _entity("070", 12, Field("date", 6, 6, D)),                      # accounting day
    _entity("071", 86, Field("date", 6, 6, D), Field("label_1", 12, 32, T), Field("label_2", 44, 32, T),
            Field("paying_organism", 76, 10, T)),                    # transfer
    _entity("080", 15, Field("lot_date", 6, 6, D), Field("lot_number", 12, 3, N)),
    _entity("081", 22, Field("kind", 6, 2, N), Field("place", 8, 14, A)),   # return type
    _entity("100", 15, Field("invoice_number", 6, 9, N)),
    _entity("102", 40, Field("invoice_number", 6, 9, A), Field("number_complement", 15, 6, A),
            Field("lot_number", 21, 3, A),
            Field("lot_date", 24, 6, D), Field("invoice_type", 30, 1, A), Field("invoice_date", 31, 6, D),
            Field("amc_processing", 37, 1, A), Field("insurance_nature", 38, 2, A)),
    _entity("103", 152, Field("nir", 6, 13, A), Field("nir_key", 19, 2, N), Field("birth_name", 21, 25, T),
            Field("usual_name", 46, 25, T), Field("first_name", 71, 15, T), Field("patient_nir", 86, 13, A),
            Field("patient_nir_key", 99, 2, N), Field("birth_date", 101, 6, N), Field("rank", 107, 1, N),
            Field("patient_name", 108, 25, T), Field("patient_first_name", 133, 15, T),
            Field("management_unit", 148, 4, N)),                    # insured + patient
    _entity("110", 88, Field("nir", 6, 13, A), Field("nir_key", 19, 2, N), Field("name_type", 21, 1, A),
            Field("name", 22, 25, T), Field("first_name", 73, 15, T)),   # insured
    _entity("120", 57, Field("birth_date", 6, 6, N), Field("rank", 12, 1, A), Field("name", 13, 25, T),
            Field("first_name", 38, 15, T), Field("management_unit", 53, 4, A)),   # patient
    _entity("150", 8, Field("nature", 6, 2, A)),
    _entity("160", 23, Field("archive_number", 6, 17, N)),
    _entity("198", 24, Field("claimed", 6, 8, M), Field("status", 14, 1, A), Field("paid", 15, 8, M),
            Field("sign", 23, 1, A)),                                # AMO share
    _entity("199", 49, Field("claimed", 6, 8, M), Field("status", 14, 1, A), Field("paid", 15, 8, M),
            Field("sign", 23, 1, A), Field("amc_number", 24, 10, N), Field("member_id", 34, 15, T)),
    _entity("210", 118, Field("line", 6, 2, N), Field("management_code", 8, 2, N), Field("exoneration", 10, 1, A),
            Field("processing_mode", 11, 2, N), Field("discipline", 13, 3, N),
            Field("prescription_date", 16, 6, D), Field("care_start", 22, 6, D), Field("care_end", 28, 6, D),
            Field("unit_price", 34, 8, M), Field("base", 42, 8, M), Field("rate", 50, 3, N),
            Field("reimbursed", 53, 8, M), Field("sign", 61, 1, A), Field("act_code", 62, 3, A),
            Field("complement", 65, 2, A), Field("quantity", 67, 3, N), Field("coefficient", 70, 5, N),
            Field("count", 75, 3, N), Field("expense", 78, 8, M), Field("expense_qualifier", 86, 2, A),
            # 88-117 from sesam viewer (FORMATS.md stops at 87): Alsace-Moselle and AMC rates and amounts
            Field("local_rate", 88, 3, N), Field("local_amount", 91, 8, M), Field("amc_rate", 99, 3, N),
            Field("amc_amount", 102, 8, M), Field("amc_base", 110, 8, M)),   # act
    _entity("250", 47, Field("line", 6, 2, N), Field("debt_reference", 8, 10, T), Field("debt_date", 18, 6, D),
            Field("debt_nature", 24, 3, A), Field("operation", 27, 3, A), Field("amount", 30, 8, M),
            Field("sign", 38, 1, A), Field("remaining", 39, 8, M)),  # financial movement
    _entity("261", 19, Field("code", 6, 5, N), Field("amount", 11, 8, M)),   # one-off payment
    _entity("262", 134, Field("code", 6, 5, T), Field("label", 11, 80, T), Field("nir", 91, 13, A),
            Field("nir_key", 104, 2, N), Field("birth_date", 106, 6, N), Field("rank", 112, 1, N),
            Field("period", 113, 1, A), Field("start", 114, 6, D), Field("end_date", 120, 6, D),
            Field("amount", 126, 8, M)),                             # one-off payment, detail
    _entity("290", 98, Field("line", 6, 2, N), Field("code", 8, 10, T), Field("label", 18, 80, T)),
    _entity("294", 153, Field("code", 6, 4, T), Field("label", 10, 86, T), Field("reject_level", 96, 1, A),
            Field("share", 97, 1, A), Field("act", 98, 5, T), Field("care_date", 103, 6, D),
            Field("performer", 109, 9, N), Field("line", 118, 3, N), Field("rank", 121, 2, N),
            Field("information", 123, 30, T)),                       # reject line; 123-152 from sesam viewer
    _entity("990", 43, Field("closes", 6, 17, T), Field("count", 23, 8, N), Field("total", 31, 11, M),
            Field("sign", 42, 1, A)),                                # control
)}

#: The level each entity is written with. 020 = 01, 040 / 070 / 071 / 081 = 02 and 990 = 99 are sesam viewer's
#: fixed values; the others are **feuille's own** (lot 03, invoice 04, an invoice's details 05, a return type's
#: movements and one-off payments 03), chosen so that « a 990 at level 05 closes an invoice » (FORMATS.md).
LEVELS: dict[str, str] = {
    "020": "01", "040": "02", "070": "02", "071": "02", "081": "02", "080": "03", "100": "04", "102": "04",
    "250": "03", "261": "03", "262": "03", "990": "99",
    **dict.fromkeys(("103", "110", "120", "150", "160", "198", "199", "210", "290", "294"), "05"),
}

#: French names of the fields, for the messages a user reads.
LABELS: dict[str, str] = {
    "type": "type d'entité", "level": "niveau", "end": "fin d'entité « @ »", "emitter_type": "type d'émetteur",
    "emitter_number": "numéro d'émetteur", "emitter_program": "programme émetteur",
    "recipient_type": "type de destinataire", "recipient_number": "numéro de destinataire",
    "recipient_program": "programme destinataire", "application": "application", "file_id": "identifiant du fichier",
    "created": "date de création", "reference": "référence", "version": "version", "compression": "compactage",
    "encryption": "chiffrement", "currency": "unité monétaire", "flow": "type de flux",
    "record_length": "longueur d'enregistrement", "message": "zone message", "record_count": "nombre d'entités",
    "lot_count": "nombre de lots", "total": "cumul des montants", "sign": "signe", "payee": "destinataire de règlement",
    "date": "date", "label_1": "libellé du virement (ligne 1)", "label_2": "libellé du virement (ligne 2)",
    "paying_organism": "organisme payeur", "lot_date": "date du lot", "lot_number": "numéro de lot",
    "kind": "type de retour", "place": "lieu d'exécution", "invoice_number": "numéro de facture",
    "number_complement": "complément au numéro de facture",
    "invoice_type": "type de facture", "invoice_date": "date de facturation", "amc_processing": "traitement AMC",
    "insurance_nature": "nature d'assurance", "nir": "numéro d'immatriculation", "nir_key": "clé",
    "birth_name": "nom de naissance", "usual_name": "nom d'usage", "first_name": "prénom",
    "patient_nir": "immatriculation du bénéficiaire", "patient_nir_key": "clé du bénéficiaire",
    "birth_date": "date de naissance", "rank": "rang", "patient_name": "nom du bénéficiaire",
    "patient_first_name": "prénom du bénéficiaire", "management_unit": "unité de gestion", "name_type": "nature du nom",
    "name": "nom", "nature": "nature d'assurance", "archive_number": "numéro d'archivage",
    "claimed": "montant demandé", "status": "état du paiement", "paid": "montant payé", "amc_number": "numéro AMC",
    "member_id": "identifiant d'adhérent", "line": "numéro de ligne", "management_code": "code de gestion",
    "exoneration": "exonération", "processing_mode": "mode de traitement", "discipline": "discipline",
    "prescription_date": "date de prescription", "care_start": "début des soins", "care_end": "fin des soins",
    "unit_price": "prix unitaire", "base": "base de remboursement", "rate": "taux", "reimbursed": "montant remboursé",
    "act_code": "code acte", "complement": "complément", "quantity": "quantité", "coefficient": "coefficient",
    "count": "nombre", "expense": "dépense", "expense_qualifier": "qualificatif de la dépense",
    "local_rate": "taux Alsace-Moselle", "local_amount": "montant Alsace-Moselle", "amc_rate": "taux AMC",
    "amc_amount": "montant AMC", "amc_base": "base AMC", "debt_reference": "référence de la dette",
    "debt_date": "date de la dette", "debt_nature": "nature de la dette", "operation": "opération de récupération",
    "amount": "montant", "remaining": "solde de la dette", "code": "code", "label": "libellé", "period": "période",
    "start": "début de période", "end_date": "fin de période", "reject_level": "niveau du rejet",
    "share": "part concernée", "act": "acte", "care_date": "date des soins", "performer": "exécutant",
    "information": "information complémentaire", "closes": "niveau contrôlé",
}

_WHAT = {"format_numeric": "chiffres attendus", "format_alpha": "lettres sans accent, chiffres ou espaces attendus",
         "format_text": "texte imprimable sans accent attendu", "record_constant": "valeur inattendue",
         "format_date": "date attendue", "format_amount": "montant positif en euros attendu (2 décimales au plus)",
         "too_long": "trop long", "unknown_field": "champ inconnu"}


def field_problem(kind: str, field: str | None, code: str, *, entity: int | None = None) -> ValidationError:
    """A French problem naming the entity (its number in the file when known) and the field."""
    where = f"entité {entity} ({kind})" if entity is not None else f"entité {kind}"
    label = LABELS.get(field or "", field or "")
    return ValidationError(f"NOEMIE, {where}, {label} : {_WHAT.get(code, 'valeur invalide')}.",
                           code=code, field=field)


def encode(layout: Layout, values: Mapping[str, object]) -> str:
    """One entity's characters; its type and level are filled in; a bad value is a French ``ValidationError``."""
    full = {"level": LEVELS.get(layout.name), **values} if layout.name in ENTITIES else dict(values)
    try:
        return write(layout, full)
    except ValidationError as error:
        raise field_problem(layout.name, error.field, error.code) from None


def decode(layout: Layout, text: str, entity: int) -> dict[str, object]:
    """One entity's fields (see :func:`fixed_width.read`), a bad one a French ``ValidationError``.

    Columns no field covers must be blank (**feuille's own**: so that a file read without problems is written
    back identically; a column a real file fills is a field to add to its table).
    """
    try:
        values = read(layout, text)
    except ValidationError as error:
        raise field_problem(layout.name, error.field, error.code, entity=entity) from None
    for start, end in _gaps(layout):
        if text[start - 1:end - 1].strip(" "):
            raise ValidationError(f"NOEMIE, entité {entity} ({layout.name}), colonnes {start} à {end - 1} : "
                                  "espaces attendus.", code="noemie_blank", field=None)
    return values


def _gaps(layout: Layout) -> tuple[tuple[int, int], ...]:
    """The column ranges (1-based, end exclusive) that no field of ``layout`` covers."""
    return layout.plan.gaps


def split_sign(amount: Decimal) -> tuple[Decimal, str]:
    """An amount as NOEMIE writes it: its absolute value and its sign character."""
    return abs(amount), NEGATIVE if amount < 0 else POSITIVE


def join_sign(kind: str, amount: object, sign: object, entity: int) -> Decimal:
    """A signed amount read back (the sign is mandatory, sesam viewer's « presence O »)."""
    assert isinstance(amount, Decimal)
    if sign == NEGATIVE:
        return -amount
    if sign == POSITIVE:
        return amount
    raise ValidationError(f"NOEMIE, entité {entity} ({kind}), signe : « N » ou « P » attendu.",
                          code="noemie_sign", field="sign")


def read_date(kind: str, field: str, raw: object, entity: int) -> date | None:
    """A date AAMMJJ read in the 2000s (feuille's own: no return file predates them); zeros are no date."""
    assert isinstance(raw, str)
    if raw == "000000":
        return None
    try:
        return date(2000 + int(raw[:2]), int(raw[2:4]), int(raw[4:6]))
    except ValueError:
        raise field_problem(kind, field, "format_date", entity=entity) from None


def make_blocks(text: str) -> str:
    """The blocked form of a continuous file (header, entities, trailer), as ``noemie_records`` reads it."""
    size, end = RECORD - 1, len(text) - RECORD   # the entities are text[RECORD:end], cut without a copy
    starts = range(RECORD, end, size) or range(RECORD, RECORD + 1)
    blocks = [text[:RECORD]]
    blocks.extend(NEXT_BLOCK + text[start:start + size] for start in starts[:-1])
    blocks.append((LAST_BLOCK + text[starts[-1]:end]).ljust(RECORD))
    blocks.append(text[end:])
    return "".join(blocks)

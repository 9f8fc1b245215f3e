"""Patients (beneficiary + insured + AMO coverage) and their AMC contracts: pure records and validators.

Birth dates are stored as 8 characters ``AAAAMMJJ`` because Vitale cards carry *dates lunaires*: dates that
are not on the calendar (day 00, month 00, 30 February...). The rule, decided here:

* an ordinary date must exist on the calendar (``30/02/2023`` is refused);
* a date flagged *lunaire* (by the user, or read from a card) may have day 00–31 and month 00–12, or a month of
  20–42 / 50–99 as the NIR uses for an unknown month; it is kept exactly as given;
* a card date that is not on the calendar becomes lunaire by itself (the card is the authority);
* the year must lie between 1850 and 2199; "not in the future" needs the clock, so the service checks it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from feuille.domain.fields import (
    check_period,
    choose,
    clean_text,
    collect,
    parse_date,
    parse_flag,
    reject_unknown,
    search_key,
    validate_phone,
    validate_postcode,
)
from feuille.domain.identifiers import validate_amo_organism, validate_nir
from feuille.domain.validators import excerpt, validator
from feuille.errors import Problems, ValidationError
from feuille.money import MoneyError, parse_amount

T = TypeVar("T")

# --- birth dates ------------------------------------------------------------------------------------------------

_BIRTH = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$|^(\d{4})-(\d{2})-(\d{2})$|^(\d{4})(\d{2})(\d{2})$")
MIN_BIRTH_YEAR = 1850
MAX_BIRTH_YEAR = 2199


@dataclass(frozen=True)
class BirthDate:
    """``value`` is ``AAAAMMJJ``; ``lunar`` says it need not be on the calendar."""

    value: str
    lunar: bool = False

    @property
    def year(self) -> int:
        return int(self.value[:4])

    def as_date(self) -> date | None:
        """The calendar date, or ``None`` for a lunar date that is not one."""
        try:
            return date(int(self.value[:4]), int(self.value[4:6]), int(self.value[6:]))
        except ValueError:
            return None

    def display(self) -> str:
        return f"{self.value[6:]}/{self.value[4:6]}/{self.value[:4]}"

    def b2(self) -> str:
        """JJMMAA, as the B2 file wants it."""
        return f"{self.value[6:]}{self.value[4:6]}{self.value[2:4]}"


def _lunar_month_ok(month: int) -> bool:
    return 0 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99


@validator
def parse_birth_date(value: object, *, lunar: bool = False, from_card: bool = False,
                     field: str = "birth_date") -> BirthDate:
    label = "Date de naissance"
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(f"{label} : champ obligatoire.", code="required", field=field)
    if isinstance(value, BirthDate):
        return value
    if isinstance(value, date):
        return BirthDate(f"{value:%Y%m%d}", lunar)
    if not isinstance(value, str):
        raise ValidationError(f"{label} : JJ/MM/AAAA attendu.", code="date_format", field=field)
    text = value.strip()
    found = _BIRTH.match(text)
    if not found:
        raise ValidationError(f"{label} : JJ/MM/AAAA attendu, « {excerpt(text)} » reçu.", code="date_format",
                              field=field)
    groups = found.groups()
    if groups[0] is not None:
        year, month, day = int(groups[2]), int(groups[1]), int(groups[0])
    elif groups[3] is not None:
        year, month, day = int(groups[3]), int(groups[4]), int(groups[5])
    else:
        year, month, day = int(groups[6]), int(groups[7]), int(groups[8])
    if not MIN_BIRTH_YEAR <= year <= MAX_BIRTH_YEAR:
        raise ValidationError(f"{label} : année {year} invraisemblable.", code="date_impossible", field=field)
    stored = f"{year:04d}{month:02d}{day:02d}"
    try:
        date(year, month, day)
        return BirthDate(stored, lunar)
    except ValueError:
        pass
    if not (lunar or from_card):
        raise ValidationError(f"{label} : la date « {excerpt(text)} » n'existe pas (cochez « date lunaire » "
                              "si elle figure ainsi sur la carte).", code="date_impossible", field=field)
    if not (0 <= day <= 31 and _lunar_month_ok(month)):
        raise ValidationError(f"{label} : date lunaire « {excerpt(text)} » impossible (jour 00 à 31, mois 00 à 12).",
                              code="date_impossible", field=field)
    return BirthDate(stored, True)


# --- code tables (labels as in the manuals; values marked verify are kept here, in one place) ------------------

# Qualité du bénéficiaire as the Vitale card codes it. The GIE SESAM-Vitale list itself is not published in a
# public machine-readable form; 0–6, 8 and 9 read the same in two independent open-source SESAM-Vitale
# programs: MedinTux (C_Vitale::CodeQualiteToName) and Mediboard / OpenXtrem (CPatient, the rang
# bénéficiaire matrix read from VIT_CODE_QUALITE); 7 is in Mediboard only. Label 1 as in issue 9.
QUALITIES = {
    "0": "Assuré", "1": "Ascendant, descendant, collatéraux ascendants", "2": "Conjoint",
    "3": "Conjoint divorcé", "4": "Concubin", "5": "Conjoint séparé", "6": "Enfant",
    "7": "Bénéficiaire hors article 313", "8": "Conjoint veuf", "9": "Autre ayant droit",
}


class AmoProof(StrEnum):
    """Pièce justificative AMO."""

    AUCUNE = "aucune"
    ATTESTATION = "attestation"          # bulletin de salaire, attestation de droits, AME...
    CARTE_PAPIER = "carte_papier"        # carte papier, consultation télématique
    CARTE_VITALE = "carte_vitale"
    APCV = "apcv"                        # appli carte Vitale
    ADRI = "adri"                        # droits récupérés par ADRi


AMO_PROOF_LABELS = {
    AmoProof.AUCUNE: "Aucune pièce justificative",
    AmoProof.ATTESTATION: "Bulletin de salaire, attestation de droits, etc.",
    AmoProof.CARTE_PAPIER: "Carte papier, consultation télématique",
    AmoProof.CARTE_VITALE: "Carte vitale",
    AmoProof.APCV: "Appli Carte Vitale",
    AmoProof.ADRI: "Droits récupérés par ADRi",
}
# Without a card or ADRi the user must choose the reimbursement rate by hand.
PROOFS_NEEDING_RATE = frozenset({AmoProof.AUCUNE, AmoProof.ATTESTATION, AmoProof.CARTE_PAPIER})

REIMBURSEMENT_RATES = {
    "non_exonere": "Non exonéré",
    "100_toutes": "100 % toutes prestations",
    "100_ald": "100 % si liés ALD",
    "100_sauf_vignettes": "100 % sauf vignettes orange, bleues et produits pharmaceutiques assimilés",
    "100_sauf_vignettes_frontalier": "100 % sauf vignettes orange, bleues et produits pharmaceutiques assimilés "
                                     "taux rég. local frontalier",
    "local_frontalier": "Taux rég. local frontalier",
    "fsv": "Taux FSV",
}

EXONERATIONS = {
    "0": "Pas d'exonération", "1": "Acte de coefficient ≥ 60", "2": "Hospitalisation de plus de 30 jours",
    "3": "Soins particuliers exonérés", "4": "ALD : soins conformes au protocole",
    "5": "Assuré ou bénéficiaire exonéré", "6": "Régimes spéciaux", "7": "Dispositif de prévention",
    "9": "FSV / ASPA", "C": "Exonéré en CCAM", "X": "Non applicable",
}

AMO_SERVICES = {  # code service AMO (verify the codes beyond C2S)
    "C2S": "Complémentaire santé solidaire",
    "C2SP": "Complémentaire santé solidaire avec participation",
    "AME": "Aide médicale de l'État",
}


#: Where a patient (or one of its AMC contracts) comes from, as stored in ``source``.
SOURCE_LABELS = {"manual": "saisi à la main", "carte": "lu sur la carte", "import": "importé"}


class PeriodKind(StrEnum):
    DROITS = "droits_amo"        # ouverture des droits AMO
    COUVERTURE = "couverture"    # période de couverture, with its prise en charge (exonération)
    ALD = "ald"                  # couverture ALD
    SERVICE = "service_amo"      # service AMO (C2S...), with its code


PERIOD_LABELS = {PeriodKind.DROITS: "Droits AMO", PeriodKind.COUVERTURE: "Période de couverture",
                 PeriodKind.ALD: "Couverture ALD", PeriodKind.SERVICE: "Service AMO"}


@validator
def parse_amo_proof(value: object, field: str = "amo_proof") -> AmoProof | None:
    code = choose(value, {p.value: label for p, label in AMO_PROOF_LABELS.items()}, field, "Pièce justificative")
    return None if code is None else AmoProof(code)


# --- periods, work accidents --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: date | None
    end: date | None
    code: str | None = None   # exonération (couverture), service code (service_amo)


@dataclass(frozen=True)
class WorkAccident:
    """Accident du travail: identifiant (n° AT), code, organisme gestionnaire (9 digits), date."""

    accident_date: date
    identifier: str | None = None
    code: str | None = None
    organism: str | None = None


def in_ald(recorded: bool, periods: Iterable[tuple[str, date | None, date | None]], day: date) -> bool:
    """The patient is in ALD on ``day``: when ALD coverage periods (kind, start, end) are recorded, one of them
    runs on ``day`` (an ALD that ended no longer counts); without any, as recorded."""
    spans = [(start, end) for kind, start, end in periods if kind == PeriodKind.ALD and start is not None]
    if spans:
        return any(start <= day and (end is None or day <= end) for start, end in spans)
    return recorded


_PERIOD_KEYS = frozenset({"kind", "start", "end", "code"})
_AT_KEYS = frozenset({"date", "identifier", "code", "organism"})


@validator
def parse_period(raw: Mapping[str, object], where: str) -> Period:
    reject_unknown(raw, _PERIOD_KEYS)
    kind_text = raw.get("kind")
    try:
        kind = PeriodKind(str(kind_text))
    except ValueError:
        raise ValidationError(f"Période : type « {excerpt(kind_text)} » inconnu "
                              "(droits_amo, couverture, ald, service_amo).",
                              code="unknown_code", field=f"{where}.kind") from None
    label = PERIOD_LABELS[kind]
    start = parse_date(raw.get("start"), f"{where}.start", f"{label} (début)", required=True)
    end = parse_date(raw.get("end"), f"{where}.end", f"{label} (fin)")
    check_period(start, end, f"{where}.end", label)
    code: str | None = None
    if kind is PeriodKind.SERVICE:
        code = choose(raw.get("code"), AMO_SERVICES, f"{where}.code", "Code service AMO", required=True)
    elif kind is PeriodKind.COUVERTURE:
        code = choose(raw.get("code"), EXONERATIONS, f"{where}.code", "Prise en charge")
    elif raw.get("code") not in (None, ""):
        code = clean_text(raw.get("code"), f"{where}.code", f"{label} (code)", max_length=10)
    return Period(kind, start, end, code)


@validator
def parse_work_accident(raw: Mapping[str, object], where: str) -> WorkAccident:
    reject_unknown(raw, _AT_KEYS)
    when = parse_date(raw.get("date"), f"{where}.date", "Date de l'accident du travail", required=True)
    assert when is not None
    identifier = clean_text(raw.get("identifier"), f"{where}.identifier", "Identifiant AT", max_length=9)
    if identifier is not None and not identifier.isdigit():
        raise ValidationError(f"Identifiant AT : 9 chiffres au plus, « {excerpt(identifier)} » reçu.", code="format",
                              field=f"{where}.identifier")
    code = clean_text(raw.get("code"), f"{where}.code", "Code AT", max_length=2)
    if code is not None and not code.isalnum():
        raise ValidationError(f"Code AT : 2 caractères alphanumériques, « {excerpt(code)} » reçu.", code="format",
                              field=f"{where}.code")
    organism = clean_text(raw.get("organism"), f"{where}.organism", "Organisme AT", max_length=11)
    if organism is not None:
        organism = organism.replace(" ", "")
        if len(organism) != 9 or not organism.isdigit():
            raise ValidationError(f"Organisme AT : 9 chiffres (régime, caisse, centre) attendus, "
                                  f"« {excerpt(organism)} » reçu.", code="format", field=f"{where}.organism")
    return WorkAccident(when, identifier, code.upper() if code else None, organism)


def _items(value: object, field: str, label: str) -> list[Mapping[str, object]]:
    if value is None:
        return []
    if isinstance(value, Mapping) or not isinstance(value, Iterable) or isinstance(value, str):
        raise ValidationError(f"{label} : liste attendue.", code="format", field=field)
    items = list(value)
    for item in items:
        if not isinstance(item, Mapping):
            raise ValidationError(f"{label} : liste d'éléments attendue.", code="format", field=field)
    return items


# --- the patient record -----------------------------------------------------------------------------------------

PATIENT_FIELDS = frozenset({
    "last_name", "first_name", "birth_date", "lunar", "rank", "quality", "beneficiary_nir",
    "phone", "phone2", "address", "postcode", "town", "extra_info", "ik", "ikm", "iks",
    "insured_last_name", "insured_first_name", "insured_nir",
    "amo_regime", "amo_caisse", "amo_centre", "amo_management_code", "amo_proof", "reimbursement_rate",
    "exoneration", "ald", "alsace_moselle", "periods", "work_accidents",
})
# What stays editable on a patient created from a Vitale card (the manual's list); the rest is read-only.
CARD_EDITABLE = frozenset({"phone", "phone2", "address", "postcode", "town", "extra_info", "ik", "ikm", "iks"})

FIELD_LABELS = {
    "last_name": "Nom", "first_name": "Prénom", "birth_date": "Date de naissance", "lunar": "Date lunaire",
    "rank": "Rang", "quality": "Qualité", "beneficiary_nir": "NIR du bénéficiaire", "phone": "Téléphone principal",
    "phone2": "Téléphone secondaire", "address": "Adresse", "postcode": "Code postal", "town": "Commune",
    "extra_info": "Informations complémentaires", "ik": "IK", "ikm": "IKM", "iks": "IKS",
    "insured_last_name": "Nom de l'assuré", "insured_first_name": "Prénom de l'assuré",
    "insured_nir": "N° de sécurité sociale de l'assuré", "amo_regime": "Régime", "amo_caisse": "Caisse",
    "amo_centre": "Centre", "amo_management_code": "Code gestion", "amo_proof": "Pièce justificative",
    "reimbursement_rate": "Taux de remboursement", "exoneration": "Exonération", "ald": "ALD",
    "alsace_moselle": "Bénéficiaire Alsace-Moselle", "periods": "Périodes de droits",
    "work_accidents": "Accidents du travail", "amo_organism_id": "Organisme AMO",
}

NAME_KEY_LENGTH = 64
_NAME = re.compile(r"^[^\W_][\w '’.\-]*$")


@validator
def validate_person_name(value: object, field: str, *, required: bool = False) -> str | None:
    label = FIELD_LABELS.get(field, field)
    text = clean_text(value, field, label, max_length=64, required=required)
    if text is None:
        return None
    if not _NAME.match(text) or not search_key(text):
        raise ValidationError(f"{label} : lettres, espaces, apostrophes ou tirets attendus, « {excerpt(text)} » reçu.",
                              code="name_format", field=field)
    return text


@validator
def parse_distance(value: object, field: str) -> Decimal:
    """IK / IKM / IKS: kilometres, 0 to 999.99, two decimals at most (no floats)."""
    label = FIELD_LABELS.get(field, field)
    if value is None or value == "":
        return Decimal("0.00")
    try:
        km = parse_amount(value)
    except MoneyError:
        raise ValidationError(f"{label} : distance en km attendue (0 à 999,99), « {excerpt(value)} » reçu.",
                              code="distance_format", field=field) from None
    if km > Decimal("999.99"):
        raise ValidationError(f"{label} : 999,99 km au plus.", code="distance_format", field=field)
    return km


@validator
def parse_rank(value: object) -> int:
    if value is None or value == "":
        return 1
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not text.isdigit() or len(text) > 3 or not 1 <= int(text) <= 9:
        raise ValidationError(f"Rang : chiffre de 1 à 9 attendu, « {excerpt(value)} » reçu.", code="rank_format",
                              field="rank")
    return int(text)


@dataclass(frozen=True)
class PatientRecord:
    """A validated patient: everything the service stores, plus the warnings (NIR read from a card...)."""

    last_name: str
    first_name: str | None
    birth_date: BirthDate
    rank: int = 1
    quality: str = "0"
    beneficiary_nir: str | None = None
    phone: str | None = None
    phone2: str | None = None
    address: str | None = None
    postcode: str | None = None
    town: str | None = None
    extra_info: str | None = None
    ik: Decimal = Decimal("0.00")
    ikm: Decimal = Decimal("0.00")
    iks: Decimal = Decimal("0.00")
    insured_last_name: str | None = None
    insured_first_name: str | None = None
    insured_nir: str | None = None
    amo_regime: str | None = None
    amo_caisse: str | None = None
    amo_centre: str | None = None
    amo_management_code: str | None = None
    amo_proof: AmoProof | None = None
    reimbursement_rate: str | None = None
    exoneration: str | None = None
    ald: bool = False
    alsace_moselle: bool = False
    periods: tuple[Period, ...] = ()
    work_accidents: tuple[WorkAccident, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def last_name_key(self) -> str:
        return search_key(self.last_name)[:NAME_KEY_LENGTH]  # "œ" → "OE" may lengthen the key

    @property
    def first_name_key(self) -> str:
        return search_key(self.first_name or "")[:NAME_KEY_LENGTH]


def _nir(value: object, field: str, from_card: bool, warnings: list[str]) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    checked = validate_nir(value, field=field, from_card=from_card)
    warnings.extend(checked.warnings)
    return checked.value


def _amo(data: Mapping[str, object], problems: Problems) -> tuple[str | None, str | None, str | None]:
    parts = (data.get("amo_regime"), data.get("amo_caisse"), data.get("amo_centre"))
    if all(p is None or p == "" for p in parts):
        return None, None, None
    try:
        regime, caisse, centre = validate_amo_organism(*parts)
    except ValidationError as error:
        error.field = f"amo_{error.field}"
        problems.items.append(error)
        return None, None, None
    return regime, caisse, centre


def _management_code(value: object) -> str | None:
    text = clean_text(value, "amo_management_code", "Code gestion", max_length=2)
    if text is not None and (len(text) != 2 or not text.isdigit()):
        raise ValidationError(f"Code gestion : 2 chiffres attendus, « {excerpt(text)} » reçu.", code="format",
                              field="amo_management_code")
    return text


def _rate(proof: AmoProof | None, value: object, problems: Problems) -> str | None:
    rate = collect(problems, choose, value, REIMBURSEMENT_RATES, "reimbursement_rate", "Taux de remboursement")
    if proof in PROOFS_NEEDING_RATE and rate is None and not any(p.field == "reimbursement_rate"
                                                                 for p in problems.items):
        problems.add("reimbursement_rate", "Taux de remboursement : obligatoire sans carte Vitale ni ADRi "
                     "(pièce justificative « " + AMO_PROOF_LABELS[proof] + " »).", "required")
    if rate is not None and proof not in PROOFS_NEEDING_RATE:
        problems.add("reimbursement_rate", "Taux de remboursement : se choisit seulement sans carte Vitale ni "
                     "ADRi (pièce justificative aucune, attestation ou carte papier).", "rate_not_allowed")
    return rate


def _list(problems: Problems, data: Mapping[str, object], key: str,
          parse: Callable[[Mapping[str, object], str], T]) -> tuple[T, ...]:
    items = collect(problems, _items, data.get(key), key, FIELD_LABELS[key]) or []
    parsed = [collect(problems, parse, item, f"{key}[{i}]") for i, item in enumerate(items)]
    return tuple(p for p in parsed if p is not None)


@validator
def validate_patient(data: Mapping[str, object], *, from_card: bool = False) -> PatientRecord:
    """Check every field, report them all at once (``Problems``), return the normalised record."""
    reject_unknown(data, PATIENT_FIELDS)
    problems = Problems()
    warnings: list[str] = []
    last_name = collect(problems, validate_person_name, data.get("last_name"), "last_name", required=True)
    first_name = collect(problems, validate_person_name, data.get("first_name"), "first_name")
    lunar = collect(problems, parse_flag, data.get("lunar"), "lunar", "Date lunaire") or False
    birth = collect(problems, parse_birth_date, data.get("birth_date"), lunar=lunar, from_card=from_card)
    proof = collect(problems, parse_amo_proof, data.get("amo_proof"))
    regime, caisse, centre = _amo(data, problems)
    record: dict[str, Any] = dict(
        rank=collect(problems, parse_rank, data.get("rank")),
        quality=collect(problems, choose, data.get("quality"), QUALITIES, "quality", "Qualité") or "0",
        beneficiary_nir=collect(problems, _nir, data.get("beneficiary_nir"), "beneficiary_nir", from_card, warnings),
        phone=collect(problems, validate_phone, data.get("phone"), "phone", FIELD_LABELS["phone"]),
        phone2=collect(problems, validate_phone, data.get("phone2"), "phone2", FIELD_LABELS["phone2"]),
        address=collect(problems, clean_text, data.get("address"), "address", "Adresse", max_length=200),
        postcode=collect(problems, validate_postcode, data.get("postcode")),
        town=collect(problems, clean_text, data.get("town"), "town", "Commune", max_length=64),
        extra_info=collect(problems, clean_text, data.get("extra_info"), "extra_info",
                           "Informations complémentaires", max_length=500),
        ik=collect(problems, parse_distance, data.get("ik"), "ik"),
        ikm=collect(problems, parse_distance, data.get("ikm"), "ikm"),
        iks=collect(problems, parse_distance, data.get("iks"), "iks"),
        insured_last_name=collect(problems, validate_person_name, data.get("insured_last_name"),
                                  "insured_last_name"),
        insured_first_name=collect(problems, validate_person_name, data.get("insured_first_name"),
                                   "insured_first_name"),
        insured_nir=collect(problems, _nir, data.get("insured_nir"), "insured_nir", from_card, warnings),
        amo_regime=regime, amo_caisse=caisse, amo_centre=centre,
        amo_management_code=collect(problems, _management_code, data.get("amo_management_code")),
        amo_proof=proof,
        reimbursement_rate=_rate(proof, data.get("reimbursement_rate"), problems),
        exoneration=collect(problems, choose, data.get("exoneration"), EXONERATIONS, "exoneration", "Exonération"),
        ald=collect(problems, parse_flag, data.get("ald"), "ald", "ALD") or False,
        alsace_moselle=collect(problems, parse_flag, data.get("alsace_moselle"), "alsace_moselle",
                               FIELD_LABELS["alsace_moselle"]) or False,
        periods=_list(problems, data, "periods", parse_period),
        work_accidents=_list(problems, data, "work_accidents", parse_work_accident),
    )
    problems.raise_if_any()
    assert last_name is not None and birth is not None
    if record["quality"] == "0":  # the beneficiary is the insured: same name unless told otherwise
        record["insured_last_name"] = record["insured_last_name"] or last_name
        record["insured_first_name"] = record["insured_first_name"] or first_name
    return PatientRecord(last_name=last_name, first_name=first_name, birth_date=birth,
                         warnings=tuple(warnings), **record)

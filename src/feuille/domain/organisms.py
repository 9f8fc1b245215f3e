"""AMO and AMC organisms and complementary contracts (the shared field validators live in ``fields``).

Pure: every function takes the raw value a user typed (or a file held) and returns the normalised
value, or raises a :class:`~feuille.errors.ValidationError` whose French message names the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from feuille.domain.fields import (
    check_period,
    choose,
    clean_text,
    collect,
    parse_date,
    parse_flag,
    reject_unknown,
    search_key,
    validate_email,
    validate_phone,
    validate_postcode,
)
from feuille.domain.identifiers import validate_amc_number, validate_amo_organism
from feuille.domain.validators import excerpt, validator
from feuille.errors import Problems, ValidationError
from feuille.money import MoneyError, parse_amount

# --- AMO organisms ----------------------------------------------------------------------------------------------

AMO_FIELDS = frozenset({"regime", "caisse", "centre", "name", "flux", "comment", "recipient_type"})


@dataclass(frozen=True)
class AmoOrganism:
    """An entry of the practice's AMO list: régime (2) + caisse (3) + centre (4), e.g. 01 349 9881."""

    regime: str
    caisse: str
    centre: str
    name: str | None = None
    flux: str | None = None
    comment: str | None = None
    recipient_type: str | None = None

    @property
    def code(self) -> str:
        return f"{self.regime} {self.caisse} {self.centre}"


@validator
def validate_amo(data: Mapping[str, object]) -> AmoOrganism:
    reject_unknown(data, AMO_FIELDS)
    regime, caisse, centre = validate_amo_organism(data.get("regime"), data.get("caisse"), data.get("centre"))
    return AmoOrganism(
        regime=regime, caisse=caisse, centre=centre,
        name=clean_text(data.get("name"), "name", "Libellé", max_length=128),
        flux=clean_text(data.get("flux"), "flux", "Flux", max_length=64),
        comment=clean_text(data.get("comment"), "comment", "Commentaire", max_length=500),
        recipient_type=clean_text(data.get("recipient_type"), "recipient_type", "Type destinataire", max_length=64),
    )


# --- AMC organisms ----------------------------------------------------------------------------------------------

class Management(StrEnum):
    """Gestion séparée (the AMC pays its part itself) or unique (the AMO handles it, e.g. C2S)."""

    SEPAREE = "separee"
    UNIQUE = "unique"


#: Source: the manual's AMC screen, « ☒ Gestion séparée / ☐ Gestion unique » (../shared/seeds/001_de9b5a154fe2efe7.txt
#: lines 2052-2053, explained line 2032).
MANAGEMENT_LABELS = {Management.SEPAREE: "gestion séparée", Management.UNIQUE: "gestion unique"}
C2S_CONTRACT_TYPE = "89"


@validator
def parse_management(value: object, field: str = "management") -> Management:
    if value is None or value == "":
        return Management.SEPAREE
    if isinstance(value, str):
        text = search_key(value).lower().replace(" ", "_")
        for choice in Management:
            if text in {choice.value, choice.value[0], f"gestion_{choice.value}"}:
                return choice
    raise ValidationError("Gestion : « separee » ou « unique » attendu.", code="management", field=field)


@validator
def validate_contract_type(value: object, field: str = "contract_type", *, required: bool = True) -> str | None:
    """Type de contrat AMC: 1 or 2 digits (89 is reserved for the C2S)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = clean_text(value, field, "Type de contrat", max_length=2, required=required)
    if text is None:
        return None
    if not text.isdigit():
        raise ValidationError(f"Type de contrat : 1 ou 2 chiffres attendus, « {excerpt(text)} » reçu.",
                              code="contract_type_format", field=field)
    return text.zfill(2)


AMC_FIELDS = frozenset({"name", "number", "contract_type", "management", "address", "postcode", "town", "phone",
                        "fax", "email", "contact", "comment", "prefectoral_number", "dre_accepted", "dre_address"})


class Routing(StrEnum):
    """Where the AMC part of an invoice travels (issue 12 point 7; manual 003 section V « DRE/GU »)."""

    FSE = "fse"          # gestion unique: the AMC part travels in the FSE, the AMO hands it over
    DRE = "dre"          # gestion séparée with DRE: a DRE goes to the AMC's own address (mailbox or OCT)
    AUCUNE = "aucune"    # gestion séparée without DRE: the AMC part is not teletransmitted


ROUTING_LABELS = {Routing.FSE: "part AMC dans la FSE (gestion unique : l'AMO transmet)",
                  Routing.DRE: "DRE à l'adresse de la complémentaire",
                  Routing.AUCUNE: "pas de télétransmission de la part AMC"}


def routing(management: Management | str, dre_accepted: bool) -> Routing:
    """Gestion unique → the FSE; gestion séparée → a DRE when the complementary accepts them, else nothing."""
    if Management(management) is Management.UNIQUE:
        return Routing.FSE
    return Routing.DRE if dre_accepted else Routing.AUCUNE


@dataclass(frozen=True)
class AmcOrganism:
    name: str
    number: str
    contract_type: str
    management: Management
    address: str | None = None
    postcode: str | None = None
    town: str | None = None
    phone: str | None = None
    fax: str | None = None
    email: str | None = None
    contact: str | None = None
    comment: str | None = None
    prefectoral_number: str | None = None   # « N° préfectoral » (manual 003 V); searches conventions with it
    dre_accepted: bool = False              # the complementary accepts DRE (gestion séparée only)
    dre_address: str | None = None          # its DRE mailbox or its OCT's (feuille's own: docs/dre.md)


def check_c2s(contract_type: str | None, management: Management, field: str = "management") -> None:
    if contract_type == C2S_CONTRACT_TYPE and management is not Management.UNIQUE:
        raise ValidationError("Gestion : le type de contrat 89 (C2S) est toujours en gestion unique.",
                              code="c2s_management", field=field)


@validator
def validate_amc(data: Mapping[str, object]) -> AmcOrganism:
    reject_unknown(data, AMC_FIELDS)
    problems = Problems()
    name = collect(problems, clean_text, data.get("name"), "name", "Nom", max_length=128, required=True)
    number = collect(problems, required_amc_number, data.get("number"), "number")
    contract_type = collect(problems, validate_contract_type, data.get("contract_type"))
    management = collect(problems, parse_management, data.get("management"))
    address = collect(problems, clean_text, data.get("address"), "address", "Adresse", max_length=200)
    postcode = collect(problems, validate_postcode, data.get("postcode"))
    town = collect(problems, clean_text, data.get("town"), "town", "Ville", max_length=64)
    phone = collect(problems, validate_phone, data.get("phone"), "phone", "Téléphone")
    fax = collect(problems, validate_phone, data.get("fax"), "fax", "Fax")
    email = collect(problems, validate_email, data.get("email"))
    contact = collect(problems, clean_text, data.get("contact"), "contact", "Contact", max_length=128)
    comment = collect(problems, clean_text, data.get("comment"), "comment", "Commentaire", max_length=500)
    prefectoral = data.get("prefectoral_number")
    prefectoral_number = None if prefectoral in (None, "") else collect(
        problems, validate_amc_number, prefectoral, field="prefectoral_number")
    dre_accepted = collect(problems, parse_flag, data.get("dre_accepted"), "dre_accepted", "DRE acceptées")
    dre_address = collect(problems, validate_email, data.get("dre_address"), "dre_address", "Adresse DRE")
    problems.raise_if_any()
    assert name is not None and number is not None and contract_type is not None and management is not None
    check_c2s(contract_type, management)
    check_dre(management, bool(dre_accepted), dre_address)
    return AmcOrganism(name=name, number=number, contract_type=contract_type, management=management,
                       address=address, postcode=postcode, town=town, phone=phone, fax=fax, email=email,
                       contact=contact, comment=comment, prefectoral_number=prefectoral_number,
                       dre_accepted=bool(dre_accepted), dre_address=dre_address)


def check_dre(management: Management, dre_accepted: bool, dre_address: str | None) -> None:
    """A DRE goes to a complementary in gestion séparée (in gestion unique the AMO handles its part), and needs
    an address to go to."""
    if dre_accepted and management is Management.UNIQUE:
        raise ValidationError("DRE acceptées : une complémentaire en gestion unique ne reçoit pas de DRE (sa part "
                              "voyage dans la FSE vers l'AMO) ; choisissez la gestion séparée.",
                              code="dre_management", field="dre_accepted")
    if dre_accepted and dre_address is None:
        raise ValidationError("Adresse DRE : obligatoire quand la complémentaire accepte les DRE (sa boîte aux "
                              "lettres ou celle de son concentrateur).", code="dre_address_missing",
                              field="dre_address")


@validator
def required_amc_number(value: object, field: str = "amc_number") -> str:
    """An AMC number that must be there (``Numéro AMC : champ obligatoire.`` when empty)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError("Numéro AMC : champ obligatoire.", code="required", field=field)
    return validate_amc_number(value, field=field)


# --- AMC contracts ----------------------------------------------------------------------------------------------

class Formula(StrEnum):
    """AMC formulas of the tiers-payant card (DOMAIN.md)."""

    F012 = "012"
    F020 = "020"
    F021 = "021"
    F029 = "029"
    F02A = "02A"
    F050 = "050"
    F052 = "052"


FORMULA_LABELS = {
    Formula.F012: "% DR : Min (DR - MRO, %DR)",
    Formula.F020: "100% TR : Min (DR - MRO, 100%TR)",
    Formula.F021: "% TR : Min (DR - MRO, %TR)",
    Formula.F029: "100% TR - MRO : Min (DR - MRO, 100%TR - MRO)",
    Formula.F02A: "% TR - MRO : Min (DR - MRO, %TR - MRO)",
    Formula.F050: "% TM : Min (DR - MRO, %TM)",
    Formula.F052: "100% TM : Min (DR - MRO, 100%TM)",
}
FORMULAS_WITH_RATE = frozenset({Formula.F012, Formula.F021, Formula.F02A, Formula.F050})
MAX_FORMULA_RATE = Decimal("1000")


class AmcProof(StrEnum):
    AUCUNE = "aucune"
    ATTESTATION = "attestation"     # attestation papier, carte de tiers payant
    CARTE_VITALE = "carte_vitale"
    AUTRE_SUPPORT = "autre_support"  # another smart card, online check...


#: Source: the manuals' « Pièce justificative » of the AMC contract (../shared/seeds/001_de9b5a154fe2efe7.txt line
#: 2050 « Attestation Papier »; ../shared/seeds/003_f73c0603fa29bf42.txt « Pièce Justif. AMC »: line 308 « le
#: patient ne présente aucun justificatif », line 643 « un autre support que la carte vitale »).
AMC_PROOF_LABELS = {AmcProof.AUCUNE: "Aucun justificatif", AmcProof.ATTESTATION: "Attestation papier",
                    AmcProof.CARTE_VITALE: "Carte vitale", AmcProof.AUTRE_SUPPORT: "Autre support"}


class ReferenceDate(StrEnum):
    EXECUTION = "execution"
    PRESCRIPTION = "prescription"
    FACTURATION = "facturation"


#: Source: the manual's « Date de référence » list (../shared/seeds/001_de9b5a154fe2efe7.txt lines 2172-2177).
REFERENCE_DATE_LABELS = {ReferenceDate.EXECUTION: "Date d'exécution de la séance",
                         ReferenceDate.PRESCRIPTION: "Date de prescription",
                         ReferenceDate.FACTURATION: "Date de facturation"}

TREATMENT_INDICATORS = {"22": "DRE TP, pas de flux de rectification possible"}  # others: verify

CONTRACT_FIELDS = frozenset({
    "amc_name", "amc_number", "amc_proof", "management", "rights_start", "rights_end", "adherent_number",
    "secondary_criterion", "convention_type", "treatment_indicator", "reference_date", "sts_routing",
    "contract_type", "complementary_number", "routing_code", "host", "domain", "formula", "formula_rate",
    "fixed_amount",
})


@dataclass(frozen=True)
class ContractRecord:
    amc_name: str
    amc_number: str
    management: Management = Management.SEPAREE
    amc_proof: AmcProof | None = None
    rights_start: date | None = None
    rights_end: date | None = None
    adherent_number: str | None = None
    secondary_criterion: str | None = None
    convention_type: str | None = None
    treatment_indicator: str | None = None
    reference_date: ReferenceDate = ReferenceDate.EXECUTION
    sts_routing: str | None = None
    contract_type: str | None = None
    complementary_number: str | None = None
    routing_code: str | None = None
    host: str | None = None
    domain: str | None = None
    formula: Formula | None = None
    formula_rate: Decimal | None = None
    fixed_amount: Decimal | None = None


def _code(value: object, field: str, label: str, max_length: int) -> str | None:
    text = clean_text(value, field, label, max_length=max_length)
    if text is not None and not text.replace(" ", "").replace("-", "").replace(".", "").isalnum():
        raise ValidationError(f"{label} : lettres et chiffres attendus, « {excerpt(text)} » reçu.", code="format",
                              field=field)
    return text


def _enum(value: object, labels: Mapping[AmcProof, str] | Mapping[ReferenceDate, str], field: str,
          label: str) -> str | None:
    return choose(value, {str(k): v for k, v in labels.items()}, field, label)


@validator
def parse_formula(code: object, rate: object, amount: object) -> tuple[Formula | None, Decimal | None,
                                                                        Decimal | None]:
    """Formula + its percentage where it takes one, or a fixed amount (never both)."""
    has_amount = amount not in (None, "")
    has_rate = rate not in (None, "")
    formula: Formula | None = None
    if code not in (None, ""):
        try:
            formula = Formula(str(code).strip().upper())
        except ValueError:
            choices = ", ".join(f.value for f in Formula)
            raise ValidationError(f"Formule : « {excerpt(code)} » inconnue (choix : {choices}).", code="unknown_code",
                                  field="formula") from None
    if formula is not None and has_amount:
        raise ValidationError("Montant forfaitaire : choisir une formule ou un montant, pas les deux.",
                              code="formula_and_amount", field="fixed_amount")
    fixed = None
    if has_amount:
        try:
            fixed = parse_amount(amount)
        except MoneyError:
            raise ValidationError(f"Montant forfaitaire : montant en euros attendu, « {excerpt(amount)} » reçu.",
                                  code="amount_format", field="fixed_amount") from None
        if fixed <= 0:
            raise ValidationError("Montant forfaitaire : doit être positif.", code="amount_format",
                                  field="fixed_amount")
    if formula is None or formula not in FORMULAS_WITH_RATE:
        if has_rate:
            what = f"la formule {formula.value}" if formula else "sans formule, il"
            raise ValidationError(f"Pourcentage : {what} ne prend pas de pourcentage.", code="rate_not_allowed",
                                  field="formula_rate")
        return formula, None, fixed
    if not has_rate:
        raise ValidationError(f"Pourcentage : obligatoire pour la formule {formula.value}.", code="required",
                              field="formula_rate")
    return formula, _percentage(rate), None


def _percentage(rate: object) -> Decimal:
    if isinstance(rate, (bool, float)) or not isinstance(rate, (str, int, Decimal)):
        raise ValidationError("Pourcentage : nombre attendu.", code="rate_format", field="formula_rate")
    try:
        value = Decimal(str(rate).strip().replace(",", ".").rstrip("%").strip())
    except InvalidOperation:
        raise ValidationError(f"Pourcentage : nombre attendu, « {excerpt(rate)} » reçu.", code="rate_format",
                              field="formula_rate") from None
    if not value.is_finite() or value <= 0 or value > MAX_FORMULA_RATE or value != value.quantize(Decimal("0.01")):
        raise ValidationError(f"Pourcentage : entre 0 et {MAX_FORMULA_RATE} %, deux décimales au plus, "
                              f"« {excerpt(rate)} » reçu.", code="rate_format", field="formula_rate")
    return value.quantize(Decimal("0.01"))


@validator
def validate_contract(data: Mapping[str, object]) -> ContractRecord:
    reject_unknown(data, CONTRACT_FIELDS)
    problems = Problems()
    name = collect(problems, clean_text, data.get("amc_name"), "amc_name", "Nom de la mutuelle", max_length=128,
                   required=True)
    number = collect(problems, required_amc_number, data.get("amc_number"), "amc_number")
    management = collect(problems, parse_management, data.get("management"))
    start = collect(problems, parse_date, data.get("rights_start"), "rights_start", "Début des droits")
    end = collect(problems, parse_date, data.get("rights_end"), "rights_end", "Fin des droits")
    collect(problems, check_period, start, end, "rights_end", "Période des droits")
    proof = collect(problems, _enum, data.get("amc_proof"), AMC_PROOF_LABELS, "amc_proof",
                    "Pièce justificative AMC")
    reference = collect(problems, _enum, data.get("reference_date"), REFERENCE_DATE_LABELS,
                        "reference_date", "Date de référence")
    contract_type = collect(problems, validate_contract_type, data.get("contract_type"), required=False)
    complementary = data.get("complementary_number")
    formula = collect(problems, parse_formula, data.get("formula"), data.get("formula_rate"),
                      data.get("fixed_amount"))
    values: dict[str, Any] = dict(
        adherent_number=collect(problems, _code, data.get("adherent_number"), "adherent_number", "N° adhérent", 20),
        secondary_criterion=collect(problems, _code, data.get("secondary_criterion"), "secondary_criterion",
                                    "Critère secondaire", 10),
        convention_type=collect(problems, _code, data.get("convention_type"), "convention_type",
                                "Type de convention", 5),
        treatment_indicator=collect(problems, _code, data.get("treatment_indicator"), "treatment_indicator",
                                    "Indicateur de traitement", 2),
        sts_routing=collect(problems, _code, data.get("sts_routing"), "sts_routing", "Aiguillage STS", 10),
        complementary_number=None if complementary in (None, "") else collect(
            problems, validate_amc_number, complementary, field="complementary_number"),
        routing_code=collect(problems, _code, data.get("routing_code"), "routing_code", "Code routage", 10),
        host=collect(problems, clean_text, data.get("host"), "host", "Hôte", max_length=64),
        domain=collect(problems, clean_text, data.get("domain"), "domain", "Domaine", max_length=64),
    )
    problems.raise_if_any()
    assert name is not None and number is not None and management is not None and formula is not None
    if contract_type == C2S_CONTRACT_TYPE and management is not Management.UNIQUE:
        raise ValidationError("Gestion : le type de contrat 89 (C2S) est toujours en gestion unique.",
                              code="c2s_management", field="management")
    return ContractRecord(
        amc_name=name, amc_number=number, management=management,
        amc_proof=AmcProof(proof) if proof else None, rights_start=start, rights_end=end,
        reference_date=ReferenceDate(reference) if reference else ReferenceDate.EXECUTION,
        contract_type=contract_type, formula=formula[0], formula_rate=formula[1], fixed_amount=formula[2],
        **values,
    )


def current_year_period(today: date) -> tuple[date, date]:
    """« Définir l'année en cours comme période de droits »."""
    return date(today.year, 1, 1), date(today.year, 12, 31)

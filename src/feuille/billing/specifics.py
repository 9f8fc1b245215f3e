"""The invoice's insurance details and billing specifics: reading, checking, and mapping them onto pricing.

« Assurances » and « Spécificités et sécurisation » of the manual. Pure: no database, no clock (the invoice date
is passed in). ``create_draft`` keeps these keys in the stored input as typed; :func:`apply` derives the pricing
contract's fields from them each time the invoice is priced (draft, edit, rate check), so the stored input and
its rate-check hash stay consistent. The checks that need stored data (the patient's ALD, his age, his AMC
contracts) are in :mod:`feuille.billing.draft_checks`.

Keys (``docs/invoices.md``): ``accident`` (accident de droit commun), ``accident_work``,
``exoneration_justification``, ``ald``, ``specifics`` (victime_attentat + attestation_attentat,
prevention_commune, sante_sexuelle, exoneration_per_act, group_identical, service_amo, amc_convention).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from feuille.billing import facts
from feuille.domain.identifiers import nir_key
from feuille.domain.invoice_fields import named
from feuille.domain.invoices import MODE_LABELS, SecureMode
from feuille.domain.patients import AMO_SERVICES, EXONERATIONS
from feuille.errors import ValidationError, quoted
from feuille.nomenclature.rates import default_rates

NO_JUSTIFICATION = "aucune"  # « Aucune exonération renseignée »: nothing is set on the coverage
#: The manual's « Justificatif d'exonération ticket modérateur » list, with DOMAIN.md's codes, less those only an
#: establishment bills (refused with their own message, see :func:`check_exoneration_code`).
JUSTIFICATIONS = {**{code: f"{label} (exo {code})" for code, label in EXONERATIONS.items()
                     if code not in facts.establishment_only()},
                  NO_JUSTIFICATION: "Aucune exonération renseignée"}
SPECIFIC_KEYS = frozenset({"victime_attentat", "attestation_attentat", "prevention_commune", "sante_sexuelle",
                           "exoneration_per_act", "group_identical", "service_amo", "amc_convention"})
# Where DOMAIN.md gives no rule for a specific, feuille's choice: the exoneration DOMAIN.md describes closest.
ATTENTAT_EXONERATION = "3"        # « soins particuliers exonérés »: the victims' care is free of the TM
#: « soins particuliers exonérés », as the sexual-health and contraception care of the under-26 is billed
#: (sources in data/billing_facts.json).
SANTE_SEXUELLE_EXONERATION = facts.sante_sexuelle_exoneration()
ALD_EXONERATION = "4"
# The Assurance Maladie's anonymous NIR for a minor (contraception and sexual health): sex, then the reserved
# year / month / department « 55 55 55 », the 3-digit caisse, the order number 042, and the key. No person is
# ever given it, so it cannot be a real patient's NIR. Kept here, in one place, should the rule change.
ANONYMOUS_NIR_MIDDLE = "555555"
ANONYMOUS_NIR_ORDER = "042"
_SEX_OF_NIR = {"1": "1", "2": "2", "3": "1", "4": "2", "7": "1", "8": "2"}  # 7/8: temporary numbers


@dataclass(frozen=True)
class AccidentWork:
    identifier: str | None
    code: str | None
    organism: str | None
    when: date | None


@dataclass(frozen=True)
class Ald:
    related: bool | None  # « Les soins sont-ils en rapport avec l'ALD du patient ? »
    forced: bool          # « Forçage du code ALD »


@dataclass(frozen=True)
class ServiceAmo:
    code: str
    start: date
    end: date


@dataclass(frozen=True)
class Convention:
    type: str
    criterion: str | None = None

    def label(self) -> str:
        return self.type + (f" / {self.criterion}" if self.criterion else "")


@dataclass(frozen=True)
class Specifics:
    victime_attentat: bool = False
    attestation_attentat: bool = False
    prevention_programme: str | None = None
    sante_sexuelle: bool = False
    anonymous_minor: bool = False
    sex: str | None = None
    caisse: str | None = None
    exoneration_per_act: bool = False
    group_identical: bool | None = None
    service_amo: ServiceAmo | None = None
    amc_convention: Convention | None = None


@dataclass(frozen=True)
class Details:
    """The insurance details and specifics of one document, read once (see :func:`read_details`)."""

    justification: str | None
    ald: Ald
    specifics: Specifics
    accident: date | None
    accident_work: AccidentWork | None


# --- reading -------------------------------------------------------------------------------------------------------

def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError(f"{named(field)} : {message}", code=code, field=field)


def _object(value: object, field: str, keys: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _error(field, "un objet JSON est attendu.", "invoice_input")
    for key in value:
        if key not in keys:
            raise _error(f"{field}.{key}", f"clé inconnue (admises : {', '.join(sorted(keys))}).", "unknown_key")
    return value


def _flag(value: object, field: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _error(field, "true ou false est attendu.", "flag")
    return value


def iso_date(value: object, field: str, required: bool = True) -> date | None:
    if value is None and not required:
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    if value is None:
        raise _error(field, "date obligatoire (AAAA-MM-JJ).", "date_missing")
    raise _error(field, f"date invalide {quoted(str(value), 20)} (format attendu AAAA-MM-JJ).", "invoice_date")


def short_code(value: object, field: str, *, digits: bool, length: tuple[int, int], what: str) -> str | None:
    """A short code typed as text (spaces ignored): digits only, or letters and digits."""
    if value is None:
        return None
    text = value.replace(" ", "").upper() if isinstance(value, str) else None
    low, high = length
    if not text or not low <= len(text) <= high or not (text.isdigit() if digits else text.isalnum()):
        size = str(high) if low == high else f"{low} à {high}"
        kind = "chiffres" if digits else "lettres ou chiffres"
        raise _error(field, f"{what} : {size} {kind} attendus (texte), {quoted(str(value), 20)} reçu.", "format")
    return text


def check_exoneration_code(value: object, field: str) -> None:
    """An exoneration only an establishment bills (2) is refused, in French, naming the field."""
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip().upper() \
            in facts.establishment_only():
        code = str(value).strip().upper()
        raise _error(field, facts.establishment_message(code), "exoneration_establishment")


def read_justification(value: object) -> str | None:
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else ""
    code = NO_JUSTIFICATION if text.lower() == NO_JUSTIFICATION else text.upper()
    check_exoneration_code(code, "exoneration_justification")
    if code not in JUSTIFICATIONS:
        raise _error("exoneration_justification", f"justificatif inconnu {quoted(str(value), 20)} (codes : "
                     f"{', '.join(JUSTIFICATIONS)}).", "exoneration_justification")
    return code


def read_ald(value: object) -> Ald:
    """``{"related": bool, "forced": bool}``; ``true`` / ``false`` alone answer the question."""
    if value is None or isinstance(value, bool):
        return Ald(value, False)
    if not isinstance(value, Mapping):
        raise _error("ald", "true, false ou {\"related\": …, \"forced\": …} est attendu.", "ald")
    raw = _object(value, "ald", frozenset({"related", "forced"}))
    forced = _flag(raw.get("forced"), "ald.forced")
    related = None if raw.get("related") is None else _flag(raw["related"], "ald.related")
    if forced and related is False:
        raise _error("ald.related", "le forçage du code ALD déclare des soins en rapport avec l'ALD (related : "
                     "true, ou retirez forced).", "ald_forced")
    return Ald(True if forced else related, forced)


def read_accident(value: object) -> date | None:
    """The date of an accident de droit commun, or None when there is none."""
    if value is None:
        return None
    raw = _object(value, "accident", frozenset({"common_law_accident", "date"}))
    if not _flag(raw.get("common_law_accident"), "accident.common_law_accident"):
        return None
    return iso_date(raw.get("date"), "accident.date")


def read_accident_work(value: object) -> AccidentWork | None:
    if value is None:
        return None
    raw = _object(value, "accident_work", frozenset({"identifier", "code", "organism", "date"}))
    return AccidentWork(
        identifier=short_code(raw.get("identifier"), "accident_work.identifier", digits=True, length=(1, 9),
                         what="identifiant de l'AT"),
        code=short_code(raw.get("code"), "accident_work.code", digits=False, length=(1, 2), what="code AT"),
        organism=short_code(raw.get("organism"), "accident_work.organism", digits=True, length=(9, 9),
                       what="organisme AT (régime, caisse, centre)"),
        when=iso_date(raw.get("date"), "accident_work.date", required=False))


def _prevention(value: object) -> str | None:
    if value is None or value is False:
        return None
    if value is True:
        raise _error("specifics.prevention_commune.programme", "indiquez le programme de prévention "
                     "({\"programme\": \"…\"}).", "prevention_programme")
    raw = _object(value, "specifics.prevention_commune", frozenset({"programme"}))
    field = "specifics.prevention_commune.programme"
    if raw.get("programme") is None:
        raise _error(field, "le code du programme de prévention est obligatoire.", "prevention_programme")
    return short_code(raw["programme"], field, digits=False, length=(1, 10), what="programme de prévention")


def _sante_sexuelle(value: object) -> tuple[bool, bool, str | None, str | None]:
    """(checked, anonymous minor, sex digit, caisse)."""
    if value is None or isinstance(value, bool):
        return bool(value), False, None, None
    field = "specifics.sante_sexuelle"
    raw = _object(value, field, frozenset({"anonymous_minor", "sex", "caisse"}))
    sex = raw.get("sex")
    sex = str(sex) if isinstance(sex, int) and not isinstance(sex, bool) else sex
    if sex is not None and sex not in ("1", "2"):
        raise _error(f"{field}.sex", "« 1 » (masculin) ou « 2 » (féminin) est attendu.", "sex")
    caisse = short_code(raw.get("caisse"), f"{field}.caisse", digits=True, length=(3, 3), what="caisse")
    return True, _flag(raw.get("anonymous_minor"), f"{field}.anonymous_minor"), sex, caisse


def _service_amo(value: object) -> ServiceAmo | None:
    if value is None:
        return None
    field = "specifics.service_amo"
    raw = _object(value, field, frozenset({"code", "start", "end"}))
    typed = raw.get("code")
    code = typed.strip().upper() if isinstance(typed, str) else None
    if code not in AMO_SERVICES:
        raise _error(f"{field}.code", f"code service AMO inconnu {quoted(str(typed), 12)} (codes : "
                     f"{', '.join(AMO_SERVICES)}).", "service_amo")
    start = iso_date(raw.get("start"), f"{field}.start")
    end = iso_date(raw.get("end"), f"{field}.end")
    assert start is not None and end is not None  # required
    if end < start:
        raise _error(f"{field}.end", "la fin précède le début.", "service_amo_period")
    return ServiceAmo(code, start, end)


def _convention(value: object) -> Convention | None:
    if value is None:
        return None
    field = "specifics.amc_convention"
    if isinstance(value, str):
        value = {"type": value}
    raw = _object(value, field, frozenset({"type", "criterion"}))
    kind = short_code(raw.get("type"), f"{field}.type", digits=False, length=(1, 5), what="type de convention")
    if kind is None:
        raise _error(f"{field}.type", "le type de convention est obligatoire.", "amc_convention")
    criterion = short_code(raw.get("criterion"), f"{field}.criterion", digits=False, length=(1, 10),
                      what="critère secondaire")
    return Convention(kind, criterion)


def read_specifics(value: object) -> Specifics:
    if value is None:
        return Specifics()
    raw = _object(value, "specifics", SPECIFIC_KEYS)
    sexual, anonymous, sex, caisse = _sante_sexuelle(raw.get("sante_sexuelle"))
    group = raw.get("group_identical")
    return Specifics(
        victime_attentat=_flag(raw.get("victime_attentat"), "specifics.victime_attentat"),
        attestation_attentat=_flag(raw.get("attestation_attentat"), "specifics.attestation_attentat"),
        prevention_programme=_prevention(raw.get("prevention_commune")),
        sante_sexuelle=sexual, anonymous_minor=anonymous, sex=sex, caisse=caisse,
        exoneration_per_act=_flag(raw.get("exoneration_per_act"), "specifics.exoneration_per_act"),
        group_identical=None if group is None else _flag(group, "specifics.group_identical"),
        service_amo=_service_amo(raw.get("service_amo")),
        amc_convention=_convention(raw.get("amc_convention")))


def read_details(doc: Mapping[str, Any]) -> Details:
    """Read, once, every key of the insurance details and specifics (French errors naming the field)."""
    return Details(justification=read_justification(doc.get("exoneration_justification")),
                   ald=read_ald(doc.get("ald")), specifics=read_specifics(doc.get("specifics")),
                   accident=read_accident(doc.get("accident")),
                   accident_work=read_accident_work(doc.get("accident_work")))


# --- checking ------------------------------------------------------------------------------------------------------

def _coverage(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    coverage = doc.get("coverage")
    return coverage if isinstance(coverage, Mapping) else {}


def _upper(value: object) -> str | None:
    return (value.strip().upper() or None) if isinstance(value, str) else None


def check(doc: Mapping[str, Any], day: date, details: Details | None = None) -> None:
    """Refuse, in French and naming the field, what contradicts itself or the invoice date (``details``: the
    document's, when already read)."""
    coverage = _coverage(doc)
    _check_exoneration_codes(doc, coverage)
    found = details or read_details(doc)
    justification, specifics = found.justification, found.specifics
    exoneration = _upper(coverage.get("exoneration"))
    if justification not in (None, NO_JUSTIFICATION) and exoneration not in (None, justification):
        raise _error("exoneration_justification", f"« {justification} » contredit coverage.exoneration "
                     f"« {exoneration} ».", "exoneration_conflict")
    nature = str(coverage.get("nature") or "maladie").strip().lower()
    if specifics.prevention_programme and nature not in ("maladie", "prevention"):
        raise _error("specifics.prevention_commune", f"la prévention commune se facture en nature prévention, pas "
                     f"« {nature} ».", "prevention_nature")
    common_law = found.accident
    if common_law is not None:
        if nature != "maladie" or specifics.prevention_programme:
            raise _error("accident.common_law_accident", "l'accident de droit commun ne concerne que l'assurance "
                         "maladie.", "accident_nature")
        if common_law > day:
            raise _error("accident.date", "l'accident est postérieur à la facture.", "accident_date")
    if found.accident_work is not None:
        _check_work(found.accident_work, coverage, nature, day)
    _check_specifics(doc, specifics, coverage, day)


def _check_exoneration_codes(doc: Mapping[str, Any], coverage: Mapping[str, Any]) -> None:
    check_exoneration_code(coverage.get("exoneration"), "coverage.exoneration")
    acts = doc.get("acts")
    for index, act in enumerate(acts if isinstance(acts, list) else []):
        if isinstance(act, Mapping):
            check_exoneration_code(act.get("exoneration"), f"acts[{index}].exoneration")


def _check_work(work: AccidentWork, coverage: Mapping[str, Any], nature: str, day: date) -> None:
    if nature != "at":
        raise _error("accident_work", "les références d'un accident du travail vont avec coverage.nature « at ».",
                     "accident_work_nature")
    declared = iso_date(coverage.get("accident_date"), "coverage.accident_date", required=False)
    if work.when is not None and declared is not None and work.when != declared:
        raise _error("accident_work.date", f"{work.when:%d/%m/%Y} diffère de coverage.accident_date "
                     f"({declared:%d/%m/%Y}).", "accident_work_date")
    when = work.when or declared
    if when is None:
        raise _error("accident_work.date", "la date de l'accident du travail est obligatoire.", "date_missing")
    if when > day:
        raise _error("accident_work.date", "l'accident est postérieur à la facture.", "accident_work_date")


def _check_specifics(doc: Mapping[str, Any], specifics: Specifics, coverage: Mapping[str, Any], day: date) -> None:
    if specifics.victime_attentat and not specifics.attestation_attentat:
        raise _error("specifics.attestation_attentat", "confirmez que le patient a présenté l'attestation "
                     "« Bénéficiaire Victime d'Attentat » (attestation_attentat : true).", "attestation_attentat")
    if specifics.exoneration_per_act:
        acts = doc.get("acts")
        for index, act in enumerate(acts if isinstance(acts, list) else []):
            if isinstance(act, Mapping) and act.get("exoneration") in (None, ""):
                raise _error(f"acts[{index}].exoneration", "l'exonération est saisie sur chaque acte "
                             "(specifics.exoneration_per_act) : elle manque ici.", "act_exoneration")
    top = doc.get("group_identical")
    if specifics.group_identical is not None and top is not None and top != specifics.group_identical:
        raise _error("specifics.group_identical", "contredit group_identical.", "group_identical")
    service = specifics.service_amo
    if service is not None:
        if not service.start <= day <= service.end:
            raise _error("specifics.service_amo.start" if day < service.start else "specifics.service_amo.end",
                         f"le service AMO {service.code} (du {service.start:%d/%m/%Y} au {service.end:%d/%m/%Y}) "
                         f"n'est pas valide le {day:%d/%m/%Y}.", "service_amo_period")
        declared = _upper(coverage.get("service_amo"))
        if declared not in (None, service.code):
            raise _error("specifics.service_amo.code", f"contredit coverage.service_amo « {declared} ».",
                         "service_amo")


# --- mapping onto the pricing contract -----------------------------------------------------------------------------

def apply(priced: dict[str, Any], doc: Mapping[str, Any], details: Details | None = None) -> None:
    """Fill the pricing document's ``coverage`` and ``group_identical`` from the keys above (never in place)."""
    coverage = dict(_coverage(doc))
    found = details or read_details(doc)
    specifics, justification, ald = found.specifics, found.justification, found.ald
    if justification not in (None, NO_JUSTIFICATION) and _upper(coverage.get("exoneration")) is None:
        coverage["exoneration"] = justification
    if ald.related is not None and coverage.get("ald_related") is None:
        coverage["ald_related"] = ald.related
    if ald.related:
        _exonerate(coverage, ALD_EXONERATION)
    if specifics.victime_attentat:
        _exonerate(coverage, ATTENTAT_EXONERATION)
    if specifics.sante_sexuelle:
        _exonerate(coverage, SANTE_SEXUELLE_EXONERATION)
    if specifics.prevention_programme:
        coverage["nature"] = "prevention"
    if specifics.service_amo is not None and specifics.service_amo.code in default_rates().services_amo:
        coverage["service_amo"] = specifics.service_amo.code
    work = found.accident_work
    if work is not None and work.when is not None and coverage.get("accident_date") is None:
        coverage["accident_date"] = work.when.isoformat()
    if coverage or "coverage" in priced:
        priced["coverage"] = coverage
    if specifics.group_identical is not None:
        priced["group_identical"] = specifics.group_identical


def _exonerate(coverage: dict[str, Any], code: str) -> None:
    """An exoneration the specific implies, unless the document already has one (other than 0)."""
    if _upper(coverage.get("exoneration")) in (None, "0"):
        coverage["exoneration"] = code


def warnings(doc: Mapping[str, Any], details: Details | None = None) -> list[str]:
    """What the user should know about the mappings feuille chose where DOMAIN.md gives no rule."""
    specifics = (details or read_details(doc)).specifics
    notes: list[str] = []
    if specifics.victime_attentat:
        notes.append(f"victime d'attentat : ticket modérateur exonéré (exonération {ATTENTAT_EXONERATION}, soins "
                     "particuliers exonérés, sauf autre exonération saisie) ; règle de feuille à vérifier.")
    if specifics.sante_sexuelle:
        notes.append(f"santé sexuelle (moins de 26 ans) : exonération {SANTE_SEXUELLE_EXONERATION} (soins "
                     "particuliers exonérés), sauf autre exonération saisie.")
    if specifics.anonymous_minor:
        notes.append("anonymat du mineur : facture au NIR fictif, à sécuriser en mode SESAM sans Vitale.")
    service = specifics.service_amo
    if service is not None and service.code not in default_rates().services_amo:
        notes.append(f"service AMO {service.code} forcé : la table des taux ne lui connaît pas de taux, la part "
                     "AMO suit les autres règles.")
    return notes


def effective_nature(doc: Mapping[str, Any], details: Details | None = None) -> str:
    priced: dict[str, Any] = {}
    apply(priced, doc, details)
    return str(priced.get("coverage", {}).get("nature") or "maladie")


# --- the anonymous minor ------------------------------------------------------------------------------------------

def fictitious_nir(sex: str, caisse: str) -> str:
    """The anonymous NIR: ``2 55 55 55 349 042`` and its key (97 − n mod 97, through python-stdnum)."""
    body = f"{sex}{ANONYMOUS_NIR_MIDDLE}{caisse}{ANONYMOUS_NIR_ORDER}"
    return body + nir_key(body)


def sex_digit(beneficiary_nir: str | None, insured_nir: str | None, quality: str | None) -> str | None:
    """The patient's sex digit from his own NIR (or the insured's when he is the insured), if known."""
    own = beneficiary_nir or (insured_nir if quality in (None, "0") else None)
    return _SEX_OF_NIR.get(own[0]) if own else None


def is_minor(birth_date: str, day: date) -> bool:
    """Under 18 on ``day``. A lunar birth date counts from the earliest date it can be (day or month 00 → 01),
    so that a patient who may already be 18 is never taken for a minor."""
    year, month, dom = int(birth_date[:4]), int(birth_date[4:6]), int(birth_date[6:8])
    month = month if 1 <= month <= 12 else 1
    try:
        born = date(year, month, dom)
    except ValueError:
        born = date(year, month, 1)
    try:
        adult = born.replace(year=year + 18)
    except ValueError:  # born on 29 February
        adult = date(year + 18, 3, 1)
    return day < adult


def forced_mode(document: Mapping[str, Any]) -> SecureMode | None:
    """The only securing mode allowed, when the input (as stored) imposes one."""
    if read_specifics(document.get("specifics")).anonymous_minor:
        return SecureMode.SANS_VITALE
    return None


def check_paper_only(invoice_id: int, document: Mapping[str, Any], mode: SecureMode) -> None:
    """SMG (soins médicaux gratuits) are billed on paper to the CNMSS, never teletransmitted: only the degraded
    mode, whose care sheet is printed, is allowed (sources in data/billing_facts.json)."""
    rule = facts.smg()
    if effective_nature(document) != rule["nature"] or mode.value in rule["allowed_modes"]:
        return
    raise ValidationError(f"mode : soins médicaux gratuits (SMG) : la facture n'est pas télétransmise, elle est "
                          f"adressée sur papier à la CNMSS ; le mode {MODE_LABELS[mode]} est refusé. Sécurisez-la en "
                          f"mode dégradé (feuille facture securiser {invoice_id} --mode degrade) puis imprimez sa "
                          f"feuille de soins (feuille facture feuille-de-soins {invoice_id}).", code="smg_paper_only",
                          field="mode")


def check_secure_mode(document: Mapping[str, Any], mode: SecureMode) -> None:
    """The anonymous minor's invoice is secured « SESAM sans Vitale » only (no Vitale card may identify him)."""
    forced = forced_mode(document)
    if forced is not None and mode != forced:
        raise ValidationError("mode : facture d'un mineur anonyme (prévention santé sexuelle) : seul le mode SESAM "
                              "sans Vitale (sans-vitale) est possible.", code="secure_mode_forced", field="mode")

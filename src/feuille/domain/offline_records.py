"""A visit recorded in the browser while the server could not be reached (manual 000, « Mode hors connexion »).

The form of the manual: « Le patient est l'assuré » and « Le NIR est connu » decide which fields matter; nom*,
prénom*, NIR* and clé* (when the NIR is known), the birth date and rank, the date of care*, a note; beyond the
manual, acts taken from the favourites. The browser sends each record with the id it gave it and the time it was
typed (``id_client``, ``saisi_le``): the server stores it once, whatever the number of times it is sent.

When the NIR is not known, the birth date is required: with the names it is what finds the patient later.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

from feuille.domain.fields import clean_text, collect, parse_flag, reject_unknown
from feuille.domain.identifiers import validate_nir
from feuille.domain.patients import parse_birth_date, parse_rank, validate_person_name
from feuille.domain.validators import excerpt, validator
from feuille.errors import Problems, ValidationError

FIELDS = frozenset({"id_client", "saisi_le", "patient_est_assure", "nir_connu", "nom", "prenom", "nir", "cle",
                    "date_naissance", "rang", "assure_nom", "assure_prenom", "date_soins", "note", "actes"})
#: The patient validators' field names → the form's.
FORM_NAMES = {"last_name": "nom", "first_name": "prenom", "rank": "rang", "insured_last_name": "assure_nom",
              "insured_first_name": "assure_prenom"}
NOTE_MAX = 2000
ACTS_MAX = 20
#: A browser's clock may run ahead of the server's: a date of care this far in the future is still taken.
CLOCK_SKEW = timedelta(days=1)
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_ACT_CODE = re.compile(r"^[A-Z][A-Z0-9]{0,5}$|^[A-Z]{4}[0-9]{3}$")
_CARE = (re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?)?$"),
         re.compile(r"^(\d{2})/(\d{2})/(\d{4})(?:\s+(?:à\s+)?(\d{2})[:h](\d{2}))?$"))


@dataclass(frozen=True)
class OfflineAct:
    code: str
    coefficient: str | None = None


@dataclass(frozen=True)
class OfflineRecordInput:
    """A record as the browser typed it, checked."""

    client_id: str
    typed_at: datetime            # the browser's time, UTC
    patient_is_insured: bool
    nir_known: bool
    last_name: str
    first_name: str
    nir: str | None               # the insured's NIR, 15 characters with its key
    birth_date: str | None        # AAAAMMJJ (a lunar date may not be on the calendar)
    rank: int | None
    insured_last_name: str | None
    insured_first_name: str | None
    care_at: datetime
    note: str | None
    acts: tuple[OfflineAct, ...]

    def digest(self) -> str:
        """What makes two sendings the same record (a repeat) or an edit of it."""
        data = asdict(self)
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


@validator
def parse_client_id(value: object) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not _CLIENT_ID.match(text):
        raise ValidationError(f"Identifiant de l'enregistrement : 8 à 64 lettres, chiffres ou tirets attendus, "
                              f"« {excerpt(value)} » reçu.", code="offline_client_id", field="id_client")
    return text


@validator
def parse_typed_at(value: object) -> datetime:
    """The browser's ``new Date().toISOString()`` (« 2026-12-06T06:55:00.000Z »), kept in UTC."""
    try:
        moment = datetime.fromisoformat(value.strip()) if isinstance(value, str) and len(value) <= 40 else None
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError(f"Saisi le : date et heure ISO attendues, « {excerpt(value)} » reçu.",
                              code="offline_typed_at", field="saisi_le")
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


@validator
def parse_care_at(value: object, now: datetime) -> datetime:
    """« Date des soins* »: JJ/MM/AAAA [HH:MM] or the browser's ``AAAA-MM-JJTHH:MM``; not in the future."""
    label = "Date des soins"
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationError(f"{label} : champ obligatoire.", code="required", field="date_soins")
    found = next((m for m in (pattern.match(text) for pattern in _CARE) if m), None)
    moment = None
    if found is not None:
        first, second, third, hour, minute = found.groups()
        year, month, day = (first, second, third) if len(first) == 4 else (third, second, first)
        try:
            moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0))
        except ValueError:
            moment = None
    if moment is None:
        raise ValidationError(f"{label} : JJ/MM/AAAA (et l'heure HH:MM) attendu, « {excerpt(value)} » reçu.",
                              code="date_format", field="date_soins")
    if moment > now + CLOCK_SKEW:
        raise ValidationError(f"{label} : le {moment:%d/%m/%Y} est dans le futur.", code="care_date_future",
                              field="date_soins")
    if moment.date() < date(2000, 1, 1):
        raise ValidationError(f"{label} : année {moment.year} invraisemblable.", code="date_impossible",
                              field="date_soins")
    return moment


@validator
def parse_acts(value: object) -> tuple[OfflineAct, ...]:
    """Acts taken from the favourites: ``[{"code": "G"}, {"code": "AMI", "coefficient": "4"}]``."""
    if value in (None, "", []):
        return ()
    if not isinstance(value, list) or len(value) > ACTS_MAX:
        raise ValidationError(f"Actes : une liste de {ACTS_MAX} actes au plus attendue.", code="offline_acts",
                              field="actes")
    acts = []
    for item in value:
        code = item.get("code") if isinstance(item, Mapping) else None
        text = code.strip().upper() if isinstance(code, str) else ""
        if not _ACT_CODE.match(text):
            raise ValidationError(f"Actes : code d'acte « {excerpt(code)} » invalide.", code="offline_acts",
                                  field="actes")
        coefficient = item.get("coefficient") if isinstance(item, Mapping) else None
        if coefficient not in (None, ""):
            coefficient = str(coefficient).strip().replace(",", ".") if isinstance(coefficient, (str, int)) else "?"
            if not re.fullmatch(r"\d{1,3}(\.\d{1,2})?", coefficient) or isinstance(item.get("coefficient"), bool):
                raise ValidationError(f"Actes : coefficient « {excerpt(item.get('coefficient'))} » de {text} "
                                      f"invalide.", code="offline_acts", field="actes")
        acts.append(OfflineAct(text, coefficient or None))
    return tuple(acts)


def _nir(data: Mapping[str, object], problems: Problems) -> str | None:
    """NIR* and clé*: two fields in the form, one number checked with the key rule the server uses everywhere."""
    body = data.get("nir")
    key = data.get("cle")
    if body in (None, "") or key in (None, ""):
        if body in (None, ""):
            problems.add("nir", "NIR : champ obligatoire quand le NIR est connu.", "required")
        if key in (None, ""):
            problems.add("cle", "Clé : champ obligatoire quand le NIR est connu.", "required")
        return None
    if not isinstance(body, str) or not isinstance(key, (str, int)) or isinstance(key, bool):
        problems.add("nir", f"NIR : 13 caractères attendus, « {excerpt(body)} » reçu.", "nir_format")
        return None
    key_text = str(key).strip()
    if not key_text.isdigit() or len(key_text) != 2:
        problems.add("cle", f"Clé : 2 chiffres attendus, « {excerpt(key)} » reçu.", "nir_format")
        return None
    checked = collect(problems, validate_nir, f"{body}{key_text}", field="nir")
    for error in problems.items:
        if error.code == "nir_key" and error.field == "nir":
            error.field = "cle"   # the key field is where the form shows a wrong key
    return checked.value if checked is not None else None


@validator
def parse_record(data: Mapping[str, object], now: datetime) -> OfflineRecordInput:
    """The record the browser sent, every problem at once (``problems``), field names as in the form."""
    if not isinstance(data, Mapping):
        raise ValidationError("Enregistrement : un objet JSON est attendu.", code="validation", field="fiche")
    reject_unknown(data, FIELDS)
    problems = Problems()
    client_id = collect(problems, parse_client_id, data.get("id_client"))
    typed_at = collect(problems, parse_typed_at, data.get("saisi_le"))
    is_insured = collect(problems, parse_flag, data.get("patient_est_assure", True), "patient_est_assure",
                         "Le patient est l'assuré")
    nir_known = collect(problems, parse_flag, data.get("nir_connu", True), "nir_connu", "Le NIR est connu")
    last = collect(problems, validate_person_name, data.get("nom"), "last_name", required=True)
    first = collect(problems, validate_person_name, data.get("prenom"), "first_name", required=True)
    nir = _nir(data, problems) if nir_known else None
    birth_raw = data.get("date_naissance")
    birth = None
    if birth_raw not in (None, "") or nir_known is False:
        found = collect(problems, parse_birth_date, birth_raw, lunar=True, field="date_naissance")
        birth = found.value if found is not None else None
    rank = collect(problems, parse_rank, data.get("rang")) if data.get("rang") not in (None, "") else None
    insured_last = insured_first = None
    if is_insured is False:
        insured_last = collect(problems, validate_person_name, data.get("assure_nom"), "insured_last_name",
                               required=True)
        insured_first = collect(problems, validate_person_name, data.get("assure_prenom"), "insured_first_name",
                                required=True)
    care_at = collect(problems, parse_care_at, data.get("date_soins"), now)
    note = collect(problems, clean_text, data.get("note"), "note", "Note", max_length=NOTE_MAX)
    acts = collect(problems, parse_acts, data.get("actes"))
    for error in problems.items:   # the patient validators name the record's fields; the form has its own
        error.field = FORM_NAMES.get(error.field or "", error.field)
    problems.raise_if_any()
    assert client_id and typed_at and last and first and care_at and acts is not None
    return OfflineRecordInput(client_id, typed_at, bool(is_insured), bool(nir_known), last, first, nir, birth, rank,
                              insured_last, insured_first, care_at, note, acts)

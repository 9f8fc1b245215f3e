"""The wizard's answers about the insurance details and the billing specifics → keys of the JSON document.

Pure, as :mod:`feuille.billing.wizard_document` (which uses it): the answers of « Assurances » (accident de droit
commun, accident du travail, justificatif d'exonération, ALD, déclaration du médecin traitant), of the prescription's
photo, and of « Spécificités et sécurisation » (entente préalable, victime d'attentat, prévention commune, santé
sexuelle and the minor's anonymity, exonération sur chaque acte, regroupement, forçage du service AMO, convention
AMC), and the parsers of what is typed at those prompts.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from typing import Any

from feuille.billing import specifics as sp
from feuille.domain.invoice_fields import named
from feuille.domain.patients import AMO_SERVICES
from feuille.errors import ValidationError

EP_CHOICES = {"0": "pas de réponse", "4": "réponse favorable", "5": "notion d'urgence", "D": "réponse défavorable"}
MT_DECLARATIONS = {"oui": "oui", "o": "oui", "non": "non", "n": "non", "ne sait pas": "ne_sait_pas",
                   "ne_sait_pas": "ne_sait_pas", "nsp": "ne_sait_pas", "?": "ne_sait_pas"}
#: Care pathway letters after which the manual asks « déclaration d'un médecin traitant ? ».
MT_LETTERS = frozenset({"T", "N", "R", "O"})


@dataclass(frozen=True)
class PhotoAnswer:
    """« Photo Ordonnance »: the file read at the prompt (checked there)."""

    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class AccidentWorkAnswer:
    """The AT's references (its date is the insurance step's date of the accident)."""

    identifier: str | None = None
    code: str | None = None
    organism: str | None = None


@dataclass(frozen=True)
class EntenteAnswer:
    code: str
    asked: date


#: « Forçage du service AMO »: the code and its dates, as the JSON's ``specifics.service_amo``.
ServiceAnswer = sp.ServiceAmo


@dataclass(frozen=True)
class SpecificsAnswer:
    victime_attentat: bool = False        # only once the certificate was confirmed
    prevention_programme: str | None = None
    sante_sexuelle: bool = False
    anonymous_minor: bool = False         # only once the forced mode was confirmed
    sex: str | None = None                # asked when the patient's NIR does not say it
    caisse: str | None = None             # asked when the patient's AMO caisse is unknown
    act_exonerations: tuple[str, ...] = ()  # « exonération sur chaque acte »: one per act, in order
    group_identical: bool = False
    service_amo: ServiceAnswer | None = None
    amc_convention: sp.Convention | None = None


def photo_document(photo: PhotoAnswer) -> dict[str, str]:
    return {"base64": base64.b64encode(photo.content).decode("ascii"), "media_type": photo.media_type,
            "filename": photo.filename}


def specifics_document(answer: SpecificsAnswer) -> dict[str, Any]:
    """``specifics`` of the document (empty when nothing was ticked)."""
    out: dict[str, Any] = {}
    if answer.victime_attentat:
        out.update(victime_attentat=True, attestation_attentat=True)
    if answer.prevention_programme:
        out["prevention_commune"] = {"programme": answer.prevention_programme}
    if answer.sante_sexuelle:
        sexual: dict[str, Any] = {"anonymous_minor": answer.anonymous_minor}
        sexual.update({k: v for k, v in (("sex", answer.sex), ("caisse", answer.caisse)) if v})
        out["sante_sexuelle"] = sexual
    if answer.act_exonerations:
        out["exoneration_per_act"] = True
    if answer.group_identical:
        out["group_identical"] = True
    if answer.service_amo is not None:
        service = answer.service_amo
        out["service_amo"] = {"code": service.code, "start": service.start.isoformat(), "end": service.end.isoformat()}
    if answer.amc_convention is not None:
        convention = answer.amc_convention
        out["amc_convention"] = {"type": convention.type, **({"criterion": convention.criterion}
                                                              if convention.criterion else {})}
    return out


# --- what is typed at the prompts --------------------------------------------------------------------------------

def parse_ep_code(text: object) -> str:
    value = str(text or "").strip().upper()
    if value not in EP_CHOICES:
        choices = ", ".join(f"{k} {v}" for k, v in EP_CHOICES.items())
        raise ValidationError(f"{named('entente_prealable.code')} : {choices}.", code="entente_prealable_code",
                              field="entente_prealable.code")
    return value


def parse_justification(text: object, default: str = "0") -> str:
    value = str(text or "").strip() or default
    return sp.read_justification(value) or default


def parse_mt_declaration(text: object) -> str:
    value = " ".join(str(text or "").strip().lower().split()) or "ne sait pas"
    if value not in MT_DECLARATIONS:
        raise ValidationError(f"{named('mt_declaration')} : oui, non ou « ne sait pas ».", code="mt_declaration",
                              field="mt_declaration")
    return MT_DECLARATIONS[value]


def _optional_code(text: object, field: str, *, digits: bool, length: tuple[int, int], what: str) -> str | None:
    value = str(text or "").strip()
    return sp.short_code(value, field, digits=digits, length=length, what=what) if value else None


def parse_at_identifier(text: object) -> str | None:
    return _optional_code(text, "accident_work.identifier", digits=True, length=(1, 9), what="identifiant de l'AT")


def parse_at_code(text: object) -> str | None:
    return _optional_code(text, "accident_work.code", digits=False, length=(1, 2), what="code AT")


def parse_at_organism(text: object) -> str | None:
    return _optional_code(text, "accident_work.organism", digits=True, length=(9, 9),
                          what="organisme AT (régime, caisse, centre)")


def parse_programme(text: object) -> str:
    found = _optional_code(text, "specifics.prevention_commune.programme", digits=False, length=(1, 10),
                           what="programme de prévention")
    if found is None:
        raise ValidationError(f"{named('specifics.prevention_commune.programme')} : le code du programme est "
                              "obligatoire.",
                              code="prevention_programme", field="specifics.prevention_commune.programme")
    return found


def parse_service_code(text: object) -> str:
    value = str(text or "").strip().upper()
    if value not in AMO_SERVICES:
        raise ValidationError(f"{named('specifics.service_amo.code')} : " + ", ".join(f"{k} ({v})" for k, v in
                                                                         AMO_SERVICES.items()) + ".",
                              code="service_amo", field="specifics.service_amo.code")
    return value


def parse_sex(text: object) -> str:
    value = str(text or "").strip().lower()
    found = {"1": "1", "m": "1", "masculin": "1", "2": "2", "f": "2", "féminin": "2", "feminin": "2"}.get(value)
    if found is None:
        raise ValidationError(f"{named('specifics.sante_sexuelle.sex')} : 1 (masculin) ou 2 (féminin).", code="sex",
                              field="specifics.sante_sexuelle.sex")
    return found


def parse_caisse(text: object) -> str:
    found = _optional_code(text, "specifics.sante_sexuelle.caisse", digits=True, length=(3, 3), what="caisse")
    if found is None:
        raise ValidationError(f"{named('specifics.sante_sexuelle.caisse')} : les 3 chiffres de la caisse sont "
                              "attendus.",
                              code="caisse", field="specifics.sante_sexuelle.caisse")
    return found

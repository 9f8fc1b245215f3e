"""The AMC conventions directory: one row per convention, as the manual's « Choix de la convention AMC/Mutuelle »
shows them (manual 003 section V: Id. signataire, Lib. signataire, Conv. groupe, Type convention, Crit. secondaire,
Type accord, N° AMC, Lib. AMC, Désactivée).

No public source publishes the real list: it is a concentrator's licensed data. The practice imports it (a CSV
file its concentrator gives it) or types it; feuille ships no convention but the demo's, marked as such. Two flags
are **feuille's own** (docs/dre.md): ``dre`` (the convention lets the practice send DRE to this complementary) and
``pec_required`` (an invoice under it needs a prise en charge number and date).

Pure: every function takes the raw values a user typed (or a file held) and returns the normalised record, or
raises a French :class:`~feuille.errors.ValidationError` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from feuille.domain.fields import clean_text, collect, parse_flag, reject_unknown
from feuille.domain.identifiers import validate_amc_number
from feuille.domain.validators import excerpt, validator
from feuille.errors import Problems, ValidationError

#: feuille's own: above this many conventions for one search, the list is not shown and the user refines it
#: with the type of convention and the secondary criterion of the carte mutuelle (the manual's code -1300,
#: « Nombre de résultats trop grand, merci d'affiner votre recherche »; the manual does not say the limit).
SEARCH_LIMIT = 50
#: Conventions shown per page of a choice (the manual: « il est possible qu'il y ait plusieurs pages »).
PAGE_SIZE = 10

FIELDS = frozenset({"signatory_id", "signatory_label", "group_convention", "convention_type",
                    "secondary_criterion", "agreement_type", "amc_number", "amc_label", "disabled", "dre",
                    "pec_required", "demo"})

#: The CSV file's column titles (French, as the manual's columns) for each field; ``csv_source`` also accepts
#: the field names themselves.
CSV_TITLES: dict[str, tuple[str, ...]] = {
    "signatory_id": ("id_signataire", "id. signataire", "identifiant signataire"),
    "signatory_label": ("libelle_signataire", "lib. signataire"),
    "group_convention": ("convention_groupe", "conv. groupe"),
    "convention_type": ("type_convention", "type conv.", "type de convention"),
    "secondary_criterion": ("critere_secondaire", "crit. secondaire"),
    "agreement_type": ("type_accord", "type d'accord"),
    "amc_number": ("numero_amc", "n° amc", "n amc"),
    "amc_label": ("libelle_amc", "lib. amc"),
    "disabled": ("desactivee", "desactiv.", "désactivée"),
    "dre": ("dre", "dre_acceptee"),
    "pec_required": ("pec_obligatoire", "pec"),
    "demo": ("demo", "démonstration"),
}


@dataclass(frozen=True)
class ConventionRecord:
    signatory_id: str
    convention_type: str
    amc_number: str
    signatory_label: str | None = None
    group_convention: str | None = None
    secondary_criterion: str | None = None
    agreement_type: str | None = None
    amc_label: str | None = None
    disabled: bool = False
    dre: bool = False
    pec_required: bool = False
    demo: bool = False

    def label(self) -> str:
        """Type / criterion, as the wizard and the refusals name a convention (« AL / 001 »)."""
        return self.convention_type + (f" / {self.secondary_criterion}" if self.secondary_criterion else "")


@validator
def code(value: object, field: str, label: str, max_length: int, *, required: bool = False) -> str | None:
    """A code of the directory: letters and digits, upper case, spaces ignored."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = clean_text(value, field, label, max_length=max_length + 10, required=required)
    if text is None:
        return None
    compact = text.replace(" ", "").upper()
    if not compact or len(compact) > max_length or not compact.isalnum() or not compact.isascii():
        raise ValidationError(f"{label} : 1 à {max_length} lettres ou chiffres attendus, « {excerpt(text)} » reçu.",
                              code="convention_format", field=field)
    return compact


@validator
def validate_convention(data: Mapping[str, object]) -> ConventionRecord:
    reject_unknown(data, FIELDS)
    problems = Problems()
    signatory = collect(problems, code, data.get("signatory_id"), "signatory_id", "Id. signataire", 10,
                        required=True)
    kind = collect(problems, code, data.get("convention_type"), "convention_type", "Type de convention", 5,
                   required=True)
    number = data.get("amc_number")
    amc_number = None
    if number in (None, ""):
        problems.add("amc_number", "N° AMC : champ obligatoire.", "required")
    else:
        amc_number = collect(problems, validate_amc_number, number, field="amc_number")
    values: dict[str, Any] = {
        "signatory_label": collect(problems, clean_text, data.get("signatory_label"), "signatory_label",
                                   "Lib. signataire", max_length=64),
        "group_convention": collect(problems, code, data.get("group_convention"), "group_convention",
                                    "Convention groupe", 10),
        "secondary_criterion": collect(problems, code, data.get("secondary_criterion"), "secondary_criterion",
                                       "Critère secondaire", 10),
        "agreement_type": collect(problems, code, data.get("agreement_type"), "agreement_type", "Type d'accord", 5),
        "amc_label": collect(problems, clean_text, data.get("amc_label"), "amc_label", "Lib. AMC", max_length=64),
    }
    flags: dict[str, Any] = {name: collect(problems, parse_flag, data.get(name), name, label) for name, label in (
        ("disabled", "Désactivée"), ("dre", "DRE"), ("pec_required", "PEC obligatoire"), ("demo", "Démonstration"))}
    problems.raise_if_any()
    assert signatory is not None and kind is not None and amc_number is not None
    values.update({k: bool(v) for k, v in flags.items()})
    return ConventionRecord(signatory_id=signatory, convention_type=kind, amc_number=amc_number, **values)


@validator
def refinement(convention_type: object, criterion: object) -> tuple[str | None, str | None]:
    """The « Type Conv. » and « Crit. Secondaire » of the carte mutuelle that narrow a search (each optional)."""
    problems = Problems()
    kind = collect(problems, code, convention_type, "convention_type", "Type de convention", 5)
    secondary = collect(problems, code, criterion, "secondary_criterion", "Critère secondaire", 10)
    problems.raise_if_any()
    return kind, secondary


def too_many(amc_number: str, total: int, field: str) -> ValidationError:
    """The manual's refusal (code -1300): the list would be too long to choose from."""
    return ValidationError(
        "Il y a trop de conventions avec ce numéro : renseignez le type de convention et le critère secondaire "
        f"(carte mutuelle). ({total} conventions pour le n° {amc_number}, {SEARCH_LIMIT} au plus à l'écran.)",
        code="amc_conventions_too_many", field=field)

"""Scenario files: what the caisse de test does differently (reject a NIR, pay part of a lot, lose an ARL...).

A scenario is JSON or TOML (by its extension; YAML is not installed): ``{"nom": "...", "regles": [{"regle": ...}]}``.
The rules are checked here with pydantic and stored as data in the state (loading a scenario replaces the rules of
the previous one); the parts that answer lots and produce returns read them (``tx.rules("rejeter")``) and apply
them. Kinds (``docs/caisse-de-test.md`` documents each):

- ``rejeter``: ``nir`` (15 characters, key checked), ``motif`` (text), optional ``lot`` — reject that insured
  person's invoices.
- ``payer_partiel``: ``lot`` (1-999), ``taux`` (0-100, percent paid) — pay only part of a lot.
- ``perdre_arl``: optional ``lot`` — never send the ARL of that lot (every lot when absent).
- ``doubler_retour``: optional ``lot`` — send the NOEMIE return of that lot twice.
- ``panne_adri``: ``mode`` (aucune, erreur, lent, muet), optional ``secondes`` — applied at once to the HTTPS
  services, as ``feuille-sim panne`` does.
- ``delai_paiement``: ``jours`` (0-365) — days between a lot's acceptance and its payment (NOEMIE producer).
- ``forme_noemie``: ``forme`` (continue, blocs) — the physical form of the NOEMIE returns.
- ``paiement_ponctuel``: ``organisme``, ``montant`` (text, euros), optional ``code``, ``libelle``,
  ``facturation`` — a one-off payment (261/262) on the next transfer.
- ``retenue``: ``organisme``, ``montant`` (text, euros), optional ``reference``, ``nature``, ``facturation`` — a
  debt (250) recovered on the organism's later transfers.
- ``regulariser``: ``facture`` (its number), optional ``montant`` (default: all that was paid), ``facturation`` — a
  negative regularisation of an invoice already paid, in a later transfer.
- ``payer_plus``: ``montant`` (text, euros), optional ``nir``, ``lot`` — pay that much more than the AMO share
  claimed.
- ``facture_inconnue``: ``organisme``, ``montant``, optional ``numero``, ``nir``, ``facturation`` — pay an invoice
  number the professional never sent, once.
- ``delai_paiement_amc``: ``jours`` — days between the AMO's payment (gestion unique) or a DRE lot's acceptance and
  the complementary's own payment.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from feuille.domain.identifiers import validate_nir
from feuille.errors import ValidationError as FeuilleValidationError
from feuille.money import MoneyError, parse_amount
from feuille_sim.state import State, now, write_fault

MAX_BYTES = 1024 * 1024
KINDS = ("rejeter", "payer_partiel", "perdre_arl", "doubler_retour", "panne_adri", "delai_paiement", "forme_noemie",
         "paiement_ponctuel", "retenue", "regulariser", "payer_plus", "facture_inconnue", "delai_paiement_amc")
MAX_AMOUNT = 999_999   # euros: what a 261 or 250 amount field holds (8 digits of cents)


class ScenarioError(Exception):
    """A French message naming the file, the rule and the field."""


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def _checked_nir(value: str) -> str:
    try:
        return validate_nir(value).value
    except FeuilleValidationError as exc:
        raise ValueError(exc.message) from exc


def _euros(value: str) -> str:
    """An amount as text (« 40.00 » or « 40,00 »), never a float, more than zero."""
    try:
        amount = parse_amount(value)
    except MoneyError:
        raise ValueError(f"montant en euros attendu, par exemple « 40.00 » (« {value[:20]} » reçu)") from None
    if not 0 < amount <= MAX_AMOUNT:
        raise ValueError(f"montant entre 0,01 et {MAX_AMOUNT} euros attendu")
    return f"{amount:.2f}"


class Rejeter(_Rule):
    regle: Literal["rejeter"]
    nir: str
    motif: Annotated[str, Field(min_length=1, max_length=200)]
    lot: Annotated[int, Field(ge=1, le=999)] | None = None

    @field_validator("nir")
    @classmethod
    def _nir(cls, value: str) -> str:
        return _checked_nir(value)


class PayerPartiel(_Rule):
    regle: Literal["payer_partiel"]
    lot: Annotated[int, Field(ge=1, le=999)]
    taux: Annotated[int, Field(ge=0, le=100)]


class PerdreArl(_Rule):
    regle: Literal["perdre_arl"]
    lot: Annotated[int, Field(ge=1, le=999)] | None = None


class DoublerRetour(_Rule):
    regle: Literal["doubler_retour"]
    lot: Annotated[int, Field(ge=1, le=999)] | None = None


class PanneAdri(_Rule):
    regle: Literal["panne_adri"]
    mode: Literal["aucune", "erreur", "lent", "muet"]
    secondes: Annotated[float, Field(ge=0, le=3600)] = 0


class DelaiPaiement(_Rule):
    regle: Literal["delai_paiement"]
    jours: Annotated[int, Field(ge=0, le=365)]


class FormeNoemie(_Rule):
    regle: Literal["forme_noemie"]
    forme: Literal["continue", "blocs"]


PATTERNS = {  # the formats a pattern asks for, as a user reads them
    r"^[0-9]{5}$": "5 chiffres, régime et caisse, par exemple 01422",
    r"^[0-9]{9}$": "9 chiffres, le numéro de facturation",
    r"^[A-Z0-9]{1,10}$": "de 1 à 10 majuscules sans accent ou chiffres",
    r"^[A-Z]{3}$": "3 majuscules sans accent, par exemple IND",
}
Organism = Annotated[str, Field(pattern=r"^[0-9]{5}$")]
BillingNumber = Annotated[str, Field(pattern=r"^[0-9]{9}$")]


class _Money(_Rule):
    """A rule with an amount: text (« 40.00 » or « 40,00 »), never a float, more than zero."""

    organisme: Organism
    montant: str
    facturation: BillingNumber | None = None

    @field_validator("montant")
    @classmethod
    def _amount(cls, value: str) -> str:
        return _euros(value)


class PaiementPonctuel(_Money):
    regle: Literal["paiement_ponctuel"]
    code: Annotated[int, Field(ge=1, le=99999)] = 1
    libelle: Annotated[str, Field(min_length=1, max_length=80)] = "PAIEMENT PONCTUEL"


class Retenue(_Money):
    regle: Literal["retenue"]
    reference: Annotated[str, Field(pattern=r"^[A-Z0-9]{1,10}$")] | None = None
    nature: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "IND"


InvoiceNumber = Annotated[int, Field(ge=1, le=999_999_999)]


class Regulariser(_Rule):
    regle: Literal["regulariser"]
    facture: InvoiceNumber
    montant: str | None = None
    facturation: BillingNumber | None = None

    @field_validator("montant")
    @classmethod
    def _amount(cls, value: str | None) -> str | None:
        return None if value is None else _euros(value)


class PayerPlus(_Rule):
    regle: Literal["payer_plus"]
    montant: str
    nir: str | None = None
    lot: Annotated[int, Field(ge=1, le=999)] | None = None

    @field_validator("montant")
    @classmethod
    def _amount(cls, value: str) -> str:
        return _euros(value)

    @field_validator("nir")
    @classmethod
    def _nir(cls, value: str | None) -> str | None:
        return None if value is None else _checked_nir(value)


class FactureInconnue(_Money):
    regle: Literal["facture_inconnue"]
    numero: InvoiceNumber = 999_999_999
    nir: str | None = None

    @field_validator("nir")
    @classmethod
    def _nir(cls, value: str | None) -> str | None:
        return None if value is None else _checked_nir(value)


class DelaiPaiementAmc(_Rule):
    regle: Literal["delai_paiement_amc"]
    jours: Annotated[int, Field(ge=0, le=365)]


Rule = Annotated[Rejeter | PayerPartiel | PerdreArl | DoublerRetour | PanneAdri | DelaiPaiement | FormeNoemie
                 | PaiementPonctuel | Retenue | Regulariser | PayerPlus | FactureInconnue | DelaiPaiementAmc,
                 Field(discriminator="regle")]


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    nom: Annotated[str, Field(min_length=1, max_length=100)]
    regles: list[Rule]


MESSAGES = {
    "missing": "champ obligatoire absent",
    "extra_forbidden": "champ inconnu",
    "string_type": "texte attendu",
    "int_type": "nombre entier attendu",
    "float_type": "nombre attendu",
    "list_type": "liste attendue",
    "model_type": "objet attendu ({...})",
    "dict_type": "objet attendu ({...})",
    "greater_than_equal": "trop petit (au moins {ge})",
    "less_than_equal": "trop grand (au plus {le})",
    "string_too_short": "vide",
    "string_too_long": "trop long (au plus {max_length} caractères)",
    "literal_error": "valeur refusée (attendu : {expected})",
    "string_pattern_mismatch": "format refusé (attendu : {pattern})",
    "union_tag_invalid": "règle inconnue (règles : " + ", ".join(KINDS) + ")",
    "union_tag_not_found": "champ « regle » absent (règles : " + ", ".join(KINDS) + ")",
}


def _french(error: Any) -> str:
    location = [str(p) for p in error["loc"]]
    where = "scénario"
    if len(location) >= 2 and location[0] == "regles" and location[1].isdigit():
        where = f"règle {int(location[1]) + 1}"
        location = [p for p in location[2:] if p not in KINDS]
    if location:
        where += f", champ « {'.'.join(location)} »"
    if error["type"] == "value_error":
        return f"{where} : {error.get('ctx', {}).get('error', 'valeur refusée')!s}"
    template = MESSAGES.get(error["type"], "valeur refusée")
    context = {k: str(v).replace("'", "") for k, v in (error.get("ctx") or {}).items()}
    if "pattern" in context:
        context["pattern"] = PATTERNS.get(context["pattern"], context["pattern"])
    try:
        text = template.format(**context)
    except (KeyError, IndexError):
        text = template
    return f"{where} : {text}"


def parse(text: str, suffix: str) -> Scenario:
    try:
        data = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except (ValueError, RecursionError) as exc:
        kind = "TOML" if suffix == ".toml" else "JSON"
        raise ScenarioError(f"Le fichier n'est pas du {kind} lisible ({type(exc).__name__}).") from exc
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = [_french(e).rstrip(".") for e in exc.errors()[:10]]
        raise ScenarioError("Scénario refusé : " + " ; ".join(problems) + ".") from exc
    except RecursionError as exc:
        raise ScenarioError("Scénario refusé : trop imbriqué.") from exc


def read(path: Path) -> Scenario:
    try:
        raw = path.read_bytes()[: MAX_BYTES + 1]
    except OSError as exc:
        raise ScenarioError(f"Impossible de lire {path} : {exc.strerror or exc}.") from exc
    if len(raw) > MAX_BYTES:
        raise ScenarioError(f"{path} dépasse {MAX_BYTES // 1024} Kio : ce n'est pas un scénario.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path} n'est pas un texte UTF-8.") from exc
    return parse(text, path.suffix.lower())


def load(state: State, scenario: Scenario) -> None:
    """Replace the rules in one transaction; then a ``panne_adri`` rule sets the fault mode (a file) at once."""
    with state.transaction() as tx:
        tx.execute("DELETE FROM regles")
        for position, rule in enumerate(scenario.regles):
            tx.execute("INSERT INTO regles (position, regle, donnees) VALUES (?, ?, ?)",
                       (position, rule.regle, json.dumps(rule.model_dump(), ensure_ascii=False)))
        tx.execute("INSERT OR REPLACE INTO scenario (id, nom, charge_le) VALUES (1, ?, ?)", (scenario.nom, now()))
        tx.log("scenario", "feuille-sim", f"chargement de « {scenario.nom} »", f"{len(scenario.regles)} règle(s)")
    for rule in scenario.regles:
        if isinstance(rule, PanneAdri):
            write_fault(state.folder, rule.mode, rule.secondes)

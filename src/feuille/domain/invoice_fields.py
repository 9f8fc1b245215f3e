"""The French names of the invoice document's fields (the JSON of ``feuille facture creer`` and of the pricing
contract), as refusals begin (« lieu : … », « acte 1, code : … »): one table, so that every message names a field
the same way. The ``field`` codes of the errors stay the document's keys (``place``, ``acts[0].code``): the forms
place each message beside its input by them, and API clients read them."""

from __future__ import annotations

import re

FIELD_NAMES = {
    # the document
    "date": "date", "patient": "patient", "professional": "professionnel", "performer": "PS exécutant",
    "place": "lieu", "acts": "actes", "prescription": "prescription", "prescriber": "prescripteur",
    "entente_prealable": "entente préalable", "payer": "payeur", "amc_contract": "contrat complémentaire",
    "exoneration_justification": "justificatif d'exonération", "ald": "ALD", "mt_declaration":
    "déclaration de médecin traitant", "accident": "accident de droit commun", "accident_work": "accident du travail",
    "specifics": "spécificités", "mode": "mode", "overrides": "parts modifiées", "tiers_payant": "tiers payant",
    "group_identical": "regroupement des actes identiques", "amc": "complémentaire",
    # the professional and the coverage (pricing contract)
    "profession": "profession", "specialty": "spécialité", "sector": "secteur", "coverage": "assurance",
    "nature": "nature", "exoneration": "exonération", "ald_related": "soins en rapport avec l'ALD",
    "regime_local": "régime local", "parcours": "parcours de soins", "rate": "taux", "service_amo": "service AMO",
    "maternity_date": "date de maternité", "accident_date": "date de l'accident", "smg_amount": "montant SMG",
    "formula": "formule", "percent": "pourcentage", "amount": "montant", "line": "ligne", "amo": "AMO",
    # an act
    "code": "code", "quantity": "quantité", "coefficient": "coefficient", "unit_price": "prix unitaire",
    "total": "total", "base": "base", "supplement": "dépassement", "favourite": "soin favori",
    "identifier": "identifiant", "modifiers": "modificateurs", "exo_tm": "Exo TM",
    # the specifics
    "victime_attentat": "victime d'attentat", "attestation_attentat": "attestation d'attentat",
    "prevention_commune": "prévention commune", "sante_sexuelle": "santé sexuelle",
    "exoneration_per_act": "exonération par acte", "amc_convention": "convention AMC", "sex": "sexe",
    "caisse": "caisse", "programme": "programme", "related": "en rapport", "forced": "forçage du code ALD",
    "anonymous_minor": "anonymat du mineur",
}
_INDEXED = re.compile(r"^(acts|overrides)\[(\d+)\]")
_ONE = {"acts": "acte", "overrides": "part modifiée"}


def named(field: str) -> str:
    """``place`` → « lieu », ``coverage.nature`` → « assurance, nature », ``acts[0].entente_prealable`` →
    « acte 1, entente préalable » (a key the table does not know is kept as it is)."""
    indexed = _INDEXED.match(field)
    parts = [f"{_ONE[indexed.group(1)]} {int(indexed.group(2)) + 1}"] if indexed else []
    rest = field[indexed.end():] if indexed else field
    parts += [FIELD_NAMES.get(key, key) for key in rest.split(".") if key]
    return ", ".join(parts)

"""The complementary part of an invoice as it will travel: the AMC convention, the prise en charge (PEC), and where
the part goes (in the FSE, in a DRE, or not teletransmitted), decided when the draft is made and frozen in its
stored document (``amc_transmission``), which the signature seals.

Manual 003 section V (DRE/GU): the convention is chosen in the conventions directory by AMC number, narrowed by
the type of convention and the secondary criterion of the carte mutuelle (:func:`feuille.practice.amc_conventions
.search`, the one search); when the directory knows no convention for the AMC, the values of the patient's
contracts with it are used (the manual's « Attestation AMC », « quand celles-ci ne sont pas récupérées des
conventions »). Some conventions require a PEC number and date (« onglet PEC »).

Key ``payer.pec``: ``{"number": "1234", "date": "2024-05-28"}``. Stored key ``amc_transmission`` (computed; a
value given in the input is replaced): ``{"amc_number", "management", "routing", "convention", "pec"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.billing import amc_part
from feuille.billing import specifics as sp
from feuille.domain import organisms as org
from feuille.errors import ValidationError, quoted
from feuille.practice import amc_conventions
from feuille.practice.amc_contracts import load_contract
from feuille.rights.settings import TELETRANSMISSION, read_setting
from feuille.storage.models import AmcContract, AmcConvention, AmcOrganism

KEY = amc_part.KEY
FIELD = "specifics.amc_convention"
#: feuille's own bound (B2 record 2, columns 59-76): the manual's « N° de PEC » shows « 1234 », no length.
PEC_NUMBER_LENGTH = amc_part.WIDTHS["pec_number"]


@dataclass(frozen=True)
class Pec:
    number: str
    day: date


@dataclass(frozen=True)
class Choice:
    """The conventions the user chooses among, and where they come from (``annuaire`` or ``contrat``)."""

    source: str
    conventions: tuple[sp.Convention, ...]
    views: tuple[amc_conventions.ConventionView, ...] = ()


# --- PEC ----------------------------------------------------------------------------------------------------------

def read_pec(payer: Mapping[str, Any], day: date) -> Pec | None:
    """``payer.pec``: the prise en charge number (letters and digits) and its date, not after the invoice's."""
    value = payer.get("pec")
    if value is None:
        return None
    field = "payer.pec"
    if not isinstance(value, Mapping):
        raise ValidationError(f"{field} : un objet JSON {{\"number\": …, \"date\": …}} est attendu.", code="pec",
                              field=field)
    unknown = sorted(set(value) - {"number", "date"})
    if unknown:
        raise ValidationError(f"{field}.{unknown[0]} : clé inconnue (admises : date, number).", code="unknown_key",
                              field=f"{field}.{unknown[0]}")
    number = value.get("number")
    text = number.replace(" ", "").upper() if isinstance(number, str) else ""
    if not text or len(text) > PEC_NUMBER_LENGTH or not text.isalnum() or not text.isascii():
        raise ValidationError(f"{field}.number : n° de prise en charge de 1 à {PEC_NUMBER_LENGTH} lettres ou chiffres "
                              f"attendu, {quoted(number, 30)} reçu.", code="pec", field=f"{field}.number")
    when = sp.iso_date(value.get("date"), f"{field}.date")
    assert when is not None  # required
    if when > day:
        raise ValidationError(f"{field}.date : la prise en charge du {when:%d/%m/%Y} est postérieure à la facture "
                              f"du {day:%d/%m/%Y}.", code="pec_date", field=f"{field}.date")
    return Pec(text, when)


# --- conventions --------------------------------------------------------------------------------------------------

def _from_contracts(session: Session, contract: AmcContract) -> tuple[sp.Convention, ...]:
    """The conventions recorded on the patient's contracts with this AMC (as read on the card or typed)."""
    rows = session.scalars(select(AmcContract).where(AmcContract.patient_id == contract.patient_id,
                                                     AmcContract.amc_number == contract.amc_number)
                           .order_by(AmcContract.id))
    found: list[sp.Convention] = []
    for row in rows:
        if row.convention_type:
            item = sp.Convention(row.convention_type.upper(), row.secondary_criterion or None)
            if item not in found:
                found.append(item)
    return tuple(found)


def _number(session: Session, contract: AmcContract) -> str:
    """The number the directory is searched by: the organism's n° préfectoral when set, else the AMC number."""
    organism = session.get(AmcOrganism, contract.amc_organism_id) if contract.amc_organism_id else None
    return (organism.prefectoral_number if organism is not None and organism.prefectoral_number
            else contract.amc_number)


def _in_directory(session: Session, number: str) -> bool:
    return session.scalar(select(AmcConvention.id).where(AmcConvention.amc_number == number).limit(1)) is not None


def choices(session: Session, contract: AmcContract, chosen: sp.Convention | None = None) -> Choice:
    """The conventions to choose from for the contract, narrowed by what was chosen or by the card's values;
    refused when the directory would list too many (``amc_conventions_too_many``)."""
    number = _number(session, contract)
    if not _in_directory(session, number):
        known = _from_contracts(session, contract)
        if chosen is not None:
            known = tuple(c for c in known if c.type == chosen.type and chosen.criterion in (None, c.criterion))
        return Choice("contrat", known)
    kind = chosen.type if chosen else (contract.convention_type or "").upper() or None
    criterion = chosen.criterion if chosen else (contract.secondary_criterion or "").upper() or None
    found = amc_conventions.search(session, number, kind, criterion, field=FIELD)
    return Choice("annuaire", tuple(sp.Convention(v.convention_type, v.secondary_criterion) for v in found.matches),
                  found.matches)


def _resolve(session: Session, contract: AmcContract, chosen: sp.Convention | None
             ) -> tuple[Choice, amc_conventions.ConventionView | None]:
    """The one convention of the invoice (or none), refused in French when it must be chosen or is unknown."""
    choice = choices(session, contract, chosen)
    listed = ", ".join(dict.fromkeys(c.label() for c in choice.conventions)) or "aucune"
    distinct = tuple(dict.fromkeys(choice.conventions))
    if chosen is None:
        if len(distinct) > 1:
            raise ValidationError(f"{FIELD} : plusieurs conventions pour {contract.amc_name} ({listed}) : choisissez "
                                  "la convention appropriée.", code="amc_convention_missing", field=FIELD)
    elif len(distinct) != 1:
        why = "précisez le critère secondaire" if distinct else "elle n'est pas identifiée pour ce contrat"
        everything = listed
        if not distinct and choice.source == "contrat":
            everything = ", ".join(c.label() for c in _from_contracts(session, contract))
        raise ValidationError(f"{FIELD} : convention {chosen.label()} : {why} (conventions : "
                              f"{everything or 'aucune'}).", code="amc_convention", field=FIELD)
    if choice.source != "annuaire" or len(distinct) != 1:
        return choice, None
    if len(choice.views) > 1:
        signatories = ", ".join(v.signatory_id for v in choice.views)
        raise ValidationError(f"{FIELD} : la convention {distinct[0].label()} figure pour plusieurs signataires "
                              f"({signatories}) dans l'annuaire : désactivez celles qui ne servent pas.",
                              code="amc_convention", field=FIELD)
    return choice, choice.views[0]


def _routing(session: Session, contract: AmcContract, convention: amc_conventions.ConventionView | None
             ) -> org.Routing:
    """The organism's routing (its management and DRE acceptance); a directory convention that does not allow
    DRE keeps the part off the wire. A contract outside the AMC list follows its own management, without DRE."""
    organism = session.get(AmcOrganism, contract.amc_organism_id) if contract.amc_organism_id else None
    if organism is None:
        return org.routing(contract.management, False)
    found = org.routing(organism.management, bool(organism.dre_accepted))
    if found is org.Routing.DRE and convention is not None and not convention.dre:
        return org.Routing.AUCUNE
    return found


def settle(session: Session, doc: dict[str, Any], details: sp.Details, day: date) -> None:
    """Check the convention and the PEC against the stored data and freeze the decision in ``doc[KEY]``."""
    doc.pop(KEY, None)
    chosen = details.specifics.amc_convention
    payer = doc.get("payer")
    payer = payer if isinstance(payer, Mapping) else {}
    contract_id = payer.get("amc_contract")
    pec = read_pec(payer, day)
    if contract_id is None:
        if chosen is not None:
            raise ValidationError(f"{FIELD} : choisissez d'abord le contrat complémentaire (payer.amc_contract).",
                                  code="amc_convention", field=FIELD)
        if pec is not None:
            raise ValidationError("payer.pec : une prise en charge va avec un contrat complémentaire "
                                  "(payer.amc_contract).", code="pec", field="payer.pec")
        return
    contract = session.get(AmcContract, contract_id)
    assert contract is not None  # checked with the payer
    choice, convention = _resolve(session, contract, chosen)
    if convention is not None and convention.pec_required and pec is None:
        raise ValidationError(f"payer.pec : la convention {convention.label()} de {contract.amc_name} exige un n° de "
                              "prise en charge et sa date (onglet PEC) : {\"number\": …, \"date\": …}.",
                              code="pec_required", field="payer.pec")
    routing = _routing(session, contract, convention)
    doc[KEY] = frozen(contract, routing, choice, convention, pec)
    if routing is org.Routing.AUCUNE and _top_m(session):
        doc[KEY]["top_m"] = True
    part = amc_part.read(doc)
    assert part is not None  # just written
    for where, why in amc_part.b2_problems(part):
        raise ValidationError(f"{where} : {why} ; la part complémentaire ne peut pas être télétransmise.",
                              code="amc_b2", field=where)


def _top_m(session: Session) -> bool:
    """The practice's « Demande à la CPAM de transmettre à la mutuelle (top M) » (manual 003 XI A), frozen in the
    draft so that the signed records keep the choice made when the invoice was written."""
    stored = read_setting(session, TELETRANSMISSION) or {}
    return stored.get("top_m") is True


def frozen(contract: AmcContract, routing: org.Routing, choice: Choice,
           convention: amc_conventions.ConventionView | None, pec: Pec | None) -> dict[str, Any]:
    single = choice.conventions[0] if len(set(choice.conventions)) == 1 else None
    described: dict[str, Any] | None = None
    if convention is not None:
        described = {"source": "annuaire", "signatory_id": convention.signatory_id,
                     "convention_type": convention.convention_type,
                     "secondary_criterion": convention.secondary_criterion,
                     "agreement_type": convention.agreement_type, "group_convention": convention.group_convention,
                     "dre": convention.dre, "pec_required": convention.pec_required}
    elif single is not None:
        described = {"source": "contrat", "convention_type": single.type, "secondary_criterion": single.criterion}
    return {"amc_number": contract.amc_number, "contract_type": contract.contract_type or "",
            "management": str(contract.management), "routing": routing.value, "convention": described,
            "pec": None if pec is None else {"number": pec.number, "date": pec.day.isoformat()}}


def list_conventions(ctx: Context, contract_id: object, refine: sp.Convention | None = None) -> list[sp.Convention]:
    """For the wizard: the conventions among which the user chooses for the contract (narrowed by ``refine``, the
    carte mutuelle's type and criterion, else by the contract's own); refused when there are too many
    (``amc_conventions_too_many``: ask for the type and the criterion, then call again with them)."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        return list(dict.fromkeys(choices(session, load_contract(session, contract_id), refine).conventions))

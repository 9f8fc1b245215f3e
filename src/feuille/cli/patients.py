"""CLI: patients (create, search, show, edit, delete) and their complementary insurances (patient amc ...)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

import typer
from rich.table import Table

from feuille.cli.common import aborted, confirm, console, err_console, handle_errors, print_json, state
from feuille.domain import organisms as org_dom
from feuille.domain import patients as dom
from feuille.errors import ValidationError
from feuille.money import format_number_fr
from feuille.practice import amc_contracts, patients

patient_app = typer.Typer(help="Patients : création, recherche, fiche, modification, suppression.",
                          no_args_is_help=True)
contract_app = typer.Typer(help="Mutuelles (organismes AMC) d'un patient : plusieurs, une sélectionnée.",
                           no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Sortie JSON.")
YES = typer.Option(False, "--oui", help="Ne pas demander de confirmation.")


def _warn(warnings: tuple[str, ...] | list[str]) -> None:
    for warning in warnings:
        err_console.print(f"[yellow]Attention :[/] {warning}", highlight=False)


def ask(value: str | None, label: str, *, required: bool = True) -> str | None:
    """At a terminal, ask for a value the options did not give (scripts get the service's French error)."""
    if value is not None or not sys.stdin.isatty():
        return value
    answer = typer.prompt(label, default="" if not required else None, show_default=False)
    return str(answer) if answer != "" else None


# --- options ------------------------------------------------------------------------------------------------------

NOM = typer.Option(None, "--nom", help="Nom du bénéficiaire (obligatoire).")
PRENOM = typer.Option(None, "--prenom", help="Prénom du bénéficiaire.")
NAISSANCE = typer.Option(None, "--naissance", help="Date de naissance JJ/MM/AAAA (obligatoire).")
LUNAIRE = typer.Option(None, "--lunaire/--non-lunaire", help="Date de naissance lunaire (ex. 00/00/1950).")
RANG = typer.Option(None, "--rang", help="Rang de naissance, 1 à 9 (défaut 1).")
QUALITE = typer.Option(None, "--qualite", help="Qualité : 0 assuré, 1 ascendant, 2 conjoint, … 6 enfant (défaut 0).")
NIR_BENEF = typer.Option(None, "--nir-beneficiaire", help="NIR propre du bénéficiaire (13 + clé).")
TEL = typer.Option(None, "--tel", help="Téléphone principal.")
TEL2 = typer.Option(None, "--tel2", help="Téléphone secondaire.")
ADRESSE = typer.Option(None, "--adresse", help="Adresse.")
CP = typer.Option(None, "--cp", help="Code postal.")
COMMUNE = typer.Option(None, "--commune", help="Commune.")
INFOS = typer.Option(None, "--infos", help="Informations complémentaires.")
IK = typer.Option(None, "--ik", help="Distance IK (plaine), en km.")
IKM = typer.Option(None, "--ikm", help="Distance IKM (montagne), en km.")
IKS = typer.Option(None, "--iks", help="Distance IKS (à pied ou à ski), en km.")
ASSURE_NOM = typer.Option(None, "--assure-nom", help="Nom de l'assuré (défaut : le bénéficiaire s'il est l'assuré).")
ASSURE_PRENOM = typer.Option(None, "--assure-prenom", help="Prénom de l'assuré.")
NIR = typer.Option(None, "--nir", help="N° de sécurité sociale de l'assuré : 13 caractères + clé.")
AMO = typer.Option(None, "--amo", help="Organisme AMO choisi dans la liste (n° de fiche, voir « feuille amo liste »).")
REGIME = typer.Option(None, "--regime", help="Régime AMO (2 chiffres), si l'organisme est saisi.")
CAISSE = typer.Option(None, "--caisse", help="Caisse AMO (3 chiffres).")
CENTRE = typer.Option(None, "--centre", help="Centre AMO (4 chiffres).")
GESTION = typer.Option(None, "--code-gestion", help="Code gestion (2 chiffres).")
# The code lists shown in help are read from the domain's tables, never retyped here.
PIECE = typer.Option(None, "--piece", help=f"Pièce justificative : {', '.join(dom.AmoProof)}.")
TAUX = typer.Option(None, "--taux", help="Taux de remboursement, sans carte ni ADRi : "
                                         f"{', '.join(dom.REIMBURSEMENT_RATES)}.")
EXO = typer.Option(None, "--exoneration", help=f"Code exonération : {', '.join(dom.EXONERATIONS)}.")
ALD = typer.Option(None, "--ald/--sans-ald", help="Patient en ALD.")
ALSACE = typer.Option(None, "--alsace-moselle/--hors-alsace-moselle", help="Bénéficiaire du régime Alsace-Moselle.")
DROITS = typer.Option(None, "--droits", help="Droits AMO « début:fin » (répétable).")
COUVERTURE = typer.Option(None, "--couverture", help="Période de couverture « début:fin:exonération » (répétable).")
ALD_PERIODE = typer.Option(None, "--ald-periode", help="Couverture ALD « début:fin » (répétable).")
SERVICE = typer.Option(None, "--service", help="Service AMO « code:début:fin », ex. C2S:01/01/2025:31/12/2025.")
AT = typer.Option(None, "--at", help="Accident du travail « date:identifiant:code:organisme » (répétable).")
SANS_PERIODES = typer.Option(False, "--sans-periodes", help="Efface toutes les périodes (modification).")


def _split_spec(spec: str, names: tuple[str, ...], field: str, label: str) -> dict[str, object]:
    parts = spec.split(":")
    if len(parts) > len(names):
        raise ValidationError(f"{label} : « {spec} » attendu sous la forme {':'.join(names)}.", code="format",
                              field=field)
    return {name: part for name, part in zip(names, parts, strict=False) if part != ""}


def _periods(droits: list[str] | None, couverture: list[str] | None, ald: list[str] | None,
             service: list[str] | None) -> list[dict[str, object]] | None:
    if not (droits or couverture or ald or service):
        return None
    found: list[dict[str, object]] = []
    for spec in droits or []:
        found.append({"kind": "droits_amo", **_split_spec(spec, ("start", "end"), "periods", "Droits AMO")})
    for spec in couverture or []:
        found.append({"kind": "couverture", **_split_spec(spec, ("start", "end", "code"), "periods", "Couverture")})
    for spec in ald or []:
        found.append({"kind": "ald", **_split_spec(spec, ("start", "end"), "periods", "Couverture ALD")})
    for spec in service or []:
        found.append({"kind": "service_amo", **_split_spec(spec, ("code", "start", "end"), "periods",
                                                           "Service AMO")})
    return found


def _accidents(specs: list[str] | None) -> list[dict[str, object]] | None:
    if not specs:
        return None
    return [_split_spec(spec, ("date", "identifier", "code", "organism"), "work_accidents", "Accident du travail")
            for spec in specs]


def _data(**options: Any) -> dict[str, object]:
    return {key: value for key, value in options.items() if value is not None}


def _patient_options(nom: str | None, prenom: str | None, naissance: str | None, lunaire: bool | None,
                     rang: str | None, qualite: str | None, nir_beneficiaire: str | None, tel: str | None,
                     tel2: str | None, adresse: str | None, cp: str | None, commune: str | None, infos: str | None,
                     ik: str | None, ikm: str | None, iks: str | None, assure_nom: str | None,
                     assure_prenom: str | None, nir: str | None, amo: str | None, regime: str | None,
                     caisse: str | None, centre: str | None, code_gestion: str | None, piece: str | None,
                     taux: str | None, exoneration: str | None, ald: bool | None, alsace_moselle: bool | None,
                     droits: list[str] | None, couverture: list[str] | None, ald_periode: list[str] | None,
                     service: list[str] | None, at: list[str] | None) -> dict[str, object]:
    return _data(
        last_name=nom, first_name=prenom, birth_date=naissance, lunar=lunaire, rank=rang, quality=qualite,
        beneficiary_nir=nir_beneficiaire, phone=tel, phone2=tel2, address=adresse, postcode=cp, town=commune,
        extra_info=infos, ik=ik, ikm=ikm, iks=iks, insured_last_name=assure_nom, insured_first_name=assure_prenom,
        insured_nir=nir, amo_organism_id=amo, amo_regime=regime, amo_caisse=caisse, amo_centre=centre,
        amo_management_code=code_gestion, amo_proof=piece, reimbursement_rate=taux, exoneration=exoneration,
        ald=ald, alsace_moselle=alsace_moselle, periods=_periods(droits, couverture, ald_periode, service),
        work_accidents=_accidents(at),
    )


def patient_json(view: patients.PatientView) -> dict[str, object]:
    return {"id": view.id, "source": view.source, **view.values, "birth_date": view.birth_date, "lunar": view.lunar,
            "amo_organism_id": view.amo_organism_id, "periods": view.periods, "work_accidents": view.work_accidents,
            "contracts": [asdict(c) for c in view.contracts], "warnings": view.warnings}


# --- patient commands ---------------------------------------------------------------------------------------------

@patient_app.command("add", help="Crée un patient saisi à la main.")
@handle_errors
def patient_add(nom: str | None = NOM, prenom: str | None = PRENOM, naissance: str | None = NAISSANCE,
                lunaire: bool = LUNAIRE, rang: str = RANG, qualite: str = QUALITE, nir_beneficiaire: str = NIR_BENEF,
                tel: str = TEL, tel2: str = TEL2, adresse: str = ADRESSE, cp: str = CP, commune: str = COMMUNE,
                infos: str = INFOS, ik: str = IK, ikm: str = IKM, iks: str = IKS, assure_nom: str = ASSURE_NOM,
                assure_prenom: str = ASSURE_PRENOM, nir: str | None = NIR, amo: str = AMO, regime: str = REGIME,
                caisse: str = CAISSE, centre: str = CENTRE, code_gestion: str = GESTION, piece: str = PIECE,
                taux: str = TAUX, exoneration: str = EXO, ald: bool = ALD, alsace_moselle: bool = ALSACE,
                droits: list[str] = DROITS, couverture: list[str] = COUVERTURE, ald_periode: list[str] = ALD_PERIODE,
                service: list[str] = SERVICE, at: list[str] = AT, json_out: bool = JSON) -> None:
    ctx = state.context()
    if nom is None:  # interactive, as on the reader: the required fields, then the usual ones
        nom = ask(nom, "Nom")
        prenom = ask(prenom, "Prénom", required=False)
        naissance = ask(naissance, "Date de naissance (JJ/MM/AAAA)")
        nir = ask(nir, "N° de sécurité sociale de l'assuré (13 + clé)", required=False)
    data = _patient_options(nom, prenom, naissance, lunaire, rang, qualite, nir_beneficiaire, tel, tel2, adresse,
                            cp, commune, infos, ik, ikm, iks, assure_nom, assure_prenom, nir, amo, regime, caisse,
                            centre, code_gestion, piece, taux, exoneration, ald, alsace_moselle, droits, couverture,
                            ald_periode, service, at)
    saved = patients.create_patient(ctx, data)
    _warn(saved.warnings)
    if json_out:
        print_json(patient_json(patients.get_patient(ctx, saved.id)))
        return
    console.print(f"Enregistrement correctement effectué : patient n° {saved.id}.")


@patient_app.command("edit", help="Modifie un patient (seules les options données changent ; "
                                  "patient créé depuis la carte : téléphones, adresse et IK seulement).")
@handle_errors
def patient_edit(patient_id: int = typer.Argument(..., help="Numéro du patient."), nom: str = NOM,
                 prenom: str = PRENOM, naissance: str = NAISSANCE, lunaire: bool = LUNAIRE, rang: str = RANG,
                 qualite: str = QUALITE, nir_beneficiaire: str = NIR_BENEF, tel: str = TEL, tel2: str = TEL2,
                 adresse: str = ADRESSE, cp: str = CP, commune: str = COMMUNE, infos: str = INFOS, ik: str = IK,
                 ikm: str = IKM, iks: str = IKS, assure_nom: str = ASSURE_NOM, assure_prenom: str = ASSURE_PRENOM,
                 nir: str = NIR, amo: str = AMO, regime: str = REGIME, caisse: str = CAISSE, centre: str = CENTRE,
                 code_gestion: str = GESTION, piece: str = PIECE, taux: str = TAUX, exoneration: str = EXO,
                 ald: bool = ALD, alsace_moselle: bool = ALSACE, droits: list[str] = DROITS,
                 couverture: list[str] = COUVERTURE, ald_periode: list[str] = ALD_PERIODE,
                 service: list[str] = SERVICE, at: list[str] = AT, sans_periodes: bool = SANS_PERIODES,
                 json_out: bool = JSON) -> None:
    ctx = state.context()
    data = _patient_options(nom, prenom, naissance, lunaire, rang, qualite, nir_beneficiaire, tel, tel2, adresse,
                            cp, commune, infos, ik, ikm, iks, assure_nom, assure_prenom, nir, amo, regime, caisse,
                            centre, code_gestion, piece, taux, exoneration, ald, alsace_moselle, droits, couverture,
                            ald_periode, service, at)
    if sans_periodes:
        data["periods"] = []
    saved = patients.update_patient(ctx, patient_id, data)
    _warn(saved.warnings)
    if json_out:
        print_json(patient_json(patients.get_patient(ctx, saved.id)))
        return
    console.print("Les modifications ont bien été prises en compte.")


@patient_app.command("list", help="Recherche les patients dont le nom ou le prénom commence par PREFIXE.")
@handle_errors
def patient_list(prefixe: str = typer.Argument("", help="Premières lettres du nom ou du prénom."),
                 ordre: str = typer.Option("asc", "--ordre", help="asc (croissant) ou desc (décroissant)."),
                 limite: int = typer.Option(50, "--limite", help="Nombre de patients affichés (1 à 1000)."),
                 json_out: bool = JSON) -> None:
    found = patients.search_patients(state.context(), prefixe, order=ordre, limit=limite)
    if json_out:
        print_json([asdict(p) for p in found])
        return
    table = Table("N°", "Nom", "Prénom", "Naissance", "Rang", "NIR assuré", "Origine")
    for p in found:
        table.add_row(str(p.id), p.last_name, p.first_name or "", p.birth_date, str(p.rank), p.insured_nir or "",
                      _label(dom.SOURCE_LABELS, p.source))
    console.print(table)


patient_app.command("search", help="Synonyme de « list ».")(patient_list)


def _label(labels: Mapping[Any, str], code: str | None) -> str | None:
    """A stored code under its French label (a code the table does not know, edited in the database, as is)."""
    return None if code is None else labels.get(code, code)


def _coded(labels: Mapping[str, str], code: str | None) -> str | None:
    """« 5 - Assuré ou bénéficiaire exonéré »: the code kept, as the forms ask for it."""
    return None if code is None else f"{code} - {labels[code]}" if code in labels else code


def _period(period: Mapping[str, Any]) -> str:
    """« Service AMO C2S du 01/01/2026 au 31/12/2026 », « Période de couverture à partir du 01/01/2025 (4 - …) »."""
    start, end = period["start"], period["end"]
    kind = dom.PeriodKind(period["kind"]) if period["kind"] in set(dom.PeriodKind) else None
    text = dom.PERIOD_LABELS[kind] if kind else str(period["kind"])
    if kind == dom.PeriodKind.SERVICE and period["code"]:
        text += f" {period['code']}"
    text += (f" du {_day(start)} au {_day(end)}" if start and end else f" à partir du {_day(start)}" if start
             else f" jusqu'au {_day(end)}" if end else " sans dates")
    if kind == dom.PeriodKind.COUVERTURE and period["code"]:  # its prise en charge: an exonération code
        text += f" ({_coded(dom.EXONERATIONS, period['code'])})"
    elif kind != dom.PeriodKind.SERVICE and period["code"]:
        text += f" ({period['code']})"
    return text


def _km(value: Decimal | None) -> str | None:
    """A distance of the record in French (« 12,5 km »), nothing when none is set (0 is the field's empty)."""
    return f"{format_number_fr(value)} km" if value else None


def _day(value: date | str) -> str:
    return f"{value:%d/%m/%Y}" if isinstance(value, date) else str(value)


@patient_app.command("show", help="Affiche la fiche d'un patient et ses mutuelles.")
@handle_errors
def patient_show(patient_id: int = typer.Argument(..., help="Numéro du patient."), json_out: bool = JSON) -> None:
    view = patients.get_patient(state.context(), patient_id)
    if json_out:
        print_json(patient_json(view))
        return
    values = view.values
    console.print(f"[bold]{values['last_name']} {values['first_name'] or ''}[/] (n° {view.id}, "
                  f"{_label(dom.SOURCE_LABELS, view.source)})", highlight=False)
    lines = [("Né(e) le", view.birth_date + (" (date lunaire)" if view.lunar else "")),
             ("Rang", values["rank"]), ("Qualité", f"{values['quality']} - {dom.QUALITIES[values['quality']]}")]
    lines += [(dom.FIELD_LABELS[k], values[k]) for k in ("phone", "phone2", "address", "postcode", "town",
                                                          "extra_info")]
    lines += [(dom.FIELD_LABELS[k], _km(values[k])) for k in ("ik", "ikm", "iks")]
    lines += [(dom.FIELD_LABELS[k], values[k]) for k in ("insured_last_name", "insured_first_name", "insured_nir",
                                                          "amo_regime", "amo_caisse", "amo_centre")]
    lines += [(dom.FIELD_LABELS["amo_proof"], _label(dom.AMO_PROOF_LABELS, values["amo_proof"])),
              (dom.FIELD_LABELS["reimbursement_rate"], _label(dom.REIMBURSEMENT_RATES, values["reimbursement_rate"])),
              (dom.FIELD_LABELS["exoneration"], _coded(dom.EXONERATIONS, values["exoneration"])),
              ("ALD", "oui" if values["ald"] else "non"),
              ("Alsace-Moselle", "oui" if values["alsace_moselle"] else "non")]
    for label, value in lines:
        if value not in (None, ""):
            console.print(f"{label} : {value}", highlight=False)
    for period in view.periods:
        console.print(_period(period), highlight=False)
    for accident in view.work_accidents:
        console.print(f"AT du {accident['date']:%d/%m/%Y} {accident['identifier'] or ''}", highlight=False)
    for contract in view.contracts:
        mark = "[green]●[/]" if contract.selected else "○"
        console.print(f"{mark} Mutuelle n° {contract.id} : {contract.label()}", highlight=False)
    _warn(view.warnings)


@patient_app.command("delete", help="Supprime un patient (après confirmation).")
@handle_errors
def patient_delete(patient_id: int = typer.Argument(..., help="Numéro du patient."), oui: bool = YES) -> None:
    ctx = state.context()
    view = patients.get_patient(ctx, patient_id)
    who = f"{view.values['last_name']} {view.values['first_name'] or ''}".strip()
    if not confirm(f"Supprimer le dossier de {who} ?", oui):
        raise aborted()
    patients.delete_patient(ctx, patient_id)
    console.print(f"Patient {who} supprimé.", highlight=False)


# --- patient amc ... ----------------------------------------------------------------------------------------------

ORGANISME = typer.Option(None, "--organisme", help="Organisme choisi dans la liste AMC (numéro de fiche).")
AMC_NOM = typer.Option(None, "--nom", help="Nom de la mutuelle (si elle n'est pas choisie dans la liste).")
AMC_NUMERO = typer.Option(None, "--numero", help="Numéro AMC (si elle n'est pas choisie dans la liste).")
AJOUTER = typer.Option(False, "--ajouter-a-la-liste", help="Ajoute aussi ce nouvel organisme à la liste AMC.")
AMC_PIECE = typer.Option(None, "--piece", help="Pièce justificative : aucune, attestation, carte_vitale, "
                                               "autre_support.")
AMC_GESTION = typer.Option(None, "--gestion", help="separee ou unique.")
DEBUT = typer.Option(None, "--debut", help="Début des droits JJ/MM/AAAA.")
FIN = typer.Option(None, "--fin", help="Fin des droits JJ/MM/AAAA.")
ANNEE = typer.Option(False, "--annee-en-cours", help="Définir l'année en cours comme période de droits.")
ADHERENT = typer.Option(None, "--adherent", help="N° adhérent AMC.")
CRITERE = typer.Option(None, "--critere", help="Critère secondaire (CSR).")
CONVENTION = typer.Option(None, "--convention", help="Type de convention (ex. AL).")
INDICATEUR = typer.Option(None, "--indicateur", help="Indicateur de traitement (ex. 22).")
DATE_REF = typer.Option(None, "--date-reference", help="execution, prescription ou facturation.")
AIGUILLAGE = typer.Option(None, "--aiguillage", help="Aiguillage STS.")
TYPE_CONTRAT = typer.Option(None, "--type-contrat", help="Type de contrat (89 = C2S).")
NUM_COMPL = typer.Option(None, "--numero-complementaire", help="N° organisme complémentaire.")
ROUTAGE = typer.Option(None, "--routage", help="Code routage.")
HOTE = typer.Option(None, "--hote", help="Hôte.")
DOMAINE = typer.Option(None, "--domaine", help="Domaine.")
FORMULE = typer.Option(None, "--formule", help="Formule : 012, 020, 021, 029, 02A, 050 ou 052.")
POURCENTAGE = typer.Option(None, "--pourcentage", help="Paramètre de la formule 012, 021, 02A ou 050 (en %).")
MONTANT = typer.Option(None, "--montant", help="Montant forfaitaire de prise en charge (au lieu d'une formule).")


def _contract_options(organisme: str | None, nom: str | None, numero: str | None, piece: str | None,
                      gestion: str | None, debut: str | None, fin: str | None, annee: bool, adherent: str | None,
                      critere: str | None, convention: str | None, indicateur: str | None, date_ref: str | None,
                      aiguillage: str | None, type_contrat: str | None, num_compl: str | None, routage: str | None,
                      hote: str | None, domaine: str | None, formule: str | None, pourcentage: str | None,
                      montant: str | None) -> dict[str, object]:
    return _data(amc_organism_id=organisme, amc_name=nom, amc_number=numero, amc_proof=piece, management=gestion,
                 rights_start=debut, rights_end=fin, current_year=annee or None, adherent_number=adherent,
                 secondary_criterion=critere, convention_type=convention, treatment_indicator=indicateur,
                 reference_date=date_ref, sts_routing=aiguillage, contract_type=type_contrat,
                 complementary_number=num_compl, routing_code=routage, host=hote, domain=domaine, formula=formule,
                 formula_rate=pourcentage, fixed_amount=montant)


def _contract_json(view: amc_contracts.ContractView) -> dict[str, object]:
    return {**asdict(view), "label": view.label()}


def _print_contract(view: amc_contracts.ContractView) -> None:
    mark = " (sélectionnée)" if view.selected else ""
    console.print(f"Mutuelle n° {view.id}{mark} : {view.label()}", highlight=False)
    formula = ""
    if view.formula:
        formula = f"{view.formula} {org_dom.FORMULA_LABELS[org_dom.Formula(view.formula)]}"
        formula += f" ({view.formula_rate} %)" if view.formula_rate is not None else ""
    elif view.fixed_amount is not None:
        formula = f"montant forfaitaire {view.fixed_amount} €"
    for label, value in (("N° AMC", view.amc_number),
                         ("Gestion", _label(org_dom.MANAGEMENT_LABELS, view.management)),
                         ("Pièce", _label(org_dom.AMC_PROOF_LABELS, view.amc_proof)),
                         ("N° adhérent", view.adherent_number), ("Critère secondaire", view.secondary_criterion),
                         ("Type de convention", view.convention_type), ("Indicateur", view.treatment_indicator),
                         ("Date de référence", _label(org_dom.REFERENCE_DATE_LABELS, view.reference_date)),
                         ("Aiguillage STS", view.sts_routing),
                         ("Type contrat", view.contract_type), ("N° complémentaire", view.complementary_number),
                         ("Code routage", view.routing_code), ("Hôte", view.host), ("Domaine", view.domain),
                         ("Formule", formula), ("Origine", _label(dom.SOURCE_LABELS, view.source))):
        if value:
            console.print(f"  {label} : {value}", highlight=False)


@contract_app.command("add", help="Ajoute une mutuelle au patient (elle devient la mutuelle sélectionnée).")
@handle_errors
def contract_add(patient_id: int = typer.Argument(..., help="Numéro du patient."), organisme: str = ORGANISME,
                 nom: str = AMC_NOM, numero: str = AMC_NUMERO, ajouter: bool = AJOUTER, piece: str = AMC_PIECE,
                 gestion: str = AMC_GESTION, debut: str = DEBUT, fin: str = FIN, annee: bool = ANNEE,
                 adherent: str = ADHERENT, critere: str = CRITERE, convention: str = CONVENTION,
                 indicateur: str = INDICATEUR, date_ref: str = DATE_REF, aiguillage: str = AIGUILLAGE,
                 type_contrat: str = TYPE_CONTRAT, num_compl: str = NUM_COMPL, routage: str = ROUTAGE,
                 hote: str = HOTE, domaine: str = DOMAINE, formule: str = FORMULE, pourcentage: str = POURCENTAGE,
                 montant: str = MONTANT, json_out: bool = JSON) -> None:
    ctx = state.context()
    data = _contract_options(organisme, nom, numero, piece, gestion, debut, fin, annee, adherent, critere,
                             convention, indicateur, date_ref, aiguillage, type_contrat, num_compl, routage, hote,
                             domaine, formule, pourcentage, montant)
    if ajouter:
        data["add_to_list"] = True
    new_id = amc_contracts.add_amc_contract(ctx, patient_id, data)
    view = amc_contracts.get_amc_contract(ctx, new_id)
    if json_out:
        print_json(_contract_json(view))
        return
    console.print(f"Mutuelle n° {new_id} ajoutée : {view.label()}.", highlight=False)


@contract_app.command("edit", help="Modifie une mutuelle saisie (une mutuelle lue sur la carte se duplique).")
@handle_errors
def contract_edit(contract_id: int = typer.Argument(..., help="Numéro de la mutuelle."),
                  organisme: str = ORGANISME, nom: str = AMC_NOM, numero: str = AMC_NUMERO, piece: str = AMC_PIECE,
                  gestion: str = AMC_GESTION, debut: str = DEBUT, fin: str = FIN, annee: bool = ANNEE,
                  adherent: str = ADHERENT, critere: str = CRITERE, convention: str = CONVENTION,
                  indicateur: str = INDICATEUR, date_ref: str = DATE_REF, aiguillage: str = AIGUILLAGE,
                  type_contrat: str = TYPE_CONTRAT, num_compl: str = NUM_COMPL, routage: str = ROUTAGE,
                  hote: str = HOTE, domaine: str = DOMAINE, formule: str = FORMULE,
                  pourcentage: str = POURCENTAGE, montant: str = MONTANT) -> None:
    data = _contract_options(organisme, nom, numero, piece, gestion, debut, fin, annee, adherent, critere,
                             convention, indicateur, date_ref, aiguillage, type_contrat, num_compl, routage, hote,
                             domaine, formule, pourcentage, montant)
    amc_contracts.update_amc_contract(state.context(), contract_id, data)
    console.print("Les modifications ont bien été prises en compte.")


@contract_app.command("list", help="Liste les mutuelles d'un patient.")
@handle_errors
def contract_list(patient_id: int = typer.Argument(..., help="Numéro du patient."), json_out: bool = JSON) -> None:
    views = amc_contracts.list_amc_contracts(state.context(), patient_id)
    if json_out:
        print_json([_contract_json(v) for v in views])
        return
    if not views:
        console.print("Aucune mutuelle.")
    for view in views:
        _print_contract(view)


@contract_app.command("show", help="Affiche une mutuelle.")
@handle_errors
def contract_show(contract_id: int = typer.Argument(..., help="Numéro de la mutuelle."),
                  json_out: bool = JSON) -> None:
    view = amc_contracts.get_amc_contract(state.context(), contract_id)
    if json_out:
        print_json(_contract_json(view))
        return
    _print_contract(view)


@contract_app.command("select", help="Sélectionne la mutuelle utilisée pour facturer.")
@handle_errors
def contract_select(contract_id: int = typer.Argument(..., help="Numéro de la mutuelle.")) -> None:
    amc_contracts.select_amc_contract(state.context(), contract_id)
    console.print(f"Mutuelle n° {contract_id} sélectionnée.")


@contract_app.command("duplicate", help="Duplique une mutuelle (pour modifier celle lue sur la carte Vitale).")
@handle_errors
def contract_duplicate(contract_id: int = typer.Argument(..., help="Numéro de la mutuelle."),
                       json_out: bool = JSON) -> None:
    ctx = state.context()
    new_id = amc_contracts.duplicate_amc_contract(ctx, contract_id)
    if json_out:
        print_json(_contract_json(amc_contracts.get_amc_contract(ctx, new_id)))
        return
    console.print(f"Mutuelle dupliquée : n° {new_id} (sélectionnée).")


@contract_app.command("delete", help="Supprime la mutuelle (après confirmation).")
@handle_errors
def contract_delete(contract_id: int = typer.Argument(..., help="Numéro de la mutuelle."), oui: bool = YES) -> None:
    ctx = state.context()
    view = amc_contracts.get_amc_contract(ctx, contract_id)
    if not confirm(f"Supprimer la mutuelle {view.label()} ?", oui):
        raise aborted()
    amc_contracts.delete_amc_contract(ctx, contract_id)
    console.print(f"Mutuelle n° {contract_id} supprimée.")


def register(app: typer.Typer) -> None:
    from feuille.cli import patient_import  # its own module: this one is long enough

    patient_import.register(patient_app)
    patient_app.add_typer(contract_app, name="amc")
    app.add_typer(patient_app, name="patient")

"""CLI: the AMO and AMC organism lists (Paramètres SV)."""

from __future__ import annotations

import sys
from dataclasses import asdict

import typer
from rich.table import Table

from feuille.cli.common import aborted, confirm, console, handle_errors, print_json, state
from feuille.domain.organisms import ROUTING_LABELS
from feuille.nomenclature import amo_names
from feuille.practice import organisms

amo_app = typer.Typer(help="Liste des organismes AMO utilisés (régime, caisse, centre).", no_args_is_help=True)
amc_app = typer.Typer(help="Liste des organismes AMC (mutuelles) : nom, numéro, type de contrat, gestion.",
                      no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Sortie JSON.")
YES = typer.Option(False, "--oui", help="Ne pas demander de confirmation.")
SEARCH = typer.Option(None, "--recherche", "-r", help="Une partie du nom, ou le début du code / numéro.")


def ask(value: str | None, label: str) -> str | None:
    """At a terminal, ask for a required value the options did not give (scripts get the French error)."""
    if value is not None or not sys.stdin.isatty():
        return value
    return str(typer.prompt(label))


def _given(**options: object) -> dict[str, object]:
    """Only the options the user typed (an empty string clears a field on edit)."""
    return {key: value for key, value in options.items() if value is not None}


# --- AMO ----------------------------------------------------------------------------------------------------------

REGIME = typer.Option(None, "--regime", help="Régime, 2 chiffres (obligatoire), ex. 01.")
CAISSE = typer.Option(None, "--caisse", help="Caisse, 3 chiffres (obligatoire), ex. 349.")
CENTRE = typer.Option(None, "--centre", help="Centre, 4 chiffres (obligatoire), ex. 9881.")
LIBELLE = typer.Option(None, "--nom", help="Libellé, ex. « Flux CNAMTS CNDA ».")
FLUX = typer.Option(None, "--flux", help="Flux.")
COMMENT = typer.Option(None, "--commentaire", help="Commentaire.")
RECIPIENT = typer.Option(None, "--type-destinataire", help="Type destinataire.")


def _amo_json(view: organisms.AmoView) -> dict[str, object]:
    return {**asdict(view), "code": view.code}


@amo_app.command("add", help="Ajoute un organisme AMO à la liste.")
@handle_errors
def amo_add(regime: str | None = REGIME, caisse: str | None = CAISSE, centre: str | None = CENTRE, nom: str = LIBELLE,
            flux: str = FLUX, commentaire: str = COMMENT, type_destinataire: str = RECIPIENT,
            json_out: bool = JSON) -> None:
    ctx = state.context()
    regime, caisse, centre = ask(regime, "Régime"), ask(caisse, "Caisse"), ask(centre, "Centre")
    proposed = amo_names.suggested_name(regime, caisse, centre) if nom is None else None
    if proposed is not None and sys.stdin.isatty():
        nom = str(typer.prompt("Libellé (proposé par la table des organismes du SNDS)", default=proposed))
        proposed = None
    new_id = organisms.add_amo_organism(ctx, _given(regime=regime, caisse=caisse, centre=centre, name=nom, flux=flux,
                                                    comment=commentaire, recipient_type=type_destinataire))
    view = organisms.get_amo_organism(ctx, new_id)
    if json_out:
        print_json(_amo_json(view))
        return
    console.print(f"Organisme AMO n° {new_id} ajouté : {view.code} {view.name or ''}".rstrip(), highlight=False)
    if proposed is not None:
        console.print(f"Libellé proposé par la table des organismes du SNDS : « {proposed} » (--nom pour "
                      "l'enregistrer).", highlight=False)


@amo_app.command("edit", help="Modifie un organisme AMO (seules les options données changent).")
@handle_errors
def amo_edit(organism_id: int = typer.Argument(..., help="Numéro de la fiche."), regime: str = REGIME,
             caisse: str = CAISSE, centre: str = CENTRE, nom: str = LIBELLE, flux: str = FLUX,
             commentaire: str = COMMENT, type_destinataire: str = RECIPIENT) -> None:
    ctx = state.context()
    organisms.update_amo_organism(ctx, organism_id, _given(regime=regime, caisse=caisse, centre=centre, name=nom,
                                                           flux=flux, comment=commentaire,
                                                           recipient_type=type_destinataire))
    console.print("Les modifications ont bien été prises en compte.")


@amo_app.command("delete", help="Supprime un organisme AMO de la liste (après confirmation).")
@handle_errors
def amo_delete(organism_id: int = typer.Argument(..., help="Numéro de la fiche."), oui: bool = YES) -> None:
    ctx = state.context()
    view = organisms.get_amo_organism(ctx, organism_id)
    if not confirm(f"Confirmez-vous la suppression de la fiche d'organisme AMO {view.code} "
                   f"{view.name or ''} ?", oui):
        raise aborted()
    organisms.delete_amo_organism(ctx, organism_id)
    console.print(f"Organisme AMO {view.code} supprimé.")


@amo_app.command("show", help="Affiche une fiche d'organisme AMO.")
@handle_errors
def amo_show(organism_id: int = typer.Argument(..., help="Numéro de la fiche."), json_out: bool = JSON) -> None:
    view = organisms.get_amo_organism(state.context(), organism_id)
    if json_out:
        print_json(_amo_json(view))
        return
    for label, value in (("Régime", view.regime), ("Caisse", view.caisse), ("Centre", view.centre),
                         ("Libellé", view.name), ("Flux", view.flux), ("Commentaire", view.comment),
                         ("Type destinataire", view.recipient_type)):
        console.print(f"{label} : {value or ''}", highlight=False)


@amo_app.command("list", help="Liste les organismes AMO par ordre alphabétique.")
@handle_errors
def amo_list(recherche: str = SEARCH, json_out: bool = JSON) -> None:
    views = organisms.list_amo_organisms(state.context(), recherche)
    if json_out:
        print_json([_amo_json(v) for v in views])
        return
    table = Table("N°", "Libellé", "Code", "Flux", "Commentaire")
    for v in views:
        table.add_row(str(v.id), v.name or "", v.code, v.flux or "", v.comment or "")
    console.print(table)


# --- AMC ----------------------------------------------------------------------------------------------------------

NOM = typer.Option(None, "--nom", help="Nom de l'organisme (obligatoire).")
NUMERO = typer.Option(None, "--numero", help="Numéro NRM ou AMC (obligatoire).")
TYPE_CONTRAT = typer.Option(None, "--type-contrat", help="Type de contrat (obligatoire ; 89 réservé à la C2S).")
GESTION = typer.Option(None, "--gestion", help="separee (défaut) ou unique.")
ADRESSE = typer.Option(None, "--adresse", help="Adresse.")
CP = typer.Option(None, "--cp", help="Code postal.")
VILLE = typer.Option(None, "--ville", help="Ville.")
TEL = typer.Option(None, "--tel", help="Téléphone.")
FAX = typer.Option(None, "--fax", help="Fax.")
EMAIL = typer.Option(None, "--email", help="Email.")
CONTACT = typer.Option(None, "--contact", help="Contact.")
PREFECTORAL = typer.Option(None, "--numero-prefectoral",
                           help="N° préfectoral (télétransmission : recherche des conventions).")
DRE = typer.Option(None, "--dre", help="La complémentaire accepte les DRE : oui ou non (gestion séparée).")
DRE_ADDRESS = typer.Option(None, "--adresse-dre",
                           help="Adresse des DRE : boîte aux lettres de la complémentaire ou de son concentrateur.")


def _amc_values(nom: str | None, numero: str | None, type_contrat: str | None, gestion: str | None,
                adresse: str | None, cp: str | None, ville: str | None, tel: str | None, fax: str | None,
                email: str | None, contact: str | None, commentaire: str | None,
                teletransmission: tuple[str | None, str | None, str | None] = (None, None, None),
                ) -> dict[str, object]:
    prefectoral, dre, dre_address = teletransmission
    return _given(name=nom, number=numero, contract_type=type_contrat, management=gestion, address=adresse,
                  postcode=cp, town=ville, phone=tel, fax=fax, email=email, contact=contact, comment=commentaire,
                  prefectoral_number=prefectoral, dre_accepted=dre, dre_address=dre_address)


def _amc_json(view: organisms.AmcView) -> dict[str, object]:
    return {**asdict(view), "routing": view.routing.value}


@amc_app.command("add", help="Ajoute un organisme AMC à la liste.")
@handle_errors
def amc_add(nom: str | None = NOM, numero: str | None = NUMERO, type_contrat: str | None = TYPE_CONTRAT,
            gestion: str = GESTION, adresse: str = ADRESSE, cp: str = CP, ville: str = VILLE, tel: str = TEL,
            fax: str = FAX, email: str = EMAIL, contact: str = CONTACT, commentaire: str = COMMENT,
            numero_prefectoral: str = PREFECTORAL, dre: str = DRE, adresse_dre: str = DRE_ADDRESS,
            json_out: bool = JSON) -> None:
    ctx = state.context()
    nom, numero = ask(nom, "Nom"), ask(numero, "Numéro (NRM ou AMC)")
    type_contrat = ask(type_contrat, "Type contrat (valeur 89 réservée C2S)")
    new_id = organisms.add_amc_organism(ctx, _amc_values(nom, numero, type_contrat, gestion, adresse, cp, ville,
                                                         tel, fax, email, contact, commentaire,
                                                         (numero_prefectoral, dre, adresse_dre)))
    view = organisms.get_amc_organism(ctx, new_id)
    if json_out:
        print_json(_amc_json(view))
        return
    console.print(f"Organisme AMC n° {new_id} ajouté : {view.name} (n° {view.number}).", highlight=False)


@amc_app.command("edit", help="Modifie un organisme AMC (seules les options données changent).")
@handle_errors
def amc_edit(organism_id: int = typer.Argument(..., help="Numéro de la fiche."), nom: str = NOM,
             numero: str = NUMERO, type_contrat: str = TYPE_CONTRAT, gestion: str = GESTION, adresse: str = ADRESSE,
             cp: str = CP, ville: str = VILLE, tel: str = TEL, fax: str = FAX, email: str = EMAIL,
             contact: str = CONTACT, commentaire: str = COMMENT, numero_prefectoral: str = PREFECTORAL,
             dre: str = DRE, adresse_dre: str = DRE_ADDRESS) -> None:
    ctx = state.context()
    organisms.update_amc_organism(ctx, organism_id, _amc_values(nom, numero, type_contrat, gestion, adresse, cp,
                                                                ville, tel, fax, email, contact, commentaire,
                                                                (numero_prefectoral, dre, adresse_dre)))
    console.print("Les modifications ont bien été prises en compte.")


@amc_app.command("delete", help="Supprime un organisme AMC de la liste (après confirmation).")
@handle_errors
def amc_delete(organism_id: int = typer.Argument(..., help="Numéro de la fiche."), oui: bool = YES) -> None:
    ctx = state.context()
    view = organisms.get_amc_organism(ctx, organism_id)
    if not confirm(f"Confirmez-vous la suppression de la fiche d'organisme AMC {view.name} ?", oui):
        raise aborted()
    used = organisms.delete_amc_organism(ctx, organism_id)
    note = f" ({used} mutuelle(s) de patients gardent leur copie)" if used else ""
    console.print(f"Organisme AMC {view.name} supprimé{note}.", highlight=False)


@amc_app.command("show", help="Affiche une fiche d'organisme AMC.")
@handle_errors
def amc_show(organism_id: int = typer.Argument(..., help="Numéro de la fiche."), json_out: bool = JSON) -> None:
    view = organisms.get_amc_organism(state.context(), organism_id)
    if json_out:
        print_json(_amc_json(view))
        return
    for label, value in (("Nom", view.name), ("Numéro", view.number), ("Type contrat", view.contract_type),
                         ("Gestion", view.management), ("Adresse", view.address), ("Code postal", view.postcode),
                         ("Ville", view.town), ("Téléphone", view.phone), ("Fax", view.fax), ("Email", view.email),
                         ("Contact", view.contact), ("Commentaire", view.comment),
                         ("N° préfectoral", view.prefectoral_number), ("DRE acceptées", "oui" if view.dre_accepted
                                                                      else "non"),
                         ("Adresse DRE", view.dre_address),
                         ("Part AMC", ROUTING_LABELS[view.routing])):
        console.print(f"{label} : {value or ''}", highlight=False)


@amc_app.command("list", help="Liste les organismes AMC par ordre alphabétique.")
@handle_errors
def amc_list(recherche: str = SEARCH, json_out: bool = JSON) -> None:
    views = organisms.list_amc_organisms(state.context(), recherche)
    if json_out:
        print_json([_amc_json(v) for v in views])
        return
    table = Table("N°", "Nom", "Numéro AMC", "Type contrat", "Gestion", "Part AMC")
    for v in views:
        table.add_row(str(v.id), v.name, v.number, v.contract_type, v.management, v.routing.value.upper())
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(amo_app, name="amo")
    app.add_typer(amc_app, name="amc")

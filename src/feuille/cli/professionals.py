"""CLI: professionals (titulaires, remplaçants and their calendars), preferences, favourites."""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.table import Table

from feuille.cli.common import aborted, confirm, console, err_console, handle_errors, print_json, state
from feuille.domain.favourites import QUALIFIER_LABELS, FavouriteAct, parse_act_spec
from feuille.domain.professionals import (
    CIVILITY_LABELS,
    KIND_LABELS,
    MODE_LABELS,
    PENDING_PREFERENCES,
    PREFERENCE_LABELS,
    AdriMode,
    Civility,
    Kind,
    ModeExercice,
    PaymentMeans,
    Preferences,
    format_billing_number,
    specialty_label,
)
from feuille.practice import favourites, preferences, professionals, replacements

pro_app = typer.Typer(help="Professionnels de santé : titulaires, remplaçants et leur calendrier.",
                      no_args_is_help=True)
rempl_app = typer.Typer(help="Remplaçants : ajout, titulaires cochés ou décochés, jours de remplacement.",
                        no_args_is_help=True)
days_app = typer.Typer(help="Calendrier des jours de remplacement.", no_args_is_help=True)
pref_app = typer.Typer(help="Préférences d'un professionnel (Profils) : ADRi, AMC, facturation.",
                       no_args_is_help=True)
fav_app = typer.Typer(help="Soins favoris : un libellé et une liste d'actes.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Sortie JSON.")
YES = typer.Option(False, "--oui", help="Ne pas demander de confirmation.")
REF_HELP = "Numéro interne ou n° de facturation du professionnel."


def _warn(warnings: tuple[str, ...]) -> None:
    for warning in warnings:
        err_console.print(f"[yellow]Attention :[/] {warning}", highlight=False)


def pro_json(pro: professionals.ProfessionalView) -> dict[str, object]:
    return {"id": pro.id, "civilite": pro.civility, "nom": pro.last_name, "prenom": pro.first_name,
            "rpps": pro.rpps, "numero_facturation": pro.billing_number, "specialite": pro.specialty,
            "profession": pro.profession, "mode_exercice": pro.mode, "type": pro.kind, "situation": pro.situation,
            "caisse": pro.caisse, "secteur": pro.sector, "origine": "carte CPS" if pro.from_card else "saisie"}


def _card_data(civilite: str | None, nom: str | None, prenom: str | None, rpps: str | None,
               facturation: str | None, cle: str | None, specialite: str | None, mode: str | None,
               situation: str | None, caisse: str | None, secteur: str | None) -> dict[str, object]:
    data: dict[str, object] = {"civility": civilite, "last_name": nom, "first_name": prenom, "rpps": rpps,
                               "billing_number": facturation, "billing_key": cle, "specialty": specialite,
                               "caisse": caisse, "mode": mode}
    if situation is not None:
        data["situation"] = situation
    if secteur is not None:
        data["sector"] = secteur
    return data


CIVILITE = typer.Option(None, "--civilite", help="Monsieur, Madame, Docteur ou Professeur.")
NOM = typer.Option(None, "--nom", help="Nom (obligatoire).")
PRENOM = typer.Option(None, "--prenom", help="Prénom (obligatoire).")
RPPS = typer.Option(None, "--rpps", help="N° RPPS (11 chiffres).")
FACTURATION = typer.Option(None, "--facturation", help="N° de facturation, 8 chiffres et la clé (ex. « 99610218 2 »).")
CLE = typer.Option(None, "--cle", help="Clé du n° de facturation, si elle est donnée à part.")
SPECIALITE = typer.Option(None, "--specialite", help="Code spécialité (01 médecine générale, 24 infirmier…).")
SITUATION = typer.Option(None, "--situation", help="N° de situation de la CPS (défaut 1).")
CAISSE = typer.Option(None, "--caisse", help="Caisse de rattachement (3 chiffres).")
SECTEUR = typer.Option(None, "--secteur", help="Secteur conventionnel, 1 ou 2 (défaut 1).")
CARTE = typer.Option(False, "--carte", help="Données lues sur la CPS : une clé fausse n'est qu'un avertissement.")


@pro_app.command("add", help="Enregistre un titulaire à partir des données de sa CPS.")
@handle_errors
def pro_add(civilite: str | None = CIVILITE, nom: str | None = NOM, prenom: str | None = PRENOM,
            rpps: str | None = RPPS, facturation: str | None = FACTURATION, cle: str | None = CLE,
            specialite: str | None = SPECIALITE,
            mode: str | None = typer.Option(None, "--mode", help="Mode d'exercice : libéral (défaut), salarié, "
                                            "remplaçant, bénévole."),
            situation: str | None = SITUATION, caisse: str | None = CAISSE, secteur: str | None = SECTEUR,
            carte: bool = CARTE) -> None:
    data = _card_data(civilite, nom, prenom, rpps, facturation, cle, specialite, mode, situation, caisse, secteur)
    result = professionals.register_professional(state.context(), data, from_card=carte)
    _warn(result.warnings)
    console.print(f"Professionnel n° {result.id} enregistré.")


@pro_app.command("edit", help="Modifie la fiche d'un professionnel (seules les options données changent).")
@handle_errors
def pro_edit(ref: str = typer.Argument(..., help=REF_HELP), civilite: str | None = CIVILITE,
             nom: str | None = NOM, prenom: str | None = PRENOM, rpps: str | None = RPPS,
             facturation: str | None = FACTURATION, cle: str | None = CLE, specialite: str | None = SPECIALITE,
             mode: str | None = typer.Option(None, "--mode", help="Mode d'exercice."),
             situation: str | None = SITUATION, caisse: str | None = CAISSE, secteur: str | None = SECTEUR,
             carte: bool = CARTE) -> None:
    given = _card_data(civilite, nom, prenom, rpps, facturation, cle, specialite, mode, situation, caisse, secteur)
    changes = {name: value for name, value in given.items() if value is not None}
    result = professionals.update_professional(state.context(), ref, changes, from_card=carte)
    _warn(result.warnings)
    console.print(f"Professionnel n° {result.id} modifié.")


@pro_app.command("list", help="Liste les titulaires puis les remplaçants.")
@handle_errors
def pro_list(json_out: bool = JSON) -> None:
    rows = professionals.list_professionals(state.context())
    if json_out:
        print_json([pro_json(p) for p in rows])
        return
    table = Table("N°", "Nom", "Type", "Spécialité", "N° facturation", "RPPS")
    for p in rows:
        table.add_row(str(p.id), professionals.display_name(p), KIND_LABELS[Kind(p.kind)],
                      specialty_label(p.specialty), format_billing_number(p.billing_number), p.rpps or "")
    console.print(table)


@pro_app.command("show", help="Affiche la fiche d'un professionnel (et ses titulaires s'il est remplaçant).")
@handle_errors
def pro_show(ref: str = typer.Argument(..., help=REF_HELP), json_out: bool = JSON) -> None:
    ctx = state.context()
    pro = professionals.get_professional(ctx, ref)
    links = replacements.list_links(ctx, pro.id) if pro.kind == Kind.REMPLACANT else []
    substitutes = professionals.remplacants_of(ctx, pro.id) if pro.kind == Kind.TITULAIRE else []
    if json_out:
        print_json({**pro_json(pro), "titulaires": [asdict(link) for link in links],
                    "remplacants": [{**pro_json(r), "actif": active} for r, active in substitutes]})
        return
    console.print(f"[bold]{CIVILITY_LABELS[Civility(pro.civility)]} {professionals.display_name(pro)}[/] "
                  f"({KIND_LABELS[Kind(pro.kind)]}, n° {pro.id})", highlight=False)
    for name, value in (("N° RPPS", pro.rpps or "—"), ("N° facturation", format_billing_number(pro.billing_number)),
                        ("Spécialité", specialty_label(pro.specialty)),
                        ("Mode d'exercice", MODE_LABELS[ModeExercice(pro.mode)]), ("N° situation", pro.situation),
                        ("Caisse de rattachement", pro.caisse), ("Secteur", pro.sector),
                        ("Origine des informations", "CPS" if pro.from_card else "saisie")):
        console.print(f"  {name} : {value}", highlight=False)
    _print_links(links)
    for substitute, active in substitutes:
        console.print(f"  Remplaçant : {professionals.label(substitute)}{'' if active else ' (désactivé)'}",
                      highlight=False)


def _print_links(links: list[replacements.LinkView]) -> None:
    for link in links:
        box = "☒" if link.active else "☐"
        days = ", ".join(d.strftime("%d/%m/%Y") for d in link.days) or "aucun jour"
        console.print(f"  {box} {link.titulaire} : {format_billing_number(link.titulaire_billing_number)} — {days}",
                      highlight=False)


@pro_app.command("delete", help="Supprime un titulaire (sans remplaçant rattaché ni facture en attente).")
@handle_errors
def pro_delete(ref: str = typer.Argument(..., help=REF_HELP), oui: bool = YES) -> None:
    ctx = state.context()
    pro = professionals.get_professional(ctx, ref)
    if not confirm(f"Supprimer {professionals.label(pro)} ?", oui):
        raise aborted()
    professionals.delete_professional(ctx, pro.id)
    console.print(f"{professionals.display_name(pro)} supprimé.", highlight=False)


@pro_app.command("link-user", help="Lie un utilisateur titulaire ou remplaçant à son professionnel.")
@handle_errors
def pro_link_user(login: str = typer.Argument(..., help="Identifiant de l'utilisateur."),
                  ref: str = typer.Argument(..., help=REF_HELP)) -> None:
    professionals.link_user(state.context(), login, ref)
    console.print(f"Utilisateur « {login} » lié.")


# ---------------------------------------------------------------------------------------------
# Remplaçants

TITULAIRE = typer.Option(..., "--titulaire", "-t", help="Titulaire (numéro interne ou n° de facturation).")


@rempl_app.command("add", help="Ajoute un remplaçant (données de sa CPS), coche ses titulaires et ses jours.")
@handle_errors
def rempl_add(civilite: str | None = CIVILITE, nom: str | None = NOM, prenom: str | None = PRENOM,
              rpps: str | None = RPPS, facturation: str | None = FACTURATION, cle: str | None = CLE,
              specialite: str | None = SPECIALITE, situation: str | None = SITUATION,
              caisse: str | None = CAISSE, secteur: str | None = SECTEUR, carte: bool = CARTE,
              titulaire: list[str] = typer.Option([], "--titulaire", "-t", help="Titulaire remplacé (répétable)."),
              jour: list[str] = typer.Option([], "--jour", "-j", help="Jour de remplacement JJ/MM/AAAA (répétable).")
              ) -> None:
    data = _card_data(civilite, nom, prenom, rpps, facturation, cle, specialite, None, situation, caisse, secteur)
    result = replacements.add_remplacant(state.context(), data, titulaire, jour, from_card=carte)
    _warn(result.warnings)
    console.print(f"Remplaçant n° {result.id} enregistré.")


@rempl_app.command("link", help="Coche un titulaire pour le remplaçant (et ajoute des jours).")
@handle_errors
def rempl_link(remplacant: str = typer.Argument(..., help="Remplaçant."), titulaire: str = TITULAIRE,
               jour: list[str] = typer.Option([], "--jour", "-j", help="Jour JJ/MM/AAAA (répétable).")) -> None:
    replacements.link(state.context(), remplacant, titulaire, jour)
    console.print("Titulaire coché.")


@rempl_app.command("unlink", help="Décoche le titulaire : désactive le remplaçant pour lui (avant suppression).")
@handle_errors
def rempl_unlink(remplacant: str = typer.Argument(..., help="Remplaçant."), titulaire: str = TITULAIRE) -> None:
    replacements.unlink(state.context(), remplacant, titulaire)
    console.print("Titulaire décoché : le remplaçant est désactivé pour lui.")


@rempl_app.command("delete", help="Supprime un remplaçant (décochez d'abord ses titulaires).")
@handle_errors
def rempl_delete(remplacant: str = typer.Argument(..., help="Remplaçant."), oui: bool = YES) -> None:
    ctx = state.context()
    pro = professionals.get_professional(ctx, remplacant)
    if pro.kind != Kind.REMPLACANT:
        err_console.print(f"Erreur : {professionals.display_name(pro)} n'est pas un remplaçant.", highlight=False)
        raise typer.Exit(code=2)
    if not confirm(f"Supprimer le remplaçant {professionals.label(pro)} ?", oui):
        raise aborted()
    professionals.delete_professional(ctx, pro.id)
    console.print(f"Remplaçant {professionals.display_name(pro)} supprimé.", highlight=False)


@days_app.command("add", help="Ajoute des jours de remplacement.")
@handle_errors
def days_add(remplacant: str = typer.Argument(..., help="Remplaçant."), titulaire: str = TITULAIRE,
             jours: list[str] = typer.Argument(None, help="Jours JJ/MM/AAAA.")) -> None:
    added = replacements.add_days(state.context(), remplacant, titulaire, jours or [])
    console.print(f"{added} jour(s) ajouté(s).")


@days_app.command("remove", help="Retire des jours de remplacement.")
@handle_errors
def days_remove(remplacant: str = typer.Argument(..., help="Remplaçant."), titulaire: str = TITULAIRE,
                jours: list[str] = typer.Argument(None, help="Jours JJ/MM/AAAA.")) -> None:
    removed = replacements.remove_days(state.context(), remplacant, titulaire, jours or [])
    console.print(f"{removed} jour(s) retiré(s).")


@days_app.command("list", help="Affiche les titulaires du remplaçant et ses jours.")
@handle_errors
def days_list(remplacant: str = typer.Argument(..., help="Remplaçant."), json_out: bool = JSON) -> None:
    links = replacements.list_links(state.context(), remplacant)
    if json_out:
        print_json([asdict(link) for link in links])
        return
    if not links:
        console.print("Aucun titulaire coché.")
    _print_links(links)


# ---------------------------------------------------------------------------------------------
# Preferences


@pref_app.command("show", help="Affiche les préférences d'un professionnel (celles qui ont un effet aujourd'hui).")
@handle_errors
def pref_show(ref: str = typer.Argument(..., help=REF_HELP), json_out: bool = JSON) -> None:
    prefs = preferences.get_preferences(state.context(), ref)
    effective = {name: value for name, value in asdict(prefs).items() if name not in PENDING_PREFERENCES}
    if json_out:
        print_json(effective)
        return
    for name, value in effective.items():
        shown = ("oui" if value else "non") if isinstance(value, bool) else str(value)
        console.print(f"  {PREFERENCE_LABELS[name]} : {shown}", highlight=False)


PENDING = "Sans effet aujourd'hui : refusé (voir « feuille preferences modifier --help »)."


@pref_app.command("set", help="Modifie des préférences ; les autres restent inchangées. Le tiers payant AMC "
                              "standard ou coordonné et les options STS (qui viendront avec la télétransmission), "
                              "les séries d'actes (aucune source ne dit encore ce qu'elles changent à la facture) "
                              "n'ont pas d'effet aujourd'hui : elles sont refusées.")
@handle_errors
def pref_set(
    ref: str = typer.Argument(..., help=REF_HELP),
    adri: str | None = typer.Option(None, "--adri",
                                    help=f"{', '.join(AdriMode)} (défaut : {Preferences().adri_mode})."),
    tp_amc: str | None = typer.Option(None, "--tiers-payant-amc", help=PENDING, hidden=True),
    sts: bool | None = typer.Option(None, "--sts/--sans-sts", help=PENDING, hidden=True),
    sts_diag: bool | None = typer.Option(None, "--sts-diagnostics/--sans-sts-diagnostics", help=PENDING,
                                         hidden=True),
    sts_formules: bool | None = typer.Option(None, "--sts-formules/--sans-sts-formules", help=PENDING, hidden=True),
    sts_assistance: bool | None = typer.Option(None, "--sts-assistance/--sans-sts-assistance", help=PENDING,
                                               hidden=True),
    domicile: bool | None = typer.Option(None, "--domicile/--sans-domicile",
                                         help="À domicile par défaut (le lieu proposé par l'assistant)."),
    executant: bool | None = typer.Option(None, "--ps-executant/--sans-ps-executant",
                                          help="L'assistant demande le remplaçant qui a réalisé les soins."),
    recap: bool | None = typer.Option(None, "--recapitulatif/--sans-recapitulatif",
                                      help="L'assistant affiche le récapitulatif des actes et montants (et permet "
                                           "d'y modifier les parts AMO et AMC)."),
    series: bool | None = typer.Option(None, "--series/--sans-series", help=PENDING, hidden=True),
    paiement: str | None = typer.Option(None, "--paiement", help=f"{', '.join(PaymentMeans)} : le moyen proposé "
                                                                "par l'assistant."),
) -> None:
    given = {"adri_mode": adri, "amc_tp_mode": tp_amc, "sts_enabled": sts, "sts_level1_diagnostics": sts_diag,
             "sts_detailed_formulas": sts_formules, "sts_assistance": sts_assistance, "home_by_default": domicile,
             "show_performing_ps": executant, "show_amount_recap": recap, "act_series": series,
             "default_payment": paiement}
    changes = {name: value for name, value in given.items() if value is not None}
    preferences.set_preferences(state.context(), ref, changes)
    console.print("Préférences enregistrées.")


# ---------------------------------------------------------------------------------------------
# Favourites

ACTE = typer.Option(None, "--acte", "-a", help="Acte : « AMI » ou « code=AMI,qte=1,coef=2,prix=6.30,qualif=N,"
                    "indemnite=IK,km=12 » (répétable, dans l'ordre).")
PRO_OPT = typer.Option(None, "--professionnel", "-p", help="Professionnel (défaut : celui de l'utilisateur).")


def _acts(specs: list[str] | None) -> list[dict[str, str]] | None:
    return None if not specs else [parse_act_spec(spec, i) for i, spec in enumerate(specs, start=1)]


def fav_json(fav: favourites.FavouriteView) -> dict[str, object]:
    return {"id": fav.id, "professionnel": fav.professional_id, "libelle": fav.label,
            "actes": [{**asdict(a), "qualifier": a.qualifier.value if a.qualifier else None} for a in fav.acts]}


def _act_text(a: FavouriteAct) -> str:
    text = f"{a.quantity} × {a.code} coef {a.coefficient}"
    if a.price is not None:
        text += f" à {a.price} €"
    if a.qualifier:
        text += f", {QUALIFIER_LABELS[a.qualifier]}"
    if a.indemnity:
        text += f", {a.indemnity}" + (f" {a.distance_km} km" if a.distance_km else "")
    return text


@fav_app.command("add", help="Crée un soin favori.")
@handle_errors
def fav_add(libelle: str | None = typer.Option(None, "--libelle", "-l", help="Libellé du soin."),
            acte: list[str] | None = ACTE, professionnel: str | None = PRO_OPT) -> None:
    fav_id = favourites.create_favourite(state.context(), professionnel, libelle, _acts(acte) or [])
    console.print(f"Favori n° {fav_id} créé.")


@fav_app.command("edit", help="Modifie le libellé et/ou remplace la liste des actes d'un favori.")
@handle_errors
def fav_edit(favori: int = typer.Argument(..., help="Numéro du favori."),
             libelle: str | None = typer.Option(None, "--libelle", "-l", help="Nouveau libellé."),
             acte: list[str] | None = ACTE) -> None:
    favourites.edit_favourite(state.context(), favori, label=libelle, acts=_acts(acte))
    console.print(f"Favori n° {favori} modifié.")


@fav_app.command("search", help="Cherche les favoris dont le libellé commence par ces lettres.")
@handle_errors
def fav_search(debut: str = typer.Argument("", help="Début du libellé (vide : tous)."),
               professionnel: str | None = PRO_OPT,
               desc: bool = typer.Option(False, "--desc", help="Ordre décroissant."), json_out: bool = JSON) -> None:
    rows = favourites.search_favourites(state.context(), professionnel, debut, descending=desc)
    if json_out:
        print_json([fav_json(f) for f in rows])
        return
    table = Table("N°", "Libellé", "Actes")
    for fav in rows:
        table.add_row(str(fav.id), fav.label, " ; ".join(_act_text(a) for a in fav.acts))
    console.print(table)


@fav_app.command("show", help="Affiche un favori.")
@handle_errors
def fav_show(favori: int = typer.Argument(..., help="Numéro du favori."), json_out: bool = JSON) -> None:
    fav = favourites.get_favourite(state.context(), favori)
    if json_out:
        print_json(fav_json(fav))
        return
    console.print(f"[bold]{fav.label}[/] (n° {fav.id})", highlight=False)
    for act in fav.acts:
        console.print(f"  {_act_text(act)}", highlight=False)


@fav_app.command("delete", help="Supprime un favori.")
@handle_errors
def fav_delete(favori: int = typer.Argument(..., help="Numéro du favori."), oui: bool = YES) -> None:
    ctx = state.context()
    fav = favourites.get_favourite(ctx, favori)
    if not confirm(f"Supprimer le favori « {fav.label} » ?", oui):
        raise aborted()
    favourites.delete_favourite(ctx, favori)
    console.print(f"Favori « {fav.label} » supprimé.", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    rempl_app.add_typer(days_app, name="days")
    pro_app.add_typer(rempl_app, name="remplacant")
    app.add_typer(pro_app, name="pro")
    app.add_typer(pro_app, name="professional", hidden=True)
    app.add_typer(pref_app, name="preferences")
    app.add_typer(fav_app, name="favourite")

"""CLI group: the portable reader (``feuille lecteur …``): load, list, sign or delete on the reader, unload.

Commands only parse their arguments and call ``feuille.billing.portable``. The cards (CPS/CPE and the patient's
Vitale card) come from the card reader, as for ``feuille facture securiser``.
"""

from __future__ import annotations

import typer
from rich.table import Table

from feuille.billing import portable, portable_delete
from feuille.cli.common import aborted, confirm, console, handle_errors, print_json, state
from feuille.cli.invoices import reader
from feuille.errors import ValidationError

app_reader = typer.Typer(help="Lecteur portable : charger des factures, les signer chez le patient avec sa carte "
                              "Vitale (mode désynchronisé), les décharger au poste.", no_args_is_help=True)

READER = typer.Option(portable.DEFAULT_READER, "--lecteur", help="Nom du lecteur portable.")
JSON = typer.Option(False, "--json", help="Sortie JSON.")


def _table(items: list[portable.LoadedInvoice], title: str) -> Table:
    table = Table(title=title)
    for column in ("id", "n°", "professionnel", "patient", "date", "montant", "état"):
        table.add_column(column)
    for item in items:
        table.add_row(str(item.id), str(item.number or ""), f"{item.professional} ({item.billing_number})",
                      item.patient, item.date, item.total, item.state_label)
    return table


@app_reader.command("charger", help="Charge des factures « TP calculé » sur le lecteur portable.")
@handle_errors
def load(ids: list[str] = typer.Argument(..., metavar="ID", help="Numéros internes des factures."),
         lecteur: str = READER,
         memes_patients: bool = typer.Option(False, "--memes-patients", help="Charger aussi les factures des "
                                             "autres professionnels pour les mêmes patients."),
         json_out: bool = JSON) -> None:
    result = portable.load(state.context(), ids, lecteur, same_patients=memes_patients)
    if json_out:
        print_json(result.to_json())
        return
    console.print(f"Lecteur « {result.reader} » : {len(result.loaded)} facture(s) chargée(s), "
                  f"{len(result.already)} déjà présente(s).")
    if result.loaded:
        console.print(_table(result.loaded, "Chargées"))


@app_reader.command("liste", help="Liste les factures du lecteur de l'assuré dont la carte Vitale est insérée.")
@handle_errors
def listing(lecteur: str = READER,
            toutes: bool = typer.Option(False, "--toutes", help="Toutes les factures du lecteur, sans carte Vitale."),
            json_out: bool = JSON) -> None:
    nir: str | None = None
    if not toutes:
        vitale = reader().vitale_card()
        if vitale is None:
            raise ValidationError("carte Vitale : insérez la carte Vitale du patient (feuille carte inserer …), ou "
                                  "demandez --toutes.", code="no_vitale", field="carte_vitale")
        nir = vitale.insured_nir
    items = portable.listing(state.context(), lecteur, nir)
    if json_out:
        print_json([item.to_json() for item in items])
        return
    if not items:
        console.print("Aucune facture sur le lecteur" + (" pour cet assuré." if nir else "."))
        return
    console.print(_table(items, f"Lecteur « {portable.reader_name(lecteur)} »"))


@app_reader.command("signer", help="Signe (première signature, mode désynchronisé) les factures choisies de l'assuré "
                                   "dont la carte Vitale est insérée, puis affiche le récapitulatif.")
@handle_errors
def sign(ids: list[str] = typer.Argument(None, metavar="ID", help="Factures à signer (sinon --tout)."),
         tout: bool = typer.Option(False, "--tout", help="Toutes les factures de l'assuré sur le lecteur."),
         pin: str | None = typer.Option(None, "--pin", help="Code PIN de la carte CPS/CPE."),
         lecteur: str = READER, json_out: bool = JSON) -> None:
    recap = portable.sign(state.context(), reader(), ids or [], every=tout, reader=lecteur, pin=pin)
    if json_out:
        print_json(recap.to_json())
        return
    console.print(f"Récapitulatif (lecteur « {recap.reader} », assuré {recap.insured_nir}) :")
    console.print(f"  signées : {len(recap.signed)}")
    for line in recap.signed:
        console.print(f"    facture {line.id} n° {line.number} ({line.billing_number}) {line.patient or ''}")
    console.print(f"  non signées : {len(recap.not_signed)}")
    for line in recap.not_signed:
        console.print(f"    facture {line.id} : {line.reason}")


@app_reader.command("decharger", help="Décharge le lecteur : les factures reviennent au poste (signées : « à "
                                      "sécuriser », les autres inchangées).")
@handle_errors
def unload(lecteur: str = READER, json_out: bool = JSON) -> None:
    result = portable.unload(state.context(), lecteur)
    if json_out:
        print_json(result.to_json())
        return
    console.print(f"Lecteur « {result.reader} » déchargé : {len(result.signed)} facture(s) signée(s) (à sécuriser "
                  f"au poste : feuille facture finaliser), {len(result.unchanged)} inchangée(s).")


@app_reader.command("supprimer", help="Supprime des factures non signées du lecteur (après confirmation).")
@handle_errors
def delete(ids: list[str] = typer.Argument(..., metavar="ID", help="Factures à supprimer."),
           oui: bool = typer.Option(False, "--oui", help="Ne pas demander confirmation."),
           lecteur: str = READER, json_out: bool = JSON) -> None:
    if not confirm(f"Supprimer {len(ids)} facture(s) du lecteur ({', '.join(ids)}) ?", oui):
        raise aborted()
    result = portable_delete.delete_on_reader(state.context(), ids, lecteur)
    if json_out:
        print_json(result.to_json())
        return
    console.print(f"Lecteur « {result.reader} » : {len(result.deleted)} facture(s) supprimée(s)"
                  + (f", {len(result.already)} déjà supprimée(s)." if result.already else "."))


@app_reader.command("etat", help="Ce que porte le lecteur : factures signées et non signées.")
@handle_errors
def status(lecteur: str = READER, json_out: bool = JSON) -> None:
    found = portable.reader_state(state.context(), lecteur)
    if json_out:
        print_json(found.to_json())
        return
    console.print(f"Lecteur « {found.reader} » : {found.loaded} facture(s), {found.signed} signée(s), "
                  f"{found.not_signed} non signée(s).")


def register(app: typer.Typer) -> None:
    """Add ``feuille lecteur …`` to the root app."""
    app.add_typer(app_reader, name="lecteur")

"""CLI group ``feuille teletransmission``: manual 003 section VI's screen (« Mettre en Lot », « Mettre en Fichier »,
the lists « À Télétransmettre » and « Télétransmis »), the blocking release and the settings of section XI.

Commands only parse their arguments and call ``feuille.transmission``. Other modules add their commands to
:data:`app` (``envoyer``, ``recevoir``, ``auto``, ``bordereau``…): a ``register(app)`` function of theirs, listed
in ``cli/names.py`` as an extra of this group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from feuille.cli.common import console, err_console, handle_errors, print_json, state
from feuille.domain.fields import parse_date
from feuille.transmission import files, lot_views, lotting, pending, releases
from feuille.transmission import settings as tsettings

HELP = ("Télétransmission : factures à télétransmettre, mise en lot et en fichier B2, envoi et réception des ARL, "
        "bordereau, lots télétransmis, réglages.")
app = typer.Typer(help=HELP, no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Sortie JSON.")


@contextmanager
def progress_bar(what: str) -> Iterator[Callable[[int], None]]:
    """A Rich progress line on stderr counting invoices (the total is not known before the work is done)."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed} facture(s)"),
                  TimeElapsedColumn(), console=err_console, transient=True) as bar:
        task = bar.add_task(what, total=None)
        yield lambda count: bar.advance(task, count)


@app.command("a-envoyer", help="Factures à télétransmettre (Nom, Prénom, Facture, N°, montants, Caisse RO, "
                               "Mutuelle, Etat FSE, PJ, SV) et pourquoi chacune est retenue.")
@handle_errors
def to_send(limite: int = typer.Option(500, "--limite", min=1, max=100_000, help="Nombre de lignes au plus."),
            json_out: bool = JSON) -> None:
    items = pending.listing(state.context(), limit=limite)
    if json_out:
        print_json([item.to_json() for item in items])
        return
    if not items:
        console.print("Aucune facture à télétransmettre.")
        return
    table = Table(title="À télétransmettre")
    for column in ("Nom", "Prénom", "Facture", "N°Fact", "M€ Fact", "M€ RO", "RO", "M€ RC", "RC", "Caisse RO",
                   "Mutuelle", "Etat FSE", "PJ", "SV", "Retenue"):
        table.add_column(column)
    for item in items:
        row = item.to_json()
        table.add_row(row["nom"], row["prenom"], item.invoice_date.strftime("%d/%m/%Y"), str(row["numero"] or ""),
                      row["montant"], row["montant_ro"], row["ro"], row["montant_rc"], row["rc"], row["caisse_ro"],
                      row["mutuelle"], row["etat_fse"], str(row["pj"] or ""), row["sv"], " ; ".join(item.reasons))
    console.print(table)
    sendable = sum(1 for item in items if item.sendable)
    console.print(f"{sendable} facture(s) prête(s) à mettre en lot sur {len(items)}.")


@app.command("mettre-en-lot", help="Met en lot les FSE sécurisées prêtes (par professionnel, organisme "
                                   "destinataire et mode de sécurisation ; 999 factures au plus par lot).")
@handle_errors
def put_in_lots(date: str | None = typer.Option(None, "--date", help="Date des lots (JJ/MM/AAAA ; défaut : "
                                                                       "aujourd'hui)."),
                json_out: bool = JSON) -> None:
    day = parse_date(date, "date", "Date des lots", required=True) if date is not None else None
    with progress_bar("Mise en lot") as advance:
        result = lotting.put_in_lots(state.context(), day, progress=advance)
    if json_out:
        print_json(result.to_json())
        return
    if not result.lots:
        console.print("Aucune facture à mettre en lot.")
        return
    for lot in result.lots:
        console.print(f"Lot {lot.number} → {lot.recipient} (centre {lot.centre}, certification {lot.certification}) : "
                      f"{lot.invoice_count} facture(s).")
    console.print(f"{len(result.lots)} lot(s), {result.invoices} facture(s) mises en lot.")


@app.command("mettre-en-fichier", help="Écrit le fichier B2 de chaque lot « Mis en Lot ».")
@handle_errors
def write_files(json_out: bool = JSON) -> None:
    with progress_bar("Mise en fichier") as advance:
        results = files.write_files(state.context(), progress=advance)
    if json_out:
        print_json([r.to_json() for r in results])
        return
    if not results:
        console.print("Aucun lot à mettre en fichier.")
    for r in results:
        if r.error:
            err_console.print(f"Lot {r.lot_id} {r.lot_number} : non écrit : {r.error}", markup=False)
        else:
            console.print(f"Lot {r.lot_number} (n° {r.lot_id}) : fichier {r.file_id} écrit ({r.invoices} facture(s)).")
    if any(r.error for r in results):
        raise typer.Exit(code=1)


@app.command("lots", help="Lots télétransmis (Date réception, Date lot, Lot, Org. Dest., Etat lot, Libellé ARL/RSP, "
                          "Trait. Erreur, id PS).")
@handle_errors
def lots(etat: str | None = typer.Option(None, "--etat", help="Seulement les lots dans cet état (ex. expedie)."),
         json_out: bool = JSON) -> None:
    rows = lot_views.listing(state.context(), etat)
    if json_out:
        print_json([row.to_json() for row in rows])
        return
    if not rows:
        console.print("Aucun lot.")
        return
    table = Table(title="Télétransmis")
    for column in ("n°", "Date réception", "Date lot", "Lot", "Org. Dest.", "Etat lot", "Libellé ARL/RSP",
                   "Trait. Erreur", "Factures", "id PS"):
        table.add_column(column)
    for row in rows:
        data = row.to_json()
        table.add_row(str(row.id), row.received_on.strftime("%d/%m/%Y") if row.received_on else "",
                      row.lot_date.strftime("%d/%m/%Y"), row.number, row.recipient, data["etat_lot"],
                      data["libelle_arl"], data["traitement"], str(row.invoice_count), row.billing_number)
    console.print(table)


@app.command("lot", help="Détail d'un lot : ses factures et son historique.")
@handle_errors
def lot(numero: str = typer.Argument(..., metavar="LOT", help="Numéro interne du lot (colonne n° de la liste)."),
        json_out: bool = JSON) -> None:
    found = lot_views.detail(state.context(), numero)
    if json_out:
        print_json(found.to_json())
        return
    data = found.lot.to_json()
    console.print(f"Lot {data['lot']} du {found.lot.lot_date:%d/%m/%Y} → {data['org_dest']} : {data['etat_lot']} "
                  f"({data['certification_libelle']}, {data['factures']} facture(s), {data['montant']} €, "
                  f"fichier {data['fichier'] or '—'}).")
    table = Table()
    for column in ("#", "Facture", "N°", "Date", "Nom", "Prénom", "Montant", "État"):
        table.add_column(column)
    for item in found.invoices:
        table.add_row(str(item["position"]), str(item["id"]), str(item["numero"] or ""), item["date"], item["nom"],
                      item["prenom"], item["montant"], item["etat"])
    console.print(table)
    for event in found.history:
        console.print(f"{event['date']} {event['libelle']} : {event['de_libelle'] or '—'} → "
                      f"{event['vers_libelle']} ({event['par']})", markup=False)


@app.command("debloquer", help="Débloque des factures retenues par le blocage automatique des FSE.")
@handle_errors
def release(ids: list[str] = typer.Argument(..., metavar="FACTURE", help="Numéros internes des factures.")) -> None:
    done = releases.release(state.context(), ids)
    console.print(f"{len(done)} facture(s) débloquée(s)" + (f" : {', '.join(map(str, done))}." if done else "."))


@app.command("parametres", help="Réglages de la télétransmission.")
@handle_errors
def show_settings(json_out: bool = JSON) -> None:
    values = tsettings.get(state.context()).to_json()
    if json_out:
        print_json(values)
        return
    for name, value in values.items():
        if isinstance(value, bool):
            shown = "oui" if value else "non"
        elif isinstance(value, list | dict):
            shown = (", ".join(value) if isinstance(value, list) else
                     ", ".join(f"{key}={centre}" for key, centre in value.items())) or "aucun"
        else:
            shown = str(value)
        console.print(f"{tsettings.LABELS.get(name, name)} : {shown}", markup=False)


@app.command("parametrer", help="Change des réglages de la télétransmission (les autres sont gardés).")
@handle_errors
def set_settings(
        blocage_automatique: str | None = typer.Option(None, "--blocage-automatique", help="oui / non."),
        blocage_scor: str | None = typer.Option(None, "--blocage-scor", help="Bloquer si un document SCOR manque "
                                                                              "(oui / non)."),
        controle_regime: str | None = typer.Option(None, "--controle-regime", help="Contrôle télétransmission "
                                                                                   "active du régime (oui / non)."),
        regimes_actifs: str | None = typer.Option(None, "--regimes-actifs", help="Régimes télétransmis (ex. 01,02)."),
        top_m: str | None = typer.Option(None, "--top-m", help="Demande à la CPAM de transmettre à la mutuelle."),
        integrer_retours: str | None = typer.Option(None, "--integrer-retours", help="Intégrer les retours après "
                                                                                     "télétransmission (oui / non)."),
        lettrage_auto: str | None = typer.Option(None, "--lettrage-auto", help="Lettrage auto. suite à l'intégration "
                                                                               "des fichiers RSP (oui / non)."),
        bordereau_apres: str | None = typer.Option(None, "--bordereau-apres", help="Édition du bordereau après "
                                                                                   "télétransmission (oui / non)."),
        delai_arl: str | None = typer.Option(None, "--delai-arl", help="Jours sans ARL avant « Absence ARL »."),
        mode: str | None = typer.Option(None, "--mode", help="test ou production."),
        retention_scor: str | None = typer.Option(None, "--retention-scor", help="Jours de conservation SCOR."),
        norme: str | None = typer.Option(None, "--norme", help="Norme B2 (CP ou CE)."),
        centres_informatiques: str | None = typer.Option(None, "--centres-informatiques",
                                                         help="« régime caisse=centre », ex. « 01 349=001 »")) -> None:
    given = {name: value for name, value in locals().items() if value is not None}
    values = tsettings.update(state.context(), given).to_json()
    console.print("Réglages enregistrés : " + ", ".join(f"{k} = {values[k]}" for k in given) + ".", markup=False)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="teletransmission")

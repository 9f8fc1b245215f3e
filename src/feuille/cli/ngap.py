"""CLI group ``feuille ngap``: search the NGAP and COx tables, show an act's tariff history and sources."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import typer
from rich.markup import escape
from rich.table import Table

from feuille.cli.ccam import _parse_date
from feuille.cli.common import console, handle_errors, print_json
from feuille.money import format_euros_fr
from feuille.nomenclature import ngap_search
from feuille.nomenclature.ngap import NgapAct, NgapTable, default_table

ngap_app = typer.Typer(help="NGAP et COx : recherche des actes (code, mots du libellé), historique des tarifs "
                            "avec leurs sources.", no_args_is_help=True)

PROFESSION_HELP = ("Profession (medecin, infirmier, kinesitherapeute, sage_femme, chirurgien_dentiste, "
                   "opticien).")


def _euros(value: Decimal | None) -> str:
    return "prix à saisir" if value is None else format_euros_fr(value)


def _tariff_text(act: NgapAct, on: date | None) -> str:
    if on is None:
        last = ngap_search.current(act)
        return _euros(last.price) + ("" if last.valid_to is None else f" (jusqu'au {last.valid_to:%d/%m/%Y})")
    reason = act.missing_tariff(on)
    return _euros(act.tariff_on(on)) if reason is None else f"prix à saisir : {reason}"


def _professions(act: NgapAct) -> str:
    return ", ".join(ngap_search.profession_label(p) for p in sorted(act.professions))


@ngap_app.command("search", help="Recherche des actes NGAP et COx : par début de code (AM) ou par mots du "
                                 "libellé, dans n'importe quel ordre et sans accents (« indemnite kilo ») ; sans "
                                 "texte, liste tous les codes des tables, page par page (--page).")
@handle_errors
def search_command(
    texte: str = typer.Argument(None, help="Début du code ou mots du libellé (sans texte : tous les codes)."),
    profession: str = typer.Option(None, "--profession", help=PROFESSION_HELP),
    date_: str = typer.Option(None, "--date", help="Tarif à cette date JJ/MM/AAAA (défaut : tarif le plus "
                                                   "récent)."),
    limite: int = typer.Option(50, "--limite", help="Nombre maximal de résultats (sans texte : par page)."),
    page: int = typer.Option(1, "--page", help="Sans texte : la page de la liste des codes (à partir de 1)."),
    json_out: bool = typer.Option(False, "--json", help="Sortie JSON."),
) -> None:
    table = default_table()
    on = _parse_date(date_)
    if texte is None or not texte.strip():
        _list_command(table, profession, on, limite, page, json_out)
        return
    acts = ngap_search.search(table, texte, profession=profession, limit=limite)
    if json_out:
        print_json([_summary(table, act, on) for act in acts])
        return
    if not acts:
        console.print(f"Aucun acte NGAP ou COx trouvé pour « {escape(texte)} ».", highlight=False)
        return
    _print_acts(acts, on)


def _list_command(table: NgapTable, profession: str | None, on: date | None, size: int, page: int,
                  json_out: bool) -> None:
    """No text: the table's codes, a page at a time."""
    found = ngap_search.listing(table, profession=profession, page=page, size=size)
    if json_out:
        print_json({"page": found.number, "pages": found.pages, "total": found.total,
                    "acts": [_summary(table, act, on) for act in found.acts]})
        return
    _print_acts(found.acts, on)
    more = f" ; suivante : --page {found.number + 1}" if found.number < found.pages else ""
    console.print(f"Page {found.number} sur {found.pages} ({found.total} actes){more}.", highlight=False)


def _print_acts(acts: list[NgapAct], on: date | None) -> None:
    heading = "Tarif" if on is None else f"Tarif au {on:%d/%m/%Y}"
    view = Table("Code", "Libellé", "Professions", heading)
    for act in acts:
        view.add_row(act.code, escape(act.label), _professions(act), escape(_tariff_text(act, on)))
    console.print(view)


def _summary(table: NgapTable, act: NgapAct, on: date | None) -> dict[str, object]:
    last = ngap_search.current(act)
    summary: dict[str, object] = {"code": act.code, "label": act.label, "table": act.table,
                                  "professions": sorted(act.professions), "majoration": act.is_majoration,
                                  "latest": {"from": last.valid_from, "to": last.valid_to, "price": last.price,
                                             "source": last.source}}
    if on is not None:
        summary["on"] = {"date": on, "price": act.tariff_on(on), "reason": act.missing_tariff(on)}
    return summary


@ngap_app.command("show", help="Affiche un acte NGAP ou COx : professions, historique daté des tarifs et la "
                               "source publique de chaque période.")
@handle_errors
def show_command(
    code: str = typer.Argument(..., help="Code NGAP ou COx (par exemple AMI, G, COE)."),
    profession: str = typer.Option(None, "--profession", help=PROFESSION_HELP),
    date_: str = typer.Option(None, "--date", help="Indique aussi le tarif à cette date JJ/MM/AAAA."),
    json_out: bool = typer.Option(False, "--json", help="Sortie JSON."),
) -> None:
    table = default_table()
    on = _parse_date(date_)
    entries = ngap_search.entries_for(table, code, profession)
    if json_out:
        print_json([ngap_search.act_view(table, act, on) for act in entries])
        return
    for act in entries:
        _show_one(table, act, on)


def _show_one(table: NgapTable, act: NgapAct, on: date | None) -> None:
    console.print(f"[bold]{act.code}[/] {escape(act.label)} (table {act.table.upper()})", highlight=False)
    flags = [text for present, text in ((act.is_majoration, "majoration ou indemnité"),
                                        (act.prescription, "sur prescription"),
                                        (act.entente_prealable, "entente préalable")) if present]
    console.print(" · ".join([f"Professions : {_professions(act)}", *flags]), highlight=False)
    if act.majorations:
        console.print(f"Majorations et indemnités proposées : {', '.join(act.majorations)}", highlight=False)
    view = Table("Du", "Au", "Tarif", "Source", "Note")
    for tariff in act.tariffs:
        view.add_row(f"{tariff.valid_from:%d/%m/%Y}", "" if tariff.valid_to is None else
                     f"{tariff.valid_to:%d/%m/%Y}", _euros(tariff.price), tariff.source, escape(tariff.note or ""))
    console.print(view)
    for value in act.undated:
        until = "" if value.until is None else f" jusqu'au {value.until:%d/%m/%Y}"
        console.print(f"Valeur sans dates{until} : {format_euros_fr(value.price)} ({value.source}), jamais "
                      f"appliquée : {escape(value.note or '')}", highlight=False)
    if on is not None:
        console.print(f"Au {on:%d/%m/%Y} : {escape(_tariff_text(act, on))}", highlight=False)
    console.print("Sources :", highlight=False)
    keys = dict.fromkeys([t.source for t in act.tariffs] + [u.source for u in act.undated])
    for key in keys:
        source = table.sources[key]
        console.print(f"  {key} : {escape(source.title)} ({source.kind}, {source.date}) {escape(source.url)}",
                      highlight=False, soft_wrap=True)
    console.print()


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(ngap_app, name="ngap")

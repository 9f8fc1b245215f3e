"""Commands of ``feuille noemie`` that integrate returns (issue 13): ``integrer``, ``recevoir``, ``rapprocher``,
``fichiers``, ``fichier``. They only parse their arguments and call ``feuille.returns``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from feuille.cli.common import console, err_console, handle_errors, print_json, state
from feuille.returns import files, integration, receiving, reconcile
from feuille.transmission.mail_transport import configured_transport

JSON = typer.Option(False, "--json", help="Sortie JSON.")


def show_reports(reports: tuple[integration.IntegrationReport, ...] | list[integration.IntegrationReport]) -> None:
    """One line per integrated file, then its first problems (entity, position)."""
    for report in reports:
        out = err_console if report.outcome in ("refuse", "illisible") else console
        number = f" (fichier n° {report.file_id})" if report.file_id else ""
        out.print(f"{report.source}{number} : {report.message}", markup=False)
        for problem in report.problems[:10]:
            where = f"entité {problem['entity']}, " if problem.get("entity") else ""
            at = f"position {problem['offset']} : " if problem.get("offset") else ""
            out.print(f"    - {where}{at}{problem['message']}", markup=False)
        if len(report.problems) > 10:
            out.print(f"    … et {len(report.problems) - 10} autre(s) (feuille noemie fichier {report.file_id}).",
                      markup=False)


@handle_errors
def integrate_command(
    fichiers: list[Path] = typer.Argument(..., metavar="FICHIER...", help="Fichiers de retour NOEMIE à intégrer."),
    json_out: bool = JSON,
) -> None:
    ctx = state.context()
    reports = [integration.integrate_file(ctx, path) for path in fichiers]
    if json_out:
        print_json([r.to_json() for r in reports])
    else:
        show_reports(reports)
    if any(r.outcome in ("refuse", "illisible") for r in reports):
        raise typer.Exit(2)


@handle_errors
def receive_command(json_out: bool = JSON) -> None:
    ctx = state.context()
    done = receiving.receive(ctx, configured_transport(ctx))
    if json_out:
        print_json({"recus": done.exchange.received.noemie, "problemes_boite": list(done.exchange.received.problems),
                    "integres": [r.to_json() for r in done.integrated]})
        return
    for problem in done.exchange.received.problems:
        err_console.print(problem, markup=False)
    if not done.integrated:
        console.print("Aucun retour NOEMIE à intégrer.")
    show_reports(done.integrated)


@handle_errors
def reconcile_command(json_out: bool = JSON) -> None:
    report = reconcile.reconcile_pending(state.context())
    if json_out:
        print_json(report.to_json())
        return
    console.print(f"Rapprochement : {report.examined} retour(s) examiné(s), {report.matched} rapproché(s), "
                  f"{report.unmatched} non rapproché(s).")
    for problem in report.problems[:20]:
        console.print(f"    - {problem['message']}", markup=False)


@handle_errors
def files_command(
    limite: int = typer.Option(100, "--limite", min=1, max=10_000, help="Nombre de fichiers au plus."),
    json_out: bool = JSON,
) -> None:
    views = files.list_files(state.context(), limit=limite)
    if json_out:
        print_json([v.to_json() for v in views])
        return
    if not views:
        console.print("Aucun fichier NOEMIE intégré.")
        return
    table = Table("n°", "Intégré le", "Source", "Émetteur", "N°", "Réf.", "Fact.", "Non rapp.", "Résultat", "Pb")
    for v in views:
        source = v.source if len(v.source) <= 24 else v.source[:23] + "…"
        table.add_row(str(v.id), f"{v.integrated_at:%d/%m/%y %H:%M}", source, v.emitter, v.file_id, v.reference,
                      str(v.invoices), str(v.unmatched), v.outcome_label, str(v.problems))
    console.print(table)


@handle_errors
def file_command(
    numero: str = typer.Argument(..., metavar="N", help="Numéro du fichier (voir feuille noemie fichiers)."),
    json_out: bool = JSON,
) -> None:
    detail = files.file_detail(state.context(), numero)
    if json_out:
        print_json(detail.to_json())
        return
    f = detail.file
    console.print(f"Fichier NOEMIE n° {f.id} « {f.source} » : {f.outcome_label}, intégré le "
                  f"{f.integrated_at:%d/%m/%Y %H:%M}.", markup=False)
    console.print(f"Émetteur {f.emitter}, destinataire {detail.recipient}, n° {f.file_id}, référence {f.reference}, "
                  f"créé le {f.created:%d/%m/%Y}, {detail.size} octets ({'blocs' if detail.blocked else 'continu'}).",
                  markup=False)
    console.print(f"{f.invoices} facture(s), {f.unmatched} non rapprochée(s).")
    for t in detail.transfers:
        console.print(f"Règlement du {t['date']} {t['libelle']} ({t['organisme']}) : {t['total_calcule']} € "
                      f"(annoncé {t['total_annonce'] or '—'}).", markup=False)
    if detail.problems:
        console.print(f"{len(detail.problems)} problème(s) :")
        for p in detail.problems:
            console.print(f"    - entité {p.get('entity') or '—'}, position {p.get('offset') or '—'}, "
                          f"{p.get('code')} : {p.get('message')}", markup=False)
    table = Table("Retour", "N° facture", "Facture", "Rapprochement", "Lot", "AMO réclamé", "Statut", "AMO payé",
                  "AMC payé")
    for r in detail.returns:
        table.add_row(str(r.id), r.invoice_number, str(r.invoice_id or "—"), files.MATCHES.get(r.match, r.match),
                      r.lot_number, f"{r.amo_claimed:.2f}", r.amo_status or "—", f"{r.amo_paid:.2f}",
                      f"{r.amc_paid:.2f}")
    console.print(table)
    if detail.more_returns:
        console.print("(liste tronquée : voir --json pour les autres)")


def register(app: typer.Typer) -> None:
    """Add the integration commands to the ``noemie`` group (once)."""
    app.command("integrer", help="Intègre des fichiers de retour NOEMIE (une seule fois chacun).")(integrate_command)
    app.command("recevoir", help="Relève la boîte aux lettres et intègre les retours NOEMIE reçus.")(receive_command)
    app.command("rapprocher", help="Rapproche des factures les retours en attente de lettrage.")(reconcile_command)
    app.command("fichiers", help="Fichiers NOEMIE intégrés (date, émetteur, factures, résultat).")(files_command)
    app.command("fichier", help="Détail d'un fichier NOEMIE intégré, avec ses problèmes.")(file_command)

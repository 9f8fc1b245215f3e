"""``feuille teletransmission envoyer | recevoir | auto | bordereau | relancer | traiter | parametrer-bordereau``:
the sending half of manual 003 §VI's screen (« Envoyer et Recevoir », « Recevoir uniquement », « Télétransmettre
Auto », « Edition Bordereau ») and §VII's « Traitement manuel ».

Commands only parse their arguments and call ``feuille.transmission`` (sending, auto, slip_data, manual); the mail
transport is the practice's (``feuille messagerie configurer`` or ``feuille caisse-de-test connecter``).
Registered on the ``teletransmission`` group by ``cli/names.py`` (an extra of that group).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from feuille.auth import Context
from feuille.cli.common import console, err_console, handle_errors, print_json, state
from feuille.cli.noemie_returns import show_reports
from feuille.domain.fields import parse_date
from feuille.errors import ValidationError
from feuille.returns import receiving
from feuille.transmission import auto, manual, send_settings, sending, slip_data
from feuille.transmission.lot_state import lot_id
from feuille.transmission.mail_transport import configured_transport

JSON = typer.Option(False, "--json", help="Sortie JSON.")
LOT = typer.Argument(..., metavar="LOT", help="Numéro interne du lot (voir feuille teletransmission lots).")


@contextmanager
def steps() -> Iterator[Callable[[str, int], None]]:
    """A Rich progress line on stderr: the step being done and how many of its items are done."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed}"),
                  TimeElapsedColumn(), console=err_console, transient=True) as bar:
        tasks: dict[str, object] = {}

        def advance(name: str, count: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=None)
            bar.advance(tasks[name], count)  # type: ignore[arg-type]

        yield advance


def _show_exchange(report: sending.ExchangeReport) -> None:
    for missing in report.missing:
        console.print(f"Lot {missing.lot_number} ({missing.organism}) : aucun ARL depuis le "
                      f"{missing.sent_at:%d/%m/%Y %H:%M} → {missing.state}.", markup=False)
    for view in report.scor:
        (err_console if view.error else console).print(
            f"Lot SCOR {view.id} (lot FSE {view.fse_lot_number}, {view.pieces} pièce(s)) → {view.organism} : " + (
                f"non envoyé, il reste à envoyer : {view.error}" if view.error else "envoyé"), markup=False)
    for sent in report.sent:
        verb = "réexpédié" if sent.resent else "expédié"
        if sent.ok:
            console.print(f"Lot {sent.lot_number} → {sent.organism} : {verb} (courriel {sent.stamp}).", markup=False)
        else:
            err_console.print(f"Lot {sent.lot_number} → {sent.organism} : non envoyé, il reste prêt ({sent.state}) : "
                              f"{sent.error}", markup=False)
    for arl in report.received.arls:
        if arl.duplicate:
            console.print(f"Lot {arl.lot_number} : ARL déjà traité, rien ne change ({arl.state}).", markup=False)
            continue
        console.print(f"Lot {arl.lot_number} ({arl.organism}) : {arl.state}" + (f" — {arl.label}" if arl.label
                                                                                 else "") + ".", markup=False)
        for detail in arl.details[:20]:
            console.print(f"    {detail}", markup=False)
    if report.received.noemie:
        console.print(f"{report.received.noemie} retour(s) NOEMIE reçu(s), conservé(s) pour le rapprochement.")
    for problem in report.received.problems:
        err_console.print(problem, markup=False)
    if not (report.sent or report.received.arls or report.missing or report.received.noemie or report.scor):
        console.print("Rien à envoyer ni à recevoir.")


def _show_slips(slips: list[slip_data.WrittenSlip], problem: str | None = None) -> None:
    for slip in slips:
        printed = " et imprimé" if slip.printed else ""
        console.print(f"Bordereau des lots {', '.join(slip.lots)} écrit{printed} : {slip.path}", markup=False)
        if slip.problem:
            err_console.print(f"Bordereau {slip.path.name} : {slip.problem}.", markup=False)
    if problem:
        err_console.print(f"Bordereau non édité : {problem}", markup=False)


def _integrate_after(ctx: Context, json_out: bool) -> list[dict[str, object]] | None:
    """The returns the exchange brought, integrated when « Intégrer les fichiers RSP après télétransmission » is on
    (``feuille.returns``: transmission may not call it itself)."""
    reports = receiving.after_exchange(ctx)
    if reports is None:
        return None
    if not json_out:
        show_reports(reports)
    return [r.to_json() for r in reports]


def _exit_code(report: sending.ExchangeReport) -> None:
    if report.failed:
        raise typer.Exit(7)   # TransmissionError's exit code: the lots stay ready, try again later


@handle_errors
def send_command(json_out: bool = JSON) -> None:
    ctx = state.context()
    transport = configured_transport(ctx)
    with steps() as advance:
        report = sending.exchange(ctx, transport, progress=lambda _: advance("Envoi des lots", 1))
    slips, problem = auto.slips_after(ctx, report)
    if not json_out:
        _show_exchange(report)
        _show_slips(slips, problem)
    integrated = _integrate_after(ctx, json_out)
    if json_out:
        print_json({**auto.exchange_json(report), "bordereaux": [str(s.path) for s in slips],
                    "retours_integres": integrated})
    _exit_code(report)


@handle_errors
def receive_command(json_out: bool = JSON) -> None:
    ctx = state.context()
    report = sending.exchange(ctx, configured_transport(ctx), receive_only=True)
    if not json_out:
        _show_exchange(report)
    integrated = _integrate_after(ctx, json_out)
    if json_out:
        print_json({**auto.exchange_json(report), "retours_integres": integrated})


@handle_errors
def auto_command(json_out: bool = JSON) -> None:
    ctx = state.context()
    transport = configured_transport(ctx)
    with steps() as advance:
        report = auto.run(ctx, transport, advance)
    if json_out:
        integrated = _integrate_after(ctx, json_out)
        print_json({**report.to_json(), "retours_integres": integrated})
        _exit_code(report.exchange)
        return
    lots = report.lotting
    console.print(f"Mise en lot : {len(lots.lots)} lot(s), {lots.invoices} facture(s).")
    written = [f for f in report.files if f.error is None]
    console.print(f"Mise en fichier : {len(written)} fichier(s).")
    for refused in (f for f in report.files if f.error is not None):
        err_console.print(f"Lot {refused.lot_number} : fichier non écrit : {refused.error}", markup=False)
    _show_exchange(report.exchange)
    _show_slips(report.slips, report.slip_problem)
    _integrate_after(ctx, json_out)
    _exit_code(report.exchange)


@handle_errors
def slip_command(
    lots: list[str] | None = typer.Argument(None, metavar="[LOT]...", help="Numéros internes des lots."),
    date: str | None = typer.Option(None, "--date", help="Les lots envoyés ce jour (JJ/MM/AAAA)."),
    dossier: Path | None = typer.Option(None, "--dossier", help="Dossier où écrire le PDF (défaut : réglage "
                                        "du bordereau, sinon « bordereaux » dans le dossier des données)."),
    sans_impression: bool = typer.Option(False, "--sans-impression", help="Écrire le PDF sans lancer la "
                                         "commande d'impression des réglages."),
) -> None:
    ctx = state.context()
    if bool(lots) == (date is not None):
        raise ValidationError("Indiquez des lots (LOT…) ou une date (--date JJ/MM/AAAA), l'un des deux.",
                              code="usage", field="LOT")
    if lots:
        slips = slip_data.slips_for_lots(ctx, [lot_id(ref) for ref in lots])
    else:
        day = parse_date(date, "date", "Date des envois")
        if day is None:
            raise ValidationError("--date : une date JJ/MM/AAAA est attendue.", code="usage", field="date")
        slips = slip_data.slips_for_day(ctx, day)
    _show_slips(slip_data.write_slips(ctx, slips, dossier, print_it=False if sans_impression else None))


@handle_errors
def relaunch_command(lot: str = LOT, json_out: bool = JSON) -> None:
    ref = lot_id(lot)   # a bad argument is refused before the mail settings are read
    ctx = state.context()
    outcome = sending.relaunch(ctx, configured_transport(ctx), ref)
    report = sending.ExchangeReport([outcome])
    if json_out:
        print_json(vars(outcome))
    else:
        _show_exchange(report)
    _exit_code(report)


@handle_errors
def handle_command(
    lot: str = LOT,
    note: str = typer.Option(..., "--note", help="Ce qui a été fait (ex. « factures renvoyées sur papier »)."),
    rendre: bool = typer.Option(False, "--rendre-factures", help="Abandonner le lot (« Lot rejeté ») : ses "
                                "factures redeviennent à télétransmettre."),
) -> None:
    done = manual.handle(state.context(), lot, note, rendre)
    if not done.changed:
        console.print(f"Lot {done.lot_number} : déjà traité ainsi, rien ne change.", markup=False)
        return
    console.print(f"Lot {done.lot_number} ({done.state}) : {done.handling}", markup=False)
    if done.given_back:
        console.print(f"{done.given_back} facture(s) de nouveau à télétransmettre.")


@handle_errors
def slip_settings_command(
    dossier: str | None = typer.Option(None, "--dossier", help="Dossier des bordereaux (vide : le défaut)."),
    commande: str | None = typer.Option(None, "--commande", help="Commande d'impression, le PDF en dernier "
                                        "argument (ex. « lp ») ; vide : pas d'impression."),
    cabinet: str | None = typer.Option(None, "--cabinet", help="Nom du cabinet en tête du bordereau."),
) -> None:
    values = {k: v for k, v in (("dossier", dossier), ("commande_impression", commande), ("nom_cabinet", cabinet))
              if v is not None}
    found = send_settings.update_slip(state.context(), values)
    console.print(f"Bordereau : dossier {found.slip_folder or slip_data.default_folder()}, impression "
                  f"{found.print_command or 'aucune'}, cabinet {found.practice_name or '-'} ; édition après "
                  f"télétransmission : {'oui' if found.slip_after_sending else 'non'} (feuille teletransmission "
                  "parametrer --bordereau-apres).", markup=False)


def register(app: typer.Typer) -> None:
    """Add the sending commands to the ``teletransmission`` group (once)."""
    if any(c.name == "envoyer" for c in app.registered_commands):
        return
    app.command("envoyer", help="Envoyer et Recevoir : expédie chaque lot prêt (un courriel par fichier), relève "
                                "les ARL et retours NOEMIE, renvoie les lots sans ARL après le délai.")(send_command)
    app.command("recevoir", help="Recevoir uniquement : relève les ARL et retours NOEMIE de la boîte aux "
                                 "lettres.")(receive_command)
    app.command("auto", help="Télétransmettre Auto : mettre en lot, mettre en fichier, envoyer et recevoir, puis "
                             "bordereau si le réglage le demande.")(auto_command)
    app.command("bordereau", help="Bordereau de télétransmission (PDF) de lots, ou des lots envoyés un jour.")(
        slip_command)
    app.command("relancer", help="Renvoie à la main le fichier d'un lot sans ARL après renvoi, refusé au courriel, "
                                 "non remis ou en erreur.")(relaunch_command)
    app.command("traiter", help="Traitement manuel d'un lot refusé ou sans ARL : note ce qui a été fait (et rend "
                                "ses factures avec --rendre-factures).")(handle_command)
    app.command("parametrer-bordereau", help="Dossier, commande d'impression et nom du cabinet du "
                                             "bordereau.")(slip_settings_command)

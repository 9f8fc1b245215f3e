"""CLI group ``feuille suivi`` (issue 13, manual 003 VII « Suivi Facturations »): the teletransmitted invoices and
their follow-up state, the detail of their returns, manual matching, rejects and what the desk does about them.

Commands only parse their options and call ``feuille.returns``; every list has ``--json`` and ``--csv FICHIER``
(:mod:`feuille.cli.export`: « ; », UTF-8 with BOM, amounts 1234,56, dates JJ/MM/AAAA).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

import typer
from rich.table import Table

from feuille.cli.common import console, handle_errors, print_json, state
from feuille.cli.export import CSV_OPTION
from feuille.cli.returns_tables import export
from feuille.domain import follow_up as fu
from feuille.money import ZERO, format_amount_fr
from feuille.returns import corrections, follow_up, manual_matching, rejects
from feuille.returns.exports import FOLLOW_UP_COLUMNS, REJECT_COLUMNS, UNMATCHED_COLUMNS
from feuille.returns.follow_up import parse_filters
from feuille.returns.follow_up_detail import invoice_detail

HELP = "Suivi des facturations : état des factures télétransmises, rapprochement, rejets et leur traitement."
app = typer.Typer(help=HELP, no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Sortie JSON.")
FACTURE = typer.Argument(..., metavar="FACTURE", help="Numéro interne de la facture (colonne « Id » de la liste).")
RETOUR = typer.Argument(..., metavar="RETOUR", help="Numéro du retour (voir feuille suivi non-rapproches).")
ETAT = typer.Option([], "--etat", help="État de suivi (plusieurs possibles) : en-cours, paye, partiellement-paye, "
                    "rejete, anomalie.")
DU = typer.Option(None, "--du", help="Depuis le (JJ/MM/AAAA).")
AU = typer.Option(None, "--au", help="Jusqu'au (JJ/MM/AAAA).")
SELON = typer.Option(None, "--selon", help="Date filtrée : « facture » (défaut) ou « retour » (reçu le).")
AMO = typer.Option(None, "--amo", help="Organisme AMO : régime et caisse (« 01 349 »), ou avec le centre.")
AMC = typer.Option(None, "--amc", help="Organisme AMC : son numéro.")
PATIENT = typer.Option(None, "--patient", help="Nom (ou début du nom) du patient, ou NIR.")
PRO = typer.Option(None, "--professionnel", help="Numéro interne ou n° de facturation du professionnel.")
PAGE = typer.Option(None, "--page", help="Page (défaut 1).")
PAR_PAGE = typer.Option(None, "--par-page", help="Lignes par page (défaut 50, au plus 1000).")

def _money(value: Decimal | None) -> str:
    return format_amount_fr(value if value is not None else ZERO)


def _day(value: Any) -> str:
    return f"{value:%d/%m/%Y}" if value is not None else ""


def _filters(etat: list[str], du: str | None, au: str | None, selon: str | None, amo: str | None, amc: str | None,
             patient: str | None, professionnel: str | None, page: str | None, par_page: str | None,
             rsp_non_rapproche: bool = False) -> Any:
    return parse_filters(states=etat, since=du, until=au, selon=selon, amo=amo, amc=amc, patient=patient,
                         professional=professionnel, no_matched_return=rsp_non_rapproche, page=page,
                         per_page=par_page)


def _follow_up_table(lines: Iterable[Any], title: str) -> Table:
    table = Table("Id", "Reçu le", "Nom du client", "Facture", "N° facture", "Lot", "Mt attendu", "Mt payé",
                  "Mt restant dû", "Org. AMO/AMC", title=title)
    table.add_column("Etat", no_wrap=True)   # the state is what the desk looks for: never cut in two
    table.add_column("SV")
    table.add_column("Suite")
    for line in lines:
        table.add_row(str(line.invoice_id), _day(line.received_on), line.patient[:30], _day(line.invoice_date),
                      str(line.number or ""), line.lot, _money(line.expected), _money(line.paid),
                      _money(line.remaining), line.organisms, line.state_label, "SV" if line.sesam_vitale else "",
                      line.follow_on)
    return table


@app.command("liste")
@handle_errors
def liste(etat: list[str] = ETAT, du: str | None = DU, au: str | None = AU, selon: str | None = SELON,
          amo: str | None = AMO, amc: str | None = AMC, patient: str | None = PATIENT,
          professionnel: str | None = PRO,
          rsp_non_rapproche: bool = typer.Option(False, "--rsp-non-rapproche",
                                                 help="Seulement les factures sans retour rapproché."),
          page: str | None = PAGE, par_page: str | None = PAR_PAGE, json_out: bool = JSON,
          csv: str | None = CSV_OPTION) -> None:
    """Suivi Facturations : les factures télétransmises, leur état, attendu, payé et restant dû."""
    ctx = state.context()
    filters = _filters(etat, du, au, selon, amo, amc, patient, professionnel, page, par_page, rsp_non_rapproche)
    result = follow_up.list_follow_up(ctx, filters)
    if csv is not None and export(csv, follow_up.iter_lines(ctx, filters), FOLLOW_UP_COLUMNS):
        return
    if json_out:
        print_json(result.to_json())
        return
    if not result.lines:
        console.print("Aucune facture télétransmise ne correspond.")
    else:
        console.print(_follow_up_table(result.lines, f"Suivi des facturations (page {result.page})"))
    console.print(result.footer, markup=False, highlight=False)


@app.command("detail")
@handle_errors
def detail(facture: str = FACTURE, json_out: bool = JSON) -> None:
    """Détails des RSP d'une facture : ses retours, ses actes payés, ses rejets et leur motif."""
    found = invoice_detail(state.context(), facture)
    if json_out:
        print_json(found.to_json())
        return
    line = found.line
    console.print(f"Facture n° {line.number} (id {line.invoice_id}) du {_day(line.invoice_date)}, {line.patient}, "
                  f"lot {line.lot or '—'} : {line.state_label}. {line.follow_on}".rstrip(), markup=False)
    console.print(f"AMO {line.amo_organism or '—'} : attendu {_money(line.expected_amo)}, payé "
                  f"{_money(line.paid_amo)}, reste {_money(line.expected_amo - line.paid_amo)}. AMC "
                  f"{line.amc_organism or '—'} : attendu {_money(line.expected_amc)}, payé {_money(line.paid_amc)}, "
                  f"reste {_money(line.expected_amc - line.paid_amc)}.", markup=False)
    if not found.returns:
        console.print("Aucun retour (RSP) rapproché de cette facture.")
    for ret in found.returns:
        console.print(f"Retour n° {ret.return_id} reçu le {_day(ret.received_on)} ({ret.source}, réf. "
                      f"{ret.reference}) : AMO réclamé {_money(ret.amo_claimed)} {ret.to_json()['amo']['etat_libelle']}"
                      f" payé {_money(ret.amo_paid)} ; AMC réclamé {_money(ret.amc_claimed)} payé "
                      f"{_money(ret.amc_paid)} ; {ret.to_json()['rapprochement_libelle']}.", markup=False)
        for act in ret.acts:
            billed = _money(act.billed_amo) if act.billed_amo is not None else "—"
            console.print(f"    acte {act.line} {act.act_code} ×{act.quantity} : remboursé {_money(act.reimbursed)}"
                          f" (facturé AMO {billed}){' — ' + act.difference if act.difference else ''}", markup=False)
        for reject in ret.rejects:
            console.print(f"    {reject.nature} {reject.code} : {reject.reason}", markup=False)
    for handling in found.handlings:
        amount = f" ({_money(handling.amount)} €)" if handling.amount is not None else ""
        console.print(f"{handling.label} le {handling.done_at:%d/%m/%Y %H:%M} par {handling.done_by}{amount} : "
                      f"{handling.note}", markup=False)


@app.command("non-rapproches")
@handle_errors
def non_rapproches(page: str | None = PAGE, par_page: str | None = PAR_PAGE, json_out: bool = JSON,
                   csv: str | None = CSV_OPTION) -> None:
    """Retours (RSP) rapprochés d'aucune facture, à rapprocher à la main."""
    ctx = state.context()
    paging = _filters([], None, None, None, None, None, None, None, page, par_page)
    result = manual_matching.list_unmatched(ctx, paging.page, paging.per_page)
    if csv is not None and export(csv, manual_matching.list_unmatched(ctx, 1, max(result.total, 1)).lines,
                                  UNMATCHED_COLUMNS):
        return
    if json_out:
        print_json(result.to_json())
        return
    if not result.lines:
        console.print("Aucun retour non rapproché.")
        return
    table = Table("Retour", "Reçu le", "N° facture", "Lot", "NIR", "Patient", "AMO réclamé", "AMO payé", "État")
    for r in result.lines:
        table.add_row(str(r.return_id), _day(r.received_on), r.invoice_number, r.lot_number, r.nir, r.patient[:30],
                      _money(r.amo_claimed), _money(r.amo_paid), r.match_label)
    console.print(table)
    console.print(f"{result.total} retour(s) non rapproché(s) ; « feuille suivi rapprocher RETOUR FACTURE ».")


@app.command("rapprocher")
@handle_errors
def rapprocher(retour: str = RETOUR, facture: str = FACTURE, json_out: bool = JSON) -> None:
    """Rapproche à la main un retour d'une facture télétransmise."""
    done = manual_matching.match(state.context(), retour, facture)
    if json_out:
        print_json(done.to_json())
        return
    console.print(f"Retour n° {done.return_invoice_id} rapproché de la facture n° {done.invoice_number} (id "
                  f"{done.invoice_id}) : {done.follow_up}, reste dû {_money(done.amounts.remaining)} €.", markup=False)


@app.command("dissocier")
@handle_errors
def dissocier(retour: str = RETOUR, json_out: bool = JSON) -> None:
    """Défait un rapprochement manuel : le retour redevient non rapproché."""
    done = manual_matching.unmatch(state.context(), retour)
    if json_out:
        print_json(done.to_json())
        return
    console.print(f"Retour n° {done.return_id} dissocié de la facture id {done.invoice_id} : elle est « "
                  f"{done.follow_up} ».", markup=False)


@app.command("rejets")
@handle_errors
def rejets(du: str | None = DU, au: str | None = AU, selon: str | None = SELON, amo: str | None = AMO,
           amc: str | None = AMC, patient: str | None = PATIENT, professionnel: str | None = PRO,
           non_traites: bool = typer.Option(False, "--non-traites", help="Sans les rejets traités ou corrigés."),
           page: str | None = PAGE, par_page: str | None = PAR_PAGE, json_out: bool = JSON,
           csv: str | None = CSV_OPTION) -> None:
    """Factures rejetées, avec le code et le motif du rejet."""
    ctx = state.context()
    filters = _filters([], du, au, selon, amo, amc, patient, professionnel, page, par_page)
    result = rejects.list_rejects(ctx, filters, unhandled_only=non_traites)
    everything = replace(filters, page=1, per_page=max(result.total, 1))
    if csv is not None and export(csv, rejects.list_rejects(ctx, everything, unhandled_only=non_traites).lines,
                                  REJECT_COLUMNS):
        return
    if json_out:
        print_json(result.to_json())
        return
    if not result.lines:
        console.print("Aucune facture rejetée ne correspond.")
        return
    table = Table("Id", "Facture", "N° facture", "Nom du client", "Lot", "Mt attendu", "Codes", "Motif", "Suite")
    for r in result.lines:
        line = r.line
        table.add_row(str(line.invoice_id), _day(line.invoice_date), str(line.number or ""), line.patient[:30],
                      line.lot, _money(line.expected), r.codes, r.reason, line.follow_on)
    console.print(table)
    console.print(f"{result.total} facture(s) rejetée(s).")


@app.command("traiter")
@handle_errors
def traiter(facture: str = FACTURE,
            note: str = typer.Option(..., "--note", help="Ce qui a été fait (ex. « PEC renvoyée à la mutuelle »)."),
            json_out: bool = JSON) -> None:
    """Traitement manuel d'un rejet : le marque traité, avec une note."""
    done = rejects.mark_handled(state.context(), facture, note)
    if json_out:
        print_json(done.to_json())
        return
    console.print(f"Rejet de la facture id {done.invoice_id} marqué TRAITÉ le {done.done_at:%d/%m/%Y} par "
                  f"{done.done_by} : {done.note}", markup=False)


@app.command("changer-etat")
@handle_errors
def changer_etat(facture: str = FACTURE,
                 etat: str = typer.Option(..., "--etat", help="paye ou partiellement-paye."),
                 note: str = typer.Option(..., "--note", help="Comment l'organisme a payé (hors flux)."),
                 montant: str | None = typer.Option(None, "--montant", help="Montant payé (défaut pour « paye » : "
                                                    "l'attendu ; obligatoire pour un paiement partiel)."),
                 json_out: bool = JSON) -> None:
    """Change à la main l'état d'une facture rejetée que l'organisme a payée hors flux."""
    done = rejects.change_state(state.context(), facture, etat, note, montant)
    if json_out:
        print_json(done.to_json())
        return
    label = fu.LABELS.get(fu.of_invoice(done.state_to or "") or fu.FollowUp.EN_COURS, "")
    console.print(f"Facture id {done.invoice_id} : « {label} » ({_money(done.amount)} € payés hors flux). "
                  "Pensez au lettrage manuel du retour quand il arrive.", markup=False)


@app.command("corriger")
@handle_errors
def corriger(facture: str = FACTURE, json_out: bool = JSON) -> None:
    """Corrige une facture rejetée : crée une nouvelle facture (brouillon) liée, qui aura un nouveau numéro."""
    made = corrections.correct(state.context(), facture)
    if json_out:
        print_json(made.to_json())
        return
    console.print(f"Correction de la facture n° {made.original_number} : nouvelle facture brouillon, numéro interne "
                  f"{made.draft_id} (son numéro sera tiré à la signature). Étapes suivantes :", markup=False)
    for step in made.next_steps:
        console.print(f"  {step}", markup=False, highlight=False)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="suivi")

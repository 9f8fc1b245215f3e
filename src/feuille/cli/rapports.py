"""CLI group ``feuille rapports``: expected and paid per organism, ageing of the unpaid, SESAM-Vitale share, and
billed / paid / rejected per month. Commands only parse their arguments and call ``feuille.returns.reports``."""

from __future__ import annotations

import typer

from feuille.cli.common import console, handle_errors, print_json, state
from feuille.cli.returns_tables import CSV, JSON, euros, show, table
from feuille.domain.months import month_label
from feuille.returns import exports, report_modes, reports

HELP = "Rapports : attendu et payé par organisme, ancienneté des impayés, part sécurisée en SESAM-Vitale."
app = typer.Typer(help=HELP, no_args_is_help=True)

DU = typer.Option(None, "--du", help="Début de la période, sur la date de facture (JJ/MM/AAAA ; défaut : il y a "
                                     "un an).")
AU = typer.Option(None, "--au", help="Fin de la période, sur la date de facture (JJ/MM/AAAA ; défaut : "
                                     "aujourd'hui).")
PRO = typer.Option(None, "--professionnel", help="Seulement les factures de ce professionnel (numéro interne ou n° "
                                                 "de facturation).")


@app.command("organismes", help="Attendu, payé et restant dû par organisme (AMO : régime, caisse, centre ; AMC), "
                                "sur les factures télétransmises de la période.")
@handle_errors
def organismes(du: str | None = DU, au: str | None = AU, professionnel: str | None = PRO, json_out: bool = JSON,
               csv_file: str | None = CSV) -> None:
    report = reports.by_organism(state.context(), du, au, professional=professionnel)
    columns, csv_columns = exports.ORGANISM_HEADERS, exports.ORGANISM_COLUMNS

    def draw() -> None:
        console.print(table(f"Attendu et payé par organisme, factures {report.period.label()}", columns,
                            [(line.share, line.organism, str(line.invoices), euros(line.expected), euros(line.paid),
                              euros(line.remaining)) for line in report.lines],
                            right=("Factures", "Attendu", "Payé", "Restant dû")))
        console.print(f"Total : attendu {euros(report.expected)} €, payé {euros(report.paid)} €, restant dû "
                      f"{euros(report.remaining)} €.")

    show(report.lines, json_out=json_out, csv_file=csv_file, csv_columns=csv_columns, json_data=report.to_json,
         draw=draw, empty=f"Aucune facture télétransmise {report.period.label()}.")


@app.command("anciennete", help="Ancienneté de ce qui reste dû (0-30, 31-60, 61-90, plus de 90 jours, comptés "
                                "depuis la date de facture), par organisme et au total.")
@handle_errors
def anciennete(date: str | None = typer.Option(None, "--date", help="Date de référence (JJ/MM/AAAA ; défaut : "
                                                                     "aujourd'hui)."),
               du: str | None = typer.Option(None, "--du", help="Seulement les factures depuis cette date "
                                                                 "(JJ/MM/AAAA ; défaut : toutes)."),
               au: str | None = typer.Option(None, "--au", help="Seulement les factures jusqu'à cette date "
                                                                "(JJ/MM/AAAA ; défaut : la date de référence)."),
               professionnel: str | None = PRO, json_out: bool = JSON, csv_file: str | None = CSV) -> None:
    report = reports.ageing(state.context(), date, du, au, professional=professionnel)
    columns, csv_columns = exports.AGEING_HEADERS, exports.AGEING_COLUMNS

    def draw() -> None:
        console.print(table(f"Restant dû au {report.reference:%d/%m/%Y} par ancienneté (depuis la date de "
                            "facture)", columns,
                            [(c.share or "", c.organism, c.bucket, str(c.invoices), euros(c.remaining))
                             for c in report.cells], right=("Factures", "Restant dû"), whole=("Tranche (jours)",)))

    show(report.cells, json_out=json_out, csv_file=csv_file, csv_columns=csv_columns, json_data=report.to_json,
         draw=draw, empty=f"Rien ne reste dû au {report.reference:%d/%m/%Y}.")


@app.command("sesam-vitale", help="Part des factures télétransmises sécurisées en SESAM-Vitale (« N dossiers dont "
                                  "M sécurisés en sesam vitale soit P % ») ; mois par mois avec --par-mois.")
@handle_errors
def sesam_vitale(du: str | None = DU, au: str | None = AU, professionnel: str | None = PRO,
                 par_mois: bool = typer.Option(False, "--par-mois", help="Mois par mois : SESAM-Vitale, SESAM sans "
                                                                          "Vitale, dégradé, feuille papier."),
                 json_out: bool = JSON, csv_file: str | None = CSV) -> None:
    ctx = state.context()
    if par_mois or csv_file is not None:
        _modes(report_modes.modes_by_month(ctx, du, au, professional=professionnel), json_out, csv_file)
        return
    report = reports.sesam_vitale(ctx, du, au, professional=professionnel)
    if json_out:
        print_json(report.to_json())
        return
    console.print(f"Factures {report.period.label()} : {report.share.line}.", markup=False, soft_wrap=True)


def _modes(report: report_modes.ModesReport, json_out: bool, csv_file: str | None) -> None:
    rows = [*report.months, report.total] if report.months else []
    # short headings: the table fits a terminal (the CSV has the long ones)
    headers = ("Mois", "Factures", "SESAM-Vitale", "Sans Vitale", "Dégradé", "Papier", "Part SV")

    def draw() -> None:
        console.print(table(f"Modes de sécurisation par mois, factures {report.period.label()}", headers,
                            [(month_label(m.month), str(m.total), str(m.sesam_vitale), str(m.without_vitale),
                              str(m.degraded), str(m.paper), f"{m.percent} %") for m in rows],
                            right=headers[1:], whole=("Mois",)))

    show(rows, json_out=json_out, csv_file=csv_file, csv_columns=exports.MODES_COLUMNS, json_data=report.to_json,
         draw=draw, empty=f"Aucune facture télétransmise {report.period.label()}.")


@app.command("mensuel", help="Facturé, payé et rejeté par mois (de la date de facture) et par organisme.")
@handle_errors
def mensuel(du: str | None = DU, au: str | None = AU, professionnel: str | None = PRO, json_out: bool = JSON,
            csv_file: str | None = CSV) -> None:
    report = reports.monthly(state.context(), du, au, professional=professionnel)
    columns, csv_columns = exports.MONTHLY_HEADERS, exports.MONTHLY_COLUMNS

    def draw() -> None:
        console.print(table(f"Par mois, factures {report.period.label()}", columns,
                            [(m.month, m.share, m.organism, str(m.invoices), euros(m.billed), euros(m.paid),
                              euros(m.rejected), str(m.rejected_invoices)) for m in report.lines],
                            right=("Factures", "Facturé", "Payé", "Rejeté", "Factures rejetées"), whole=("Mois",)))

    show(report.lines, json_out=json_out, csv_file=csv_file, csv_columns=csv_columns, json_data=report.to_json,
         draw=draw, empty=f"Aucune facture télétransmise {report.period.label()}.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="rapports")

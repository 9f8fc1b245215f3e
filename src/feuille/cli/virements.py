"""CLI group ``feuille virements``: manual 003 IX « Suivi Virements » (the list, « Détail du virement », and the
check of each transfer's sum). Commands only parse their arguments and call ``feuille.returns.transfers``."""

from __future__ import annotations

import typer

from feuille.cli.common import console, handle_errors, print_json, state
from feuille.cli.returns_tables import AU, CSV, DU, JSON, LIMITE, ORGANISME, day, euros, show, table
from feuille.money import total
from feuille.returns import transfers
from feuille.returns.codes import Table, label

HELP = "Suivi des virements : virements des organismes, détail des factures payées, mouvements financiers."
app = typer.Typer(help=HELP, no_args_is_help=True)

LIST_COLUMNS = ("n°", "Date", "Libellé du virement", "Organisme payeur", "Payé", "Contrôle")
CSV_COLUMNS = ("n°", "Date", "Libellé du virement (ligne 1)", "Libellé du virement (ligne 2)", "Organisme payeur",
               "Payé", "Total calculé", "Écart", "Contrôle")


@app.command("liste", help="Virements d'une période (Date, Libellé du virement, Organisme payeur, Payé) et le "
                           "contrôle de leur montant (payé − retenu).")
@handle_errors
def liste(du: str | None = DU, au: str | None = AU, organisme: str | None = ORGANISME,
          ecarts: bool = typer.Option(False, "--ecarts", help="Seulement les virements dont le montant ne "
                                                               "correspond pas au détail (ou sans total déclaré)."),
          journees: bool = typer.Option(False, "--journees", help="Avec les journées comptables sans virement."),
          limite: int | None = LIMITE, json_out: bool = JSON, csv_file: str | None = CSV) -> None:
    span, rows = transfers.listing_transfers(state.context(), du, au, organisme, differences=ecarts,
                                             accounting_days=journees, limit=limite)

    def draw() -> None:
        console.print(table(f"Virements {span.label()}", LIST_COLUMNS,
                            [(str(r.id), day(r.settlement_date), r.label, r.paying_organism.strip(), euros(r.paid),
                              r.check.message()) for r in rows], right=("n°", "Payé")))
        wrong = sum(1 for r in rows if not r.check.ok)
        paid = euros(total(r.paid for r in rows))
        console.print(f"{len(rows)} virement(s), {paid} € ; " + (f"{wrong} à vérifier." if wrong else
                                                                 "tous conformes."))

    show(rows, json_out=json_out, csv_file=csv_file, csv_columns=CSV_COLUMNS,
         csv_row=lambda r: (r.id, r.settlement_date, r.label_1.strip(), r.label_2.strip(), r.paying_organism.strip(),
                            r.paid, r.check.computed, r.check.difference, r.check.message()),
         json_data=lambda: {"periode": span.to_json(), "virements": [r.to_json() for r in rows]},
         draw=draw, empty=f"Aucun virement {span.label()}.")


@app.command("detail", help="Détail du virement : paiements et régularisations, mouvements financiers, paiements "
                            "ponctuels, retenues ponctuelles, et le contrôle de son montant.")
@handle_errors
def detail(numero: str = typer.Argument(..., metavar="N", help="Numéro interne du virement (colonne n° de la "
                                                                 "liste)."),
           json_out: bool = JSON) -> None:
    found = transfers.detail(state.context(), numero)
    if json_out:
        print_json(found.to_json())
        return
    t = found.transfer
    console.print(f"Virement {t.id} du {day(t.settlement_date)} — {t.label} — organisme payeur "
                  f"{t.paying_organism.strip() or '—'} — payé {euros(t.paid)} € (fichier {found.file_id}).",
                  markup=False)
    console.print(table("Paiement(s)/Régularisation(s)",
                        ("Numéro", "Date", "Nom du client", "Organisme", "AMO facturé", "AMO payé", "AMC facturé",
                         "AMC payé"),
                        [(i.number, day(i.invoice_date), i.patient_name, i.organism, euros(i.amo_claimed),
                          euros(i.amo_paid), euros(i.amc_claimed), euros(i.amc_paid)) for i in found.invoices],
                        right=("AMO facturé", "AMO payé", "AMC facturé", "AMC payé")))
    console.print(table("Mouvements financiers",
                        ("Référence dette", "Date dette", "Nature dette", "Nature opération", "Montant MFI",
                         "Montant solde"),
                        [(m.debt_reference, day(m.debt_date), label(Table.DEBT_NATURE, m.debt_nature),
                          label(Table.OPERATION, m.operation), euros(m.amount), euros(m.remaining))
                         for m in found.movements], right=("Montant MFI", "Montant solde")))
    console.print(table("Paiements ponctuels", ("Code", "Libellé", "Montant"),
                        [(p.code, p.label, euros(p.amount)) for p in found.one_off], right=("Montant",)))
    console.print(table("Retenues ponctuelles", ("Référence dette", "Nature opération", "Montant retenu"),
                        [(m.debt_reference, label(Table.OPERATION, m.operation), euros(-m.amount))
                         for m in found.withholdings], right=("Montant retenu",)))
    check = t.check
    console.print(f"Contrôle : factures {euros(check.invoices)} + paiements ponctuels {euros(check.one_off)} − "
                  f"retenues {euros(check.withheld)} = {euros(check.computed)} € ; déclaré "
                  f"{euros(check.declared) if check.declared is not None else '—'} : {check.message()}.",
                  markup=False)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="virements")

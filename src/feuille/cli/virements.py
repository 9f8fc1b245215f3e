"""CLI group ``feuille virements``: manual 003 IX « Suivi Virements » (the list, « Détail du virement », and the
check of each transfer's sum). Commands only parse their arguments and call ``feuille.returns.transfers``."""

from __future__ import annotations

import typer

from feuille.cli.common import console, handle_errors, print_json, state
from feuille.cli.returns_tables import AU, CSV, DU, JSON, LIMITE, ORGANISME, day, euros, show, table
from feuille.money import total
from feuille.returns import transfers
from feuille.returns.codes import Table, label
from feuille.returns.exports import TRANSFER_COLUMNS

HELP = "Suivi des virements : virements des organismes, détail des factures payées, mouvements financiers."
app = typer.Typer(help=HELP, no_args_is_help=True)

LIST_COLUMNS = ("n°", "Date", "Libellé du virement", "Organisme payeur", "Payé", "Contrôle")
CSV_COLUMNS = TRANSFER_COLUMNS


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
                            [(str(r.id), day(r.settlement_date), f"{r.label_1}\n{r.label_2}".strip(), r.paying_organism,
                              euros(r.paid), r.check.message()) for r in rows], right=("n°", "Payé"), whole=("Date",)))
        wrong = [r for r in rows if not r.check.ok]
        paid = euros(total(r.paid for r in rows))
        console.print(f"{len(rows)} virement(s), {paid} € ; " + (f"{len(wrong)} à vérifier :" if wrong else
                                                                 "tous conformes."))
        for r in wrong:
            console.print(f"  - virement {r.id} du {day(r.settlement_date)} ({r.label_1}) : {r.check.message()}",
                          markup=False, highlight=False)

    show(rows, json_out=json_out, csv_file=csv_file, csv_columns=CSV_COLUMNS,
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
                  f"{t.paying_organism or '—'} — payé {euros(t.paid)} € (fichier {found.file_id}).",
                  markup=False)
    # the organism of every line is the transfer's paying organism, said above: the JSON keeps it per line
    _part("Paiement(s)/Régularisation(s)", ("N°", "Date", "Client", "AMO fact.", "AMO payé", "AMC fact.",
                                              "AMC payé"),
          [(i.number, day(i.invoice_date), i.patient_name, euros(i.amo_claimed), euros(i.amo_paid),
            euros(i.amc_claimed), euros(i.amc_paid)) for i in found.invoices],
          right=("AMO fact.", "AMO payé", "AMC fact.", "AMC payé"), whole=("N°", "Date"))
    _part("Mouvements financiers", ("Réf. dette", "Date dette", "Nature dette", "Opération", "Montant", "Solde"),
          [(m.debt_reference, day(m.debt_date), label(Table.DEBT_NATURE, m.debt_nature),
            label(Table.OPERATION, m.operation), euros(m.amount), euros(m.remaining)) for m in found.movements],
          right=("Montant", "Solde"), whole=("Réf. dette", "Date dette"))
    _part("Paiements ponctuels", ("Code", "Libellé", "Montant"),
          [(p.code, p.label, euros(p.amount)) for p in found.one_off], right=("Montant",), whole=("Code",))
    _part("Retenues ponctuelles", ("Réf. dette", "Opération", "Montant retenu"),
          [(m.debt_reference, label(Table.OPERATION, m.operation), euros(-m.amount)) for m in found.withholdings],
          right=("Montant retenu",), whole=("Réf. dette",))
    check = t.check
    console.print(f"Contrôle : factures {euros(check.invoices)} + paiements ponctuels {euros(check.one_off)} − "
                  f"retenues {euros(check.withheld)} = {euros(check.computed)} € ; déclaré "
                  f"{euros(check.declared) if check.declared is not None else '—'} : {check.message()}.",
                  markup=False)


def _part(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]], *, right: tuple[str, ...],
          whole: tuple[str, ...]) -> None:
    """One part of « Détail du virement », or one line saying it is empty."""
    if rows:
        console.print(table(title, columns, rows, right=right, whole=whole))
    else:
        console.print(f"{title} : aucun.", markup=False)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="virements")

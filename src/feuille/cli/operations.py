"""CLI group ``feuille operations``: manual 003 X « Op. Ponctuelles » (the payments tied to no invoice, the
withholdings, and « Détail opération ponctuelle »). Commands only parse arguments and call
``feuille.returns.one_off``."""

from __future__ import annotations

import typer

from feuille.cli.common import console, handle_errors, print_json, state
from feuille.cli.returns_tables import AU, CSV, DU, JSON, LIMITE, ORGANISME, day, euros, show, table
from feuille.money import total
from feuille.returns import exports, one_off

HELP = "Opérations ponctuelles : paiements non liés à une facture et retenues, avec leur détail."
app = typer.Typer(help=HELP, no_args_is_help=True)


@app.command("paiements", help="Paiements non liés à une facture (Date comptable, Organisme, Code, Libellé, "
                               "Montant paiement), ex. l'aide annuelle SESAM-Vitale.")
@handle_errors
def paiements(du: str | None = DU, au: str | None = AU, organisme: str | None = ORGANISME,
              limite: int | None = LIMITE, json_out: bool = JSON, csv_file: str | None = CSV) -> None:
    span, rows = one_off.payments(state.context(), du, au, organisme, limit=limite)
    columns, csv_columns = exports.PAYMENT_HEADERS, exports.PAYMENT_COLUMNS

    def draw() -> None:
        console.print(table(f"Paiements ponctuels {span.label()}", columns,
                            [(str(r.id), day(r.accounting_date), r.organism, r.code, r.label, euros(r.amount))
                             for r in rows], right=("n°", "Montant paiement")))
        console.print(f"{len(rows)} paiement(s), {euros(total(r.amount for r in rows))} €.")

    show(rows, json_out=json_out, csv_file=csv_file, csv_columns=csv_columns,
         json_data=lambda: {"periode": span.to_json(), "paiements": [r.to_json() for r in rows]},
         draw=draw, empty=f"Aucun paiement ponctuel {span.label()}.")


@app.command("retenues", help="Retenues sur prestations (Date comptable, Libellé du virement, Réf. dette, Nature "
                              "des opérations, Montant), ex. une facture payée deux fois par erreur.")
@handle_errors
def retenues(du: str | None = DU, au: str | None = AU, organisme: str | None = ORGANISME,
             limite: int | None = LIMITE, json_out: bool = JSON, csv_file: str | None = CSV) -> None:
    span, rows = one_off.withholdings(state.context(), du, au, organisme, limit=limite)
    columns, csv_columns = exports.WITHHOLDING_HEADERS, exports.WITHHOLDING_COLUMNS

    def draw() -> None:
        console.print(table(f"Retenues {span.label()}", columns,
                            [(str(r.id), day(r.accounting_date), r.transfer_label, r.debt_reference,
                              r.operation_label, euros(r.amount)) for r in rows],
                            right=("n°", "Montant")))
        console.print(f"{len(rows)} retenue(s), {euros(total(r.amount for r in rows))} €.")

    show(rows, json_out=json_out, csv_file=csv_file, csv_columns=csv_columns,
         json_data=lambda: {"periode": span.to_json(), "retenues": [r.to_json() for r in rows]},
         draw=draw, empty=f"Aucune retenue {span.label()}.")


@app.command("detail", help="Détail d'un paiement ponctuel (date comptable, NIR, date de naissance, rang, type "
                            "retour, libellés du virement, total, émetteur, destinataire…).")
@handle_errors
def detail(numero: str = typer.Argument(..., metavar="N", help="Numéro interne du paiement (colonne n° de la "
                                                                 "liste des paiements)."),
           json_out: bool = JSON) -> None:
    found = one_off.detail(state.context(), numero)
    if json_out:
        print_json(found.to_json())
        return
    console.print(table("Détail opération ponctuelle", ("Information", "Valeur"), found.rows))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="operations")

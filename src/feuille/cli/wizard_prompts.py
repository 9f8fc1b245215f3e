"""The wizard's prompting: ask until the answer parses, yes / no, numbered lists, the recap table.

Each answer is checked at once: a wrong one is asked again with the French reason; five wrong answers in a row
stop the wizard (``wizard_aborted``, exit 2).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer
from rich.table import Table

from feuille.billing import wizard_document as wd
from feuille.billing.store import InvoiceView
from feuille.cli.common import console, err_console
from feuille.errors import FeuilleError, ValidationError

T = TypeVar("T")
LIST_LIMIT = 20


def say_error(error: FeuilleError) -> None:
    err_console.print("Erreur :", style="bold red", end=" ")
    err_console.print(error.message, markup=False, emoji=False, highlight=False)


def say(text: str) -> None:
    console.print(text, markup=False)


def warn(text: str) -> None:
    err_console.print(f"Attention : {text}", markup=False)


def title(text: str) -> None:
    console.print(f"[bold]{text}[/bold]")


def ask(question: str, parse: Callable[[str], T], default: str = "", tries: int = 5) -> T:
    """Prompt until ``parse`` accepts the answer (its French error is shown each time)."""
    for _ in range(tries):
        text = typer.prompt(question, default=default, show_default=bool(default))
        try:
            return parse(str(text))
        except ValidationError as error:
            say_error(error)
    raise ValidationError(f"{question} : trop de réponses invalides, assistant abandonné.", code="wizard_aborted",
                          field="assistant")


def text(question: str, default: str = "") -> str:
    """Free text (may be empty); the service that receives it checks it."""
    return str(typer.prompt(question, default=default, show_default=bool(default))).strip()


def yes_no(question: str, default: bool) -> bool:
    return ask(f"{question} [{'O/n' if default else 'o/N'}]", lambda t: wd.parse_yes_no(t, default))


def pick(heading: str, labels: list[str], field: str, *, none_label: str | None = None,
         default: int | None = None) -> int:
    """Show a numbered list and return the number chosen (1-based; 0 is « aucun » when offered)."""
    say(heading)
    if none_label is not None:
        say(f"  0. {none_label}")
    for number, label in enumerate(labels, start=1):
        say(f"  {number}. {label}")

    def parse(typed: str) -> int:
        chosen = wd.parse_choice(typed, len(labels), field, default)
        if chosen == 0 and none_label is None:
            raise ValidationError(f"{field} : tapez un numéro de la liste (1 à {len(labels)}).", code="choice",
                                  field=field)
        return chosen

    return ask("Numéro", parse, "" if default is None else str(default))


def recap(view: InvoiceView) -> None:
    number = f"n° {view.number}" if view.number else "sans numéro"
    say(f"Facture {view.id} ({number}) du {view.invoice_date} : {view.state_label}")
    table = Table("ligne", "date", "acte", "qté", "total", "taux", "AMO", "AMC", "patient", title="Récapitulatif")
    for index, line in enumerate(view.lines, start=1):
        table.add_row(str(index), str(line.get("date", "")), str(line.get("code")), str(line.get("quantity", "")),
                      str(line.get("total")), f"{line.get('rate')} %", str(line.get("amo")), str(line.get("amc")),
                      str(line.get("patient")))
    table.add_row("", "", "total", "", view.totals["total"], "", view.totals["amo"], view.totals["amc"],
                  view.totals["patient"])
    console.print(table)
    say(f"À payer par le patient : {view.totals['due_by_patient']} ; solde : {view.balance}")
    for warning in [*view.warnings, *view.balance_warnings]:
        warn(warning)

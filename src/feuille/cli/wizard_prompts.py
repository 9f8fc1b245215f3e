"""The wizard's prompting: ask until the answer parses, yes / no, numbered lists, the recap table.

Each answer is checked at once: a wrong one is asked again with the French reason; five wrong answers in a row
stop the wizard (``wizard_aborted``, exit 2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, TypeVar

import typer
from rich.table import Table

from feuille.billing.queries import french_date
from feuille.billing.views import InvoiceView
from feuille.billing.wizard_questions import Answers, Question
from feuille.billing.wizard_search import Request
from feuille.cli import wizard_parsing as wt
from feuille.cli.common import console, err_console
from feuille.domain.invoice_fields import named
from feuille.errors import FeuilleError, ValidationError
from feuille.money import format_amount

T = TypeVar("T")
LIST_LIMIT = 20


def say_error(error: FeuilleError) -> None:
    say_refusal(error.message)


def say_refusal(message: str) -> None:
    err_console.print("Erreur :", style="bold red", end=" ")
    err_console.print(message, markup=False, emoji=False, highlight=False)


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
    return ask(f"{question} [{'O/n' if default else 'o/N'}]", lambda t: wt.parse_yes_no(t, default))


def pick(heading: str, labels: list[str], field: str, *, none_label: str | None = None,
         default: int | None = None) -> int:
    """Show a numbered list and return the number chosen (1-based; 0 is « aucun » when offered)."""
    say(heading)
    if none_label is not None:
        say(f"  0. {none_label}")
    for number, label in enumerate(labels, start=1):
        say(f"  {number}. {label}")

    def parse(typed: str) -> int:
        chosen = wt.parse_choice(typed, len(labels), field, default)
        if chosen == 0 and none_label is None:
            raise ValidationError(f"{named(field)} : tapez un numéro de la liste (1 à {len(labels)}).", code="choice",
                                  field=field)
        return chosen

    return ask("Numéro", parse, "" if default is None else str(default))


def recap(view: InvoiceView) -> None:
    number = f"n° {view.number}" if view.number else "sans numéro"
    say(f"Facture {view.id} ({number}) du {french_date(view.invoice_date)} : {view.state_label}")
    table = Table("ligne", "date", "acte", "qté", "total", "taux", "AMO", "AMC", "patient", title="Récapitulatif")
    for index, line in enumerate(view.lines, start=1):
        table.add_row(str(index), french_date(line.care_date.isoformat()), line.code, str(line.quantity),
                      format_amount(line.total), f"{line.rate} %", format_amount(line.amo), format_amount(line.amc),
                      format_amount(line.patient))
    table.add_row("", "", "total", "", view.totals["total"], "", view.totals["amo"], view.totals["amc"],
                  view.totals["patient"])
    console.print(table)
    say(f"À payer par le patient : {view.totals['due_by_patient']} ; solde : {view.balance}")
    for warning in [*view.warnings, *view.balance_warnings]:
        warn(warning)


def _shown(question: Question) -> str:
    default = question.default
    if default is None:
        return ""
    return default.strftime("%d/%m/%Y") if isinstance(default, date) else str(default)


def _checked(question: Question, parse: Callable[[str], Any]) -> Callable[[str], Any]:
    check = question.check
    return parse if check is None else (lambda typed: check(parse(typed)))


def answer(question: Question, parse: Callable[[str], Any] | None = None) -> Any:
    """Ask one question of the step machine in the terminal: what is typed becomes the typed answer (``parse``
    when the terminal offers a typed shortcut, e.g. « dom » for a place)."""
    for note in question.notes:
        say(note)
    for warning in question.warnings:
        warn(warning)
    for refusal in question.errors:
        say_refusal(refusal)
    kind, label = question.kind, question.label
    if parse is not None:
        return ask(label, _checked(question, parse), _shown(question))
    if kind == "yes_no":
        return yes_no(label, bool(question.default))
    if kind == "date":
        return ask(label, _checked(question, lambda t: wt.parse_day(t, question.id)), _shown(question))
    if kind == "amount":
        return ask(label, _checked(question, lambda t: wt.parse_optional_amount(t, question.id)), _shown(question))
    if kind == "choice":
        values = [choice.value for choice in question.choices]
        default = values.index(question.default) + 1 if question.default in values else (
            0 if question.none_label is not None else None)
        number = pick(label, [choice.label for choice in question.choices], question.id,
                      none_label=question.none_label, default=default)
        return values[number - 1] if number else None
    return ask(label, _checked(question, str), _shown(question))


def choose(question: Question) -> Any:
    """A search's list (numbered): the default is the candidate the machine proposes, if any."""
    for warning in question.warnings:
        warn(warning)
    values = [choice.value for choice in question.choices]
    default = values.index(question.default) + 1 if question.default in values else None
    number = pick(question.label, [choice.label for choice in question.choices], question.name,
                  none_label=question.none_label, default=default)
    return values[number - 1] if number else None


def drive(next_question: Callable[[Answers], Question | Request | None],
          typed: Mapping[str, Callable[[str], Any]] | None = None,
          run: Callable[[Request], Any] | None = None) -> dict[str, Any]:
    """Ask the step machine's questions until the screen is done; returns the answers by question id. ``typed``:
    the terminal's parsers by question name; ``run``: a search screen's requests to the services (its lists then
    have a default only when the machine proposes one)."""
    answers: dict[str, Any] = {}
    while (step := next_question(answers)) is not None:
        if isinstance(step, Request):
            if run is None:
                raise TypeError(f"no runner for the request {step.id}")
            answers[step.id] = run(step)
        elif run is not None and step.kind == "choice":
            answers[step.id] = choose(step)
        else:
            answers[step.id] = answer(step, (typed or {}).get(step.name))
    return answers

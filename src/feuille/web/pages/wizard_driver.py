"""The wizard's step machine driven by a web form: what the form sent (one text per question answered, the
inputs named ``<screen>|<question id>``) is read back into typed answers, screen after screen, until the first
question still to answer (or refused); the services' searches the machine asks for are run on the way.

Nothing is kept on the server between two pages: the form carries every answer typed so far (hidden inputs for
the screens not shown), and each request replays the machine from the start — the same functions, ids and values
as the terminal's ``cli/wizard_prompts.drive``. What is typed is read here (``JJ/MM/AAAA``, « oui » / « non »,
``12,50``, a choice of the list); what the answer means is checked by the machine's ``check`` (the domain's).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from feuille.billing.wizard_questions import Answers, Question
from feuille.billing.wizard_search import ActQuery, Request
from feuille.errors import NotFoundError, ValidationError, quoted
from feuille.money import parse_amount

SEPARATOR = "|"
YES, NO = "oui", "non"
#: Questions the form answers by itself: the prescription's photo is joined on the recap, once the draft exists
#: (``billing.attachments``), never carried from page to page.
AUTOMATIC = {"prescription.photo": ""}
LIMIT = 200  # questions on one screen at most (a guard: the machine always ends)


@dataclass
class Asked:
    """One question shown: its input's name, the text in the field, whether the machine took it."""

    name: str
    question: Question
    text: str
    answered: bool

    @property
    def hidden(self) -> bool:
        return self.question.id in AUTOMATIC


@dataclass
class Walk:
    """A screen (or one act of the acts screen) replayed: the typed answers, the questions asked in order, the
    first one still to answer (``pending``) and why what was typed there was refused (``error``)."""

    answers: dict[str, Any] = field(default_factory=dict)
    asked: list[Asked] = field(default_factory=list)
    pending: Asked | None = None
    error: ValidationError | None = None


def shown(question: Question) -> str:
    """The default as the field shows it."""
    value = question.default
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def _day(text: str, name: str) -> date:
    for pattern in ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationError(f"{name} : date invalide {quoted(text, 20)} (format JJ/MM/AAAA).", code="date", field=name)


def act_query(text: str) -> ActQuery:
    """The act field: a code, or the terminal's shortcuts (« ?mots » a CCAM search, « clé Péri », « favori »)."""
    value = text.strip()
    if value.startswith("?"):
        return ActQuery("ccam", value[1:].strip())
    lowered = value.lower()
    if lowered.startswith(("clé ", "cle ")) or lowered in ("clé", "cle"):
        return ActQuery("keyword", value.split(" ", 1)[1] if " " in value else "")
    if lowered in ("favori", "favoris"):
        return ActQuery("favourite")
    return ActQuery("code", value)


def read(question: Question, text: str) -> Any:
    """The typed answer of ``question`` from the text of its field (its ``check`` applied)."""
    value = text.strip()
    name = question.name
    kind = question.kind
    if kind == "yes_no":
        if value.lower() not in (YES, NO):
            raise ValidationError(f"{question.label} : « oui » ou « non » est attendu.", code="yes_no", field=name)
        typed: Any = value.lower() == YES
    elif kind == "date":
        typed = question.default if not value and isinstance(question.default, date) else _day(value, name)
    elif kind == "amount":
        try:
            typed = f"{parse_amount(value):.2f}" if value else None
        except (ValidationError, ValueError, ArithmeticError):
            raise ValidationError(f"{question.label} : montant invalide {quoted(value, 20)} (ex. 12,50).",
                                  code="amount", field=name) from None
    elif kind == "choice":
        values = [choice.value for choice in question.choices]
        if not value and question.none_label is not None:
            return None
        if value not in values:
            raise ValidationError(f"{question.label} : choisissez dans la liste.", code="choice", field=name)
        return value
    else:
        typed = act_query(value) if name == "acts.code" else value
    return typed if question.check is None else question.check(typed)


def walk(prefix: str, step: Callable[[Answers], Question | Request | None], sent: Mapping[str, str],
         run: Callable[[Request], Any] | None = None) -> Walk:
    """Replay one screen from what the form ``sent`` (inputs ``<prefix>|<id>``)."""
    done = Walk()
    for _ in range(LIMIT):
        found = step(done.answers)
        if found is None:
            return done
        if isinstance(found, Request):
            if run is None:
                raise TypeError(f"no runner for the request {found.id}")
            try:
                done.answers[found.id] = run(found)
            except (ValidationError, NotFoundError) as error:
                return _refuse_last(done, error)
            continue
        name = f"{prefix}{SEPARATOR}{found.id}"
        text = sent.get(name, AUTOMATIC.get(found.id))
        if text is None:
            done.pending = Asked(name, found, shown(found), False)
            done.asked.append(done.pending)
            return done
        try:
            done.answers[found.id] = read(found, text)
        except ValidationError as error:
            done.pending = Asked(name, found, text, False)
            done.asked.append(done.pending)
            done.error = ValidationError(error.message, code=error.code, field=name)
            return done
        done.asked.append(Asked(name, found, text, True))
    raise ValidationError("assistant : trop de questions sur cet écran.", code="wizard_aborted", field="assistant")


def _refuse_last(done: Walk, error: ValidationError | NotFoundError) -> Walk:
    """A search the services refused (an act this profession cannot bill): the question whose answer it ran on is
    asked again, what was typed kept and the refusal beside it (never a page without the form)."""
    if not done.asked:
        raise error
    last = done.asked[-1]
    done.pending = Asked(last.name, last.question, last.text, False)
    done.asked[-1] = done.pending
    done.answers.pop(last.question.id, None)
    done.error = ValidationError(error.message, code=error.code, field=last.name)
    return done


def sent_answers(form: Mapping[str, Any]) -> dict[str, str]:
    """The answers a form carries (every input whose name has a ``|``)."""
    return {str(key): str(value) for key, value in form.items() if SEPARATOR in str(key) and isinstance(value, str)}

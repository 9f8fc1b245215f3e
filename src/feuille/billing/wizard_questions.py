"""The questions of the wizard's step machine (:mod:`feuille.billing.wizard_flow`,
:mod:`feuille.billing.wizard_flow_specifics`): what any interface shows and what it sends back.

Answers are typed: ``yes_no`` → ``bool``; ``date`` → ``datetime.date``; ``choice`` → one of the choices' ``value``
(or ``None`` for the ``none_label`` entry); ``amount`` → a ``"12.50"`` string; ``code`` → the value returned by the
question's ``check`` (a domain validator that refuses in French; for a ``date``, ``check`` vets the date). A screen
may also return a :class:`~feuille.billing.wizard_search.Request` (a search the services run): its answer is what
they return.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Answers = Mapping[str, Any]


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    """One question of a screen. ``default`` is typed as the answer (``bool``, ``date``, a choice's value, the
    text of a code); ``notes`` and ``warnings`` are what the screen shows before asking."""

    id: str
    label: str
    kind: str                                   # "choice" | "yes_no" | "date" | "amount" | "code"
    choices: tuple[Choice, ...] = ()
    default: Any = None
    none_label: str | None = None               # a choice « aucun » (answer None)
    check: Callable[[object], Any] | None = None  # a code's domain validator; a date's vetting
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()                # what the services refused just before (a search's text)
    field: str | None = None                    # the input a refusal names when not ``id`` (a search's rounds)

    @property
    def name(self) -> str:
        """The input as a refusal names it (``patient``, not ``patient.choice.2``)."""
        return self.field or self.id


def choices_of(items: Mapping[str, str]) -> tuple[Choice, ...]:
    return tuple(Choice(value, label) for value, label in items.items())

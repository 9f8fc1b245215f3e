"""The registry of validators: every pure function that turns untrusted input into a domain value.

A validator receives what a user, a file or a card gave (annotated ``object`` or ``Mapping[str, object]``)
and either returns a value or raises :class:`~feuille.errors.ValidationError` with a French message; never
another exception. ``@validator`` records the function here, so that the robustness test
(``tests/domain/test_validator_robustness.py``) feeds junk to every one of them without a hand-kept list,
and checks that no public function of ``feuille.domain`` taking such input was left out of the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from feuille.errors import ValidationError

F = TypeVar("F", bound=Callable[..., Any])

# "module.qualname" -> function; filled at import time by @validator.
VALIDATORS: dict[str, Callable[..., Any]] = {}


def validator(func: F) -> F:
    """Register ``func`` as a validator (it must return or raise ``ValidationError``, whatever it is given)."""
    VALIDATORS[qualified_name(func)] = func
    return func


def qualified_name(func: Callable[..., Any]) -> str:
    return f"{func.__module__}.{func.__qualname__}"


@validator
def excerpt(value: object, limit: int = 30) -> str:
    """Untrusted input as quoted in a French message: cut, so that junk never floods the message."""
    try:
        text = value if isinstance(value, str) else str(value)
    except ValueError:  # an int past Python's digit limit: nothing readable to show
        text = "…"
    return text if len(text) <= limit else text[: limit - 1] + "…"


@validator
def require_mapping(data: object, field: str, label: str) -> Mapping[str, object]:
    """The fields of a record (a JSON object); anything else is refused in French, not with a TypeError."""
    if not isinstance(data, Mapping):
        raise ValidationError(f"{label} : un ensemble de champs (objet JSON) attendu, « {excerpt(data)} » reçu.",
                              code="not_a_record", field=field)
    return data

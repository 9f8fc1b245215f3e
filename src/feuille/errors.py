"""Domain errors: a stable code for machines, a French message for users, English for logs.

Every error a user can cause is one of these. The CLI prints ``message`` on stderr and exits
non-zero; the API returns ``code``; logs use ``detail`` (English).
"""

from __future__ import annotations

from dataclasses import dataclass, field


class FeuilleError(Exception):
    """Base of every error a user can cause. ``code`` is stable; ``message`` is French."""

    exit_code = 1
    default_code = "error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None,
                 detail: str | None = None) -> None:
        self.message = message
        self.code = code or self.default_code
        self.field = field
        self.detail = detail or message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


class ValidationError(FeuilleError):
    """Bad input: names the field and says what is wrong."""

    exit_code = 2
    default_code = "validation"


class NotFoundError(FeuilleError):
    exit_code = 3
    default_code = "not_found"


class ConflictError(FeuilleError):
    """The request contradicts stored data (duplicate, record still in use...)."""

    exit_code = 4
    default_code = "conflict"


class PermissionDeniedError(FeuilleError):
    exit_code = 5
    default_code = "permission_denied"


class StateError(FeuilleError):
    """A transition refused because the record is not in a state that allows it."""

    exit_code = 6
    default_code = "invalid_state"


@dataclass
class Problems:
    """Collects several validation problems so a form can show them all at once."""

    items: list[ValidationError] = field(default_factory=list)

    def add(self, field_name: str, message: str, code: str = "validation") -> None:
        self.items.append(ValidationError(message, code=code, field=field_name))

    def check(self, condition: bool, field_name: str, message: str, code: str = "validation") -> None:
        if not condition:
            self.add(field_name, message, code)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        if len(self.items) == 1:
            raise self.items[0]
        first = self.items[0]
        joined = " ; ".join(f"{e.message}" for e in self.items)
        raise ValidationError(joined, code=first.code, field=first.field)

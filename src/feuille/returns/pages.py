"""A page of a list view, as every paged list of the returns gives it (lines, total, page, size) and its JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar


class _Line(Protocol):
    def to_json(self) -> dict[str, Any]: ...


L = TypeVar("L", bound=_Line)


@dataclass(frozen=True)
class ListPage(Generic[L]):
    lines: list[L]
    total: int
    page: int
    per_page: int

    def to_json(self) -> dict[str, Any]:
        return {"lignes": [line.to_json() for line in self.lines], "total": self.total, "page": self.page,
                "par_page": self.per_page}


__all__ = ["ListPage"]

"""Reading a NOEMIE return file whole: either physical form in, typed models and every French problem out.

:func:`read_file` builds the tree of ``noemie_file`` from the stream of ``noemie_stream`` (the one reading of the
entities and of the tree): it never raises on bad input; an unknown entity type, a missing ``@``, a truncated file,
a field that does not read, an entity out of place, a 990 or a 999 whose counts or totals do not add up all become
:class:`FileProblem` s naming the entity (its number in the file, the header being 1) and the field. A file read
without problems is written back identically by ``noemie_file.write_file``. For a large file, read the stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from feuille.formats.noemie_events import (
    End,
    InvoiceReturn,
    MovementReturn,
    OneOffReturn,
    Problem,
    SettlementStart,
    Start,
)
from feuille.formats.noemie_file import Header, Lot, NoemieFile, Payee, ReturnGroup, Settlement
from feuille.formats.noemie_records import Source
from feuille.formats.noemie_stream import events
from feuille.formats.noemie_walk import GroupMark, LotMark, PayeeMark

#: Problems after which the tree read is still given (beside them): the controls of lots, settlements and file.
KEPT = frozenset({"noemie_control_count", "noemie_control_total", "noemie_trailer"})


@dataclass(frozen=True)
class FileProblem:
    """One thing wrong in a return file: where (entity number, type, field), a stable code, a French message."""

    entity: int | None
    kind: str | None
    field: str | None
    code: str
    message: str
    offset: int | None = None


@dataclass(frozen=True)
class Reading:
    """What :func:`read_file` found: the file (``None`` when its structure could not be read) and the problems.

    A file with control problems (990, 999) is still given, so that they can be shown beside it; trust it only
    when ``ok``.
    """

    file: NoemieFile | None
    problems: tuple[FileProblem, ...]
    blocked: bool = False

    @property
    def ok(self) -> bool:
        return self.file is not None and not self.problems


@dataclass
class _Tree:
    """The tree being built from the events."""

    header: Header | None = None
    mandataire: str = ""
    payees: list[tuple[str, list[Any]]] = field(default_factory=list)
    ended: bool = False
    blocked: bool = False

    def settlements(self) -> list[Any]:
        return self.payees[-1][1]

    def groups(self) -> list[Any]:
        groups: list[Any] = self.settlements()[-1][2]
        return groups

    def file(self) -> NoemieFile:
        assert self.header is not None
        payees = tuple(Payee(number, tuple(Settlement(day, transfer, tuple(
            ReturnGroup(kind, place, tuple(Lot(d, n, tuple(invoices)) for d, n, invoices in lots), tuple(moves),
                        tuple(payments)) for kind, place, lots, moves, payments in groups))
            for day, transfer, groups in settlements)) for number, settlements in self.payees)
        return NoemieFile(self.header, payees, self.mandataire)


def read_file(data: Source) -> Reading:
    """Read a return file, continuous or in 128-character blocks (``bytes`` are read as Latin-1)."""
    tree, problems = _Tree(), []
    whole = True   # no problem other than the controls yet: the tree is built
    for event in events(data, tree=True):
        if isinstance(event, Problem):
            problems.append(FileProblem(event.entity, event.kind, event.field, event.code, event.message,
                                        event.offset))
            whole = whole and event.code in KEPT
        elif whole:
            _add(tree, event)
    whole = whole and tree.header is not None and tree.ended
    return Reading(tree.file() if whole else None, tuple(problems), tree.blocked)


def _add(tree: _Tree, event: object) -> None:
    """One event into the tree (the walk gives the markers and events in tree order when no problem came)."""
    if isinstance(event, Start):
        tree.header, tree.mandataire, tree.blocked = event.header, event.mandataire, event.blocked
    elif isinstance(event, PayeeMark):
        tree.payees.append((event.number, []))
    elif isinstance(event, SettlementStart):
        tree.settlements().append((event.date, event.transfer, []))
    elif isinstance(event, GroupMark):
        tree.groups().append((event.kind, event.place, [], [], []))
    elif isinstance(event, LotMark):
        tree.groups()[-1][2].append((event.date, event.number, []))
    elif isinstance(event, InvoiceReturn):
        tree.groups()[-1][2][-1][2].append(event.invoice)
    elif isinstance(event, MovementReturn):
        tree.groups()[-1][3].append(event.movement)
    elif isinstance(event, OneOffReturn):
        tree.groups()[-1][4].append(event.payment)
    elif isinstance(event, End):
        tree.ended = event.record_count is not None

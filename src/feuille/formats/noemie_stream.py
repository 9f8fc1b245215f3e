"""Reading a NOEMIE return as a stream: records → entities → typed returns, one invoice at a time.

This is the API the returns service (``feuille.returns``) integrates from, so that a return of a million records
is read in flat memory and integrated as far as it is valid. :func:`iter_returns` yields, in file order:

- one :class:`Start` (the header) — or, when even the header is unreadable, only :class:`Problem` s;
- per settlement (070 accounting day or 071 transfer, under its payee 040), a :class:`SettlementStart`, then its
  :class:`InvoiceReturn` s, :class:`MovementReturn` s and :class:`OneOffReturn` s, then a :class:`SettlementEnd`
  with the 990 that closed it (``None`` when missing);
- :class:`Problem` s interleaved where they are found: each names the entity number (the header being 1), the
  byte offset in the file as stored (0-based, in either physical form), the entity type and field when known, a
  stable code and a French message;
- one :class:`End` with the trailer (``None`` when missing or unreadable).

An invoice whose own entities (its 100/102, its details, its closing 990) are broken, out of order or do not add
up is reported (``noemie_skipped``, naming it) and skipped whole; reading goes on at the next entity that reads.
Every return that is yielded is complete and valid as far as its own entities go.

The stages (docs/formats-noemie.md): ``noemie_records.Records`` reads the source in chunks and gives the
continuous text (either physical form); :func:`iter_entities` cuts it into entities (type, level, text, number,
offset), resynchronising after one it cannot cut at the next ``@`` followed by an entity type and its level;
``noemie_decode.BUILDERS`` decode each entity into its model; ``noemie_walk.Walk`` checks the tree, the 990
controls and the 999 and makes the events.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from feuille.formats.noemie import ENTITIES, LEVELS, RECORD, TRAILER
from feuille.formats.noemie_decode import BUILDERS, BadEntity
from feuille.formats.noemie_events import (
    End,
    Event,
    InvoiceReturn,
    MovementReturn,
    OneOffReturn,
    Problem,
    SettlementEnd,
    SettlementStart,
    Start,
)
from feuille.formats.noemie_records import CHUNK, LINES, BlockProblem, Records, Source
from feuille.formats.noemie_walk import Marker, Walk

__all__ = ["End", "Entity", "Event", "InvoiceReturn", "MovementReturn", "OneOffReturn", "Problem", "SettlementEnd",
           "SettlementStart", "Start", "iter_entities", "iter_returns"]

_LENGTHS = {kind: layout.length for kind, layout in ENTITIES.items()}
_LONGEST = max(max(_LENGTHS.values()), RECORD) + 8


class Entity(NamedTuple):
    """One entity as cut from the file: its type, level, characters, number (the header is 1) and byte offset."""

    kind: str
    level: str
    text: str
    number: int
    offset: int


def iter_returns(data: Source, *, chunk_size: int = CHUNK) -> Iterator[Event]:
    """The events of a return file, in order (see the module's docstring). Never raises on bad input.

    ``data``: the file's bytes or text, a binary file open for reading, or its path; read ``chunk_size`` at a time.
    """
    for event in events(data, chunk_size=chunk_size):
        if not isinstance(event, Marker):
            yield event


def events(data: Source, *, chunk_size: int = CHUNK, tree: bool = False) -> Iterator[Event | Marker]:
    """:func:`iter_returns` with, when ``tree``, the markers of the payees, return types and lots (the reader
    builds the whole tree from them)."""
    records = Records(data, chunk_size)
    walk = Walk(tree)
    out, builders, handlers = walk.out, BUILDERS, walk.handlers
    for item in split(records):
        if item.__class__ is tuple:
            kind, text, number, offset = item
            try:
                value = builders[kind](text)
            except BadEntity:
                walk.bad(kind, text, number, offset)
            else:
                if walk.plain:   # the header read, the Start given: the common case, straight to its handler
                    handlers[kind](kind, value, number, offset)
                else:
                    walk.entity(kind, value, number, offset, records.blocked)
        else:
            walk.problem(item)   # type: ignore[arg-type]
        if out:
            yield from out
            out.clear()
    walk.finish()
    yield from out


def iter_entities(data: Source, *, chunk_size: int = CHUNK) -> Iterator[Entity | Problem]:
    """The entities of a return file, cut but not decoded, and the problems of cutting them."""
    for item in split(Records(data, chunk_size)):
        if isinstance(item, tuple):
            kind, text, number, offset = item
            yield Entity(kind, text[3:5] if kind not in ("000", "999") else "", text, number, offset)
        else:
            yield item


def _valid_start(text: str, at: int) -> bool:
    """Whether an entity seems to start at ``at``: a known type followed by its level, or the trailer."""
    kind = text[at:at + 3]
    return kind == TRAILER.name or LEVELS.get(kind, "?") == text[at + 3:at + 5]


Cut = tuple[str, str, int, int]   # type, text, number, offset: an entity as :func:`split` gives it


def split(records: Records) -> Iterator[Cut | Problem]:
    """:func:`iter_entities` over ``records``, each entity a plain tuple (the hot path makes no object)."""
    pieces = records.pieces()
    stored = records.stored
    buffer, position, base, number, ended = "", 0, 0, 1, False
    pending: list[Problem] = []

    def fill(keep: int) -> None:
        """Reads on until the buffer holds ``_LONGEST`` characters after ``keep`` (or the file ends)."""
        nonlocal buffer, position, base, ended
        parts = [buffer[keep:]]
        size = len(parts[0])
        for piece in pieces:
            if isinstance(piece, BlockProblem):
                pending.append(Problem(None, piece.offset, None, None, "noemie_block",
                                       f"NOEMIE, octet {piece.offset} : ligne de {piece.length} caractère(s), "
                                       f"{RECORD} attendus (un bloc par ligne)."))
                continue
            parts.append(piece)
            size += len(piece)
            if size >= _LONGEST:
                break
        else:
            ended = True
        buffer, base, position = "".join(parts), base + keep, position - keep

    fill(0)
    if len(buffer) < RECORD:
        yield from pending
        yield Problem(1, 0, "000", None, "noemie_truncated",
                      f"NOEMIE, entité 1 (000) : fichier tronqué, {len(buffer)} caractères pour un en-tête de "
                      f"{RECORD}.")
        return
    yield ("000", buffer[:RECORD], 1, stored(0))
    position, number = RECORD, 2
    direct = not records.blocked and records.form != LINES   # the offset is the position
    while True:
        if len(buffer) - position < _LONGEST and not ended:
            fill(position)
        if pending:
            yield from pending
            pending.clear()
        kind = buffer[position:position + 3]
        length = _LENGTHS.get(kind)
        if length is not None:
            end = position + length
            if buffer[end - 1:end] == "@":
                yield kind, buffer[position:end], number, base + position if direct else stored(base + position)
                position, number = end, number + 1
                continue
        offset = stored(base + position)
        if kind == TRAILER.name:
            yield from _trailer(buffer[position:], number, offset, stored(base + position + RECORD), pieces, ended)
            return
        if position >= len(buffer) or (length is not None and position + length > len(buffer)):
            yield Problem(number, offset, kind or None, None, "noemie_truncated",
                          f"NOEMIE : fichier tronqué à l'entité {number}, la fin de fichier 999 manque.")
            return
        if length is None:
            yield Problem(number, offset, None, "type", "noemie_unknown_entity",
                          f"NOEMIE, entité {number} : type d'entité inconnu {_shown(kind)}.")
        else:
            yield Problem(number, offset, kind, "end", "noemie_missing_end",
                          f"NOEMIE, entité {number} ({kind}) : « @ » attendu en colonne {length}.")
        number += 1
        if length is not None and _valid_start(buffer, position + length):
            position += length   # only its « @ » is wrong
            continue
        # Resynchronise: the next « @ » followed by an entity start (or the trailer, at the very end).
        search = position + 1
        while True:
            at = buffer.find("@", search)
            if at != -1 and (at + 6 <= len(buffer) or ended):
                if _valid_start(buffer, at + 1):
                    position = at + 1
                    break
                search = at + 1
                continue
            if ended:
                tail = len(buffer.rstrip("\r\n")) - RECORD
                if tail >= search and buffer[tail:tail + 3] == TRAILER.name:
                    position = tail
                    break
                yield Problem(number, None, None, None, "noemie_truncated",
                              f"NOEMIE : fichier tronqué à l'entité {number}, la fin de fichier 999 manque.")
                return
            keep = max(position, len(buffer) - 8)   # what was searched is not kept: memory stays flat
            search, position = max(search - keep, 0), keep
            fill(keep)


def _shown(kind: str) -> str:
    printable = "".join(c if " " <= c <= "~" else "?" for c in kind)
    return f"« {printable} »"


def _trailer(rest: str, number: int, offset: int, after_offset: int, pieces: Iterator[str | BlockProblem],
             ended: bool) -> Iterator[Cut | Problem]:
    """The 999 and what follows it (a line end is allowed; anything else is counted, not kept)."""
    while len(rest) < RECORD + 2 and not ended:
        piece = next(pieces, None)
        if piece is None:
            ended = True
        elif isinstance(piece, str):
            rest += piece
    if len(rest) < RECORD:
        yield Problem(number, offset, "999", None, "noemie_truncated",
                      f"NOEMIE, entité {number} (999) : fin de fichier tronquée ({len(rest)} caractères pour "
                      f"{RECORD}).")
        return
    yield ("999", rest[:RECORD], number, offset)
    after = rest[RECORD:]
    extra = len(after) + sum(len(p) for p in pieces if isinstance(p, str))
    if extra and not (after in ("\n", "\r\n") and extra == len(after)):
        yield Problem(number + 1, after_offset, None, None, "noemie_trailing",
                      f"NOEMIE, entité {number + 1} : {extra} caractère(s) après la fin de fichier 999.")

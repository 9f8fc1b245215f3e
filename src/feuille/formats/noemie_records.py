"""Stage 1 of reading a NOEMIE return: the file as stored → its continuous text, read in chunks.

A return comes in one of the physical forms of FORMATS.md §3 (see ``docs/formats-noemie.md``):

- **continuous**: the 128-character header ``000``, the entities each ending with ``@``, the 128-character trailer
  ``999`` (a line end after it is allowed);
- **blocks**: 128-character blocks end to end; the first (the header) is taken whole, each following one gives its
  characters 2-128 until one whose first character is ``1`` (the last data block, whose trailing spaces are
  dropped), the blocks after it (the trailer) are taken whole (sesam viewer's ``assemble_noemie``);
- either written **one 128-character line per record** (LF or CR LF): the line ends are dropped first.

The form is told from the start of the file (a line end at column 129; then a flag ``0``/``1`` followed by an entity
type and its level). :class:`Records` reads the source in chunks (1 MiB by default) and gives the continuous text
piece by piece, never the whole file, and maps a position in the continuous text back to the byte offset in the file
as stored (:meth:`Records.stored`), through the block structure.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from feuille.formats.noemie import LAST_BLOCK, LEVELS, NEXT_BLOCK, RECORD

CHUNK = 1 << 20     # bytes read at a time
Source = bytes | bytearray | memoryview | str | Path | BinaryIO | TextIO
CONTINUOUS, BLOCKS, BLOCK_LINES, LINES = "continu", "blocs", "blocs par ligne", "lignes"


@dataclass(frozen=True)
class BlockProblem:
    """A line of the one-record-per-line form that is not 128 characters long."""

    offset: int
    length: int


def chunks(source: Source, size: int = CHUNK) -> Iterator[str]:
    """The source as text (bytes are Latin-1: one character per byte, so positions are byte offsets)."""
    if isinstance(source, str):
        for start in range(0, len(source), size):
            yield source[start:start + size]
    elif isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source)
        for start in range(0, len(view), size):
            yield bytes(view[start:start + size]).decode("latin-1")
    elif isinstance(source, Path):
        with source.open("rb") as stream:
            yield from chunks(stream, size)
    else:
        while block := source.read(size):
            yield block.decode("latin-1") if isinstance(block, bytes | bytearray) else str(block)


def _looks_blocked(start: str) -> bool:
    """``start``: the first data block's flag and what follows (an entity type and its level), or an empty last
    block."""
    if start[:1] not in (NEXT_BLOCK, LAST_BLOCK):
        return False
    return LEVELS.get(start[1:4]) == start[4:6] or start[:RECORD] == LAST_BLOCK.ljust(RECORD)


class Records:
    """The continuous text of a return, piece by piece (:meth:`pieces`), and where each character is stored."""

    def __init__(self, source: Source, chunk_size: int = CHUNK) -> None:
        self.form = CONTINUOUS
        self._chunks = chunks(source, max(1, chunk_size))
        self._marks: deque[tuple[int, int]] = deque([(0, 0)])   # (continuous position, stored offset) of a run
        self._logical = 0

    @property
    def blocked(self) -> bool:
        return self.form in (BLOCKS, BLOCK_LINES)

    def stored(self, position: int) -> int:
        """The byte offset in the file as stored of the continuous text's ``position`` (positions asked in
        increasing order: the runs behind are forgotten)."""
        marks = self._marks
        while len(marks) > 1 and marks[1][0] <= position:
            marks.popleft()
        logical, stored = marks[0]
        return stored + position - logical

    def pieces(self) -> Iterator[str | BlockProblem]:
        """The continuous text in pieces, and the lines of the wrong length where they are found."""
        head = ""
        for chunk in self._chunks:
            head += chunk
            if len(head) >= 2 * RECORD + 2:
                break
        eol = 2 if head[RECORD:RECORD + 2] == "\r\n" else 1 if head[RECORD:RECORD + 1] in ("\n", "\r") else 0
        blocked = _looks_blocked(head[RECORD + eol:2 * RECORD + eol])
        self.form = (BLOCK_LINES if eol else BLOCKS) if blocked else LINES if eol else CONTINUOUS
        if self.form == CONTINUOUS:
            self._logical = len(head)
            yield head
            for chunk in self._chunks:
                yield chunk
            return
        records = self._lines(head) if eol else self._blocks(head)
        yield from self._join(records, blocked)

    def _blocks(self, head: str) -> Iterator[list[tuple[str, int]]]:
        """128-character records end to end, with their stored offsets, a chunk's worth at a time."""
        buffer, base = head, 0
        for chunk in self._chunks:
            buffer += chunk
            whole = len(buffer) - len(buffer) % RECORD
            yield [(buffer[at:at + RECORD], base + at) for at in range(0, whole, RECORD)]
            buffer, base = buffer[whole:], base + whole
        if buffer:
            yield [(buffer[at:at + RECORD], base + at) for at in range(0, len(buffer), RECORD)]

    def _lines(self, head: str) -> Iterator[list[tuple[str, int] | BlockProblem]]:
        """One record per line (LF or CR LF), with its stored offset; a line not 128 long is reported."""
        buffer, base = head, 0
        for chunk in self._chunks:
            buffer += chunk
            cut = buffer.rfind("\n") + 1
            if cut:
                yield self._split(buffer[:cut], base)
                buffer, base = buffer[cut:], base + cut
        if buffer:
            yield self._split(buffer, base)

    @staticmethod
    def _split(text: str, base: int) -> list[tuple[str, int] | BlockProblem]:
        out: list[tuple[str, int] | BlockProblem] = []
        at = 0
        for line in text.split("\n"):
            size = len(line) + 1
            line = line.removesuffix("\r")
            if len(line) != RECORD and (line or at + size <= len(text)):
                out.append(BlockProblem(base + at, len(line)))
            if line:
                out.append((line, base + at))
            at += size
        return out

    def _join(self, batches: Iterator[list[tuple[str, int]]] | Iterator[list[tuple[str, int] | BlockProblem]],
              blocked: bool) -> Iterator[str | BlockProblem]:
        """The records joined: the header and the trailer whole, the data blocks without their flag."""
        state = 0 if blocked else 2   # 0 header, 1 data blocks, 2 records taken whole
        marks, logical = self._marks, self._logical
        marks.clear()
        for batch in batches:
            parts: list[str] = []
            for record in batch:
                if isinstance(record, BlockProblem):
                    if parts:
                        yield "".join(parts)
                        parts = []
                    yield record
                    continue
                text, offset = record
                if state == 1:
                    piece = text[1:]
                    if text[:1] == LAST_BLOCK:
                        piece, state = piece.rstrip(" "), 2
                    offset += 1
                else:
                    piece, state = text, state or 1
                marks.append((logical, offset))
                parts.append(piece)
                logical += len(piece)
            if parts:
                yield "".join(parts)
        if not marks:
            marks.append((0, 0))
        self._logical = logical


def join_blocks(text: str) -> str | None:
    """The continuous form of a blocked file (end to end or one block per line), ``None`` when it is not blocked."""
    records = Records(text)
    pieces = [piece for piece in records.pieces() if isinstance(piece, str)]
    return "".join(pieces) if records.blocked else None

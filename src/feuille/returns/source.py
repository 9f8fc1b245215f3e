"""A return file to integrate: its bytes given (a mail's part) or a path read in chunks, its SHA-256 and size
computed in one pass, its content given to the stream and to ``noemie_file_chunks`` without holding it whole when
the stream reads a path itself."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feuille.formats import noemie_stream

READ = 1 << 20
#: The streaming reader takes a path and reads it in chunks (its ``Source`` type); the first implementation of the
#: stream API takes the bytes only. Transitional: once every branch has the streaming reader, a path always goes.
STREAMS_PATHS = hasattr(noemie_stream, "Source")


@dataclass
class ReturnSource:
    name: str
    data: bytes | None = None
    path: Path | None = None
    sha: str = field(init=False, default="")
    size: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        digest = hashlib.sha256()
        for piece in self.chunks():
            digest.update(piece)
            self.size += len(piece)
        self.sha = digest.hexdigest()

    def chunks(self, size: int = READ) -> Iterator[bytes]:
        """The content, ``size`` bytes at a time (an empty file gives nothing)."""
        if self.data is not None:
            view = memoryview(self.data)
            for start in range(0, len(self.data), size):
                yield bytes(view[start:start + size])
            return
        assert self.path is not None
        with self.path.open("rb") as handle:
            while piece := handle.read(size):
                yield piece

    def for_stream(self) -> Any:  # bytes, or a Path for the streaming reader (not in the first API's signature)
        """What ``noemie_stream.iter_returns`` reads: the path when it can read one in chunks, else the bytes."""
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path if STREAMS_PATHS else self.path.read_bytes()

"""A return file to integrate: its bytes given (a mail's part) or a path read in chunks, its SHA-256 and size
computed in one pass, its content given to the stream (which reads a path in chunks) and to
``noemie_file_chunks`` without holding it whole."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

READ = 1 << 20


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

    def for_stream(self) -> bytes | Path:
        """What ``noemie_stream.iter_returns`` reads: the bytes given, or the path (read in chunks)."""
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path

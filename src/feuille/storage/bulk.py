"""Ids for many new rows at once, so that a batch of rows and the rows referring to them are written by plain
multi-row inserts, without ``INSERT … RETURNING``: on PostgreSQL, a multi-row insert with ``RETURNING`` in
parameter order is one statement of tens of thousands of parameters, planned anew each time (5 to 8 times slower
than the same rows inserted with their ids, measured by ``benchmarks/noemie_integration.py``).
"""

from __future__ import annotations

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """``count`` ids for new rows of ``table`` (an integer primary key ``id``), in the caller's transaction.

    PostgreSQL: drawn from the column's sequence (never given twice, whatever runs at once). SQLite: the ids after
    the largest, which no other writer can take meanwhile (``Database.transaction`` holds the write lock from its
    start: ``BEGIN IMMEDIATE``)."""
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        name = f"{table.schema}.{table.name}" if table.schema else table.name
        sequence = func.pg_get_serial_sequence(name, "id")
        return [int(i) for i in session.scalars(select(func.nextval(sequence))
                                                .select_from(func.generate_series(1, count)))]
    first = int(session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(first, first + count))

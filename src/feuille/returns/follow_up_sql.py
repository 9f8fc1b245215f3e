"""SQL pieces the follow-up queries share: the AMC number frozen in an invoice's stored document.

The document is JSON text (``amc_transmission.amc_number``, :mod:`feuille.billing.amc_transmission`), read in SQL
so that a filter on the AMC runs in the database (SQLite ``json_extract``, PostgreSQL ``#>>``), as
:func:`feuille.returns.amounts.amc_routing` reads the routing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, FromClause, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from feuille.storage.models import Invoice


class _AmcNumber(FunctionElement[str]):
    type = String()
    name = "amc_number"
    inherit_cache = True


@compiles(_AmcNumber, "sqlite")
def _amc_number_sqlite(element: _AmcNumber, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_extract({compiler.process(element.clauses, **kw)}, '$.amc_transmission.amc_number')"


@compiles(_AmcNumber, "postgresql")
def _amc_number_postgresql(element: _AmcNumber, compiler: SQLCompiler, **kw: Any) -> str:
    return f"(CAST({compiler.process(element.clauses, **kw)} AS json) #>> '{{amc_transmission,amc_number}}')"


@compiles(_AmcNumber)
def _amc_number_other(element: _AmcNumber, compiler: SQLCompiler, **kw: Any) -> str:
    return "NULL"


def amc_number_of(invoices: FromClause | None = None) -> ColumnElement[str]:
    """The AMC number of the invoice's complementary part as billed (NULL when it has none)."""
    table = invoices if invoices is not None else Invoice.__table__
    return _AmcNumber(table.c.document)


__all__ = ["amc_number_of"]

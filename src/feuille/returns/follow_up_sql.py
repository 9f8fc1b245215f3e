"""The fields of an invoice's frozen AMC part read in SQL from its stored document, so that filters and sums run in
the database: the routing (``amc_transmission.routing``: gestion unique ``fse``, ``dre``, …) and the AMC number
(``amc_transmission.amc_number``), as :mod:`feuille.billing.amc_transmission` froze them. The document is JSON
text: SQLite reads it with ``json_extract``, PostgreSQL with ``#>>``; another engine gets NULL.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import ColumnElement, FromClause, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from feuille.storage.models import Invoice


class _AmcField(FunctionElement[str]):
    """One field of ``document → amc_transmission``; each subclass names one (its class keys the SQL cache)."""

    type = String()
    inherit_cache = True
    field: ClassVar[str]


class _AmcRouting(_AmcField):
    name = "amc_routing"
    field = "routing"
    inherit_cache = True   # set on each class: SQLAlchemy reads it from the class itself


class _AmcNumber(_AmcField):
    name = "amc_number"
    field = "amc_number"
    inherit_cache = True


def _document(element: _AmcField, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(_AmcField, "sqlite")
def _sqlite(element: _AmcField, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_extract({_document(element, compiler, **kw)}, '$.amc_transmission.{element.field}')"


@compiles(_AmcField, "postgresql")
def _postgresql(element: _AmcField, compiler: SQLCompiler, **kw: Any) -> str:
    return f"(CAST({_document(element, compiler, **kw)} AS json) #>> '{{amc_transmission,{element.field}}}')"


@compiles(_AmcField)
def _other(element: _AmcField, compiler: SQLCompiler, **kw: Any) -> str:
    return "NULL"


def _table(invoices: FromClause | None) -> FromClause:
    return invoices if invoices is not None else Invoice.__table__


def amc_routing(invoices: FromClause | None = None) -> ColumnElement[str]:
    """How the invoice's AMC part was routed when it was signed (NULL when it has none)."""
    return _AmcRouting(_table(invoices).c.document)


def amc_number_of(invoices: FromClause | None = None) -> ColumnElement[str]:
    """The AMC number of the invoice's complementary part as billed (NULL when it has none)."""
    return _AmcNumber(_table(invoices).c.document)


__all__ = ["amc_number_of", "amc_routing"]

"""Kept for the interfaces that import ``InvoiceView`` from here; billing itself uses :mod:`feuille.billing.state`
(the guarded state change), :mod:`feuille.billing.numbering` and :mod:`feuille.billing.views`."""

from __future__ import annotations

from feuille.billing.views import InvoiceView

__all__ = ["InvoiceView"]

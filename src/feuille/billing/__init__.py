"""Billing use cases: draft, check rates, secure (four modes), sign, number, pay, cancel, delete before sending.

Owns the invoice state machine (its table is in ``feuille.domain.invoices``; ``docs/invoices.md`` draws it).
Importing the package changes nothing elsewhere: the application calls :func:`install_guards` at start-up (the
professional deletion blocker « factures en attente »). The modules depend one way (import-linter contract
« Billing modules depend one way » in pyproject.toml).
"""

from __future__ import annotations

from feuille.billing.guards import install_guards

__all__ = ["install_guards"]

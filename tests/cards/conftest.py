"""Card fixtures live in ``tests/conftest.py`` (the billing tests sign with the virtual cards too)."""

from __future__ import annotations

from tests.conftest import MODULE

__all__ = ["MODULE"]

"""Card fixtures live in ``tests/conftest.py`` (the billing tests sign with the virtual cards too), as does the
autouse fixture that stops the card agents a test starts (``tests/cards/agents.py``)."""

from __future__ import annotations

from tests.conftest import MODULE

__all__ = ["MODULE"]

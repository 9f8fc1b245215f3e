"""The desk connected to its own caisse de test, for the end-to-end returns tests: the fixtures of the sending
tests (``tests/transmission/test_sending_caisse.py``), shared rather than copied."""

from tests.transmission.test_sending_caisse import caisse, desk  # noqa: F401 (fixtures)

"""The caisse de test's ADRi service and a reader holding a verified CPS, as the rights tests have them."""

from tests.rights.conftest import adri, adri_pki, cps_reader

__all__ = ["adri", "adri_pki", "cps_reader"]

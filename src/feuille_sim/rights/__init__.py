"""The caisse de test's rights service (ADRi as feuille speaks it: docs/droits.md) and the insurers' people."""

"""The caisse de test: the insurers' side, played through the same ports as real services."""

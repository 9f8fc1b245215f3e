"""Use cases on the nomenclatures: CCAM import into the database, search, pricing look-ups."""

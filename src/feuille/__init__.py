"""feuille: logiciel libre de facturation SESAM-Vitale."""

__version__ = "0.1.0"

"""Returns from the insurers (to come): NOEMIE parsing and reconciliation (lettrage).

The NOEMIE parser (declarative record layouts of ``feuille.formats``), automatic and manual reconciliation line
by line, rejects, bank transfers, one-off payments and withholdings, per ``ARCHITECTURE.md``. Uses ``billing``
and ``storage``. Nothing is implemented yet: this package marks where that work goes.
"""

"""The caisse de test receives lots: opens each mail (``mime``), reads the B2 file with the product's layout
tables, checks it (``checks``, against ``references``: cards and people), answers one ARL per lot (``answer``)
and keeps what it accepted for the paying step (``store``). ``receive`` is the ``on_mail_received`` hook.
docs/caisse-de-test.md, « Réception des lots », says what is checked and which rules are feuille's own.
"""

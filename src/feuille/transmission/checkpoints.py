"""Named points of a transmission, for the tests that kill it there (docs/teletransmission.md, « Points d'arrêt »).

``checkpoint(name)`` does nothing in the product: it calls the observers registered with :func:`observe`, and none
is registered by feuille itself. The kill tests (``tests/support/kill_points.py``) register one, through a
``sitecustomize`` module on the ``PYTHONPATH`` of the ``feuille`` subprocess they start, that kills the process at a
chosen point: so the product carries no test code, only these names.

The points, in the order of one lot's sending:

- ``fichier_ecrit``: ``auto`` wrote the lots' files, nothing is sent yet;
- ``avant_envoi``: the outbox row (stamp) is stored, the SMTP dialogue has not begun;
- ``apres_acceptation``: the mail server accepted the mail, its acceptance is not stored yet;
- ``apres_envoi``: the lot is stored « Lot expédié » (or « Réexpédié »);
- ``apres_reception``: a received mail (ARL, NOEMIE) is stored, it is not deleted from the mailbox yet.

The points of a NOEMIE return's integration (``feuille.returns``, docs/returns.md), all in its one transaction
but the last: ``retour_fichier`` (the file row inserted), ``retour_morceaux`` (its content stored),
``retour_factures`` (the first batch of returns inserted and matched), ``retour_avant_commit``,
``retour_apres_commit``.
"""

from __future__ import annotations

from collections.abc import Callable

POINTS = ("fichier_ecrit", "avant_envoi", "apres_acceptation", "apres_envoi", "apres_reception", "retour_fichier",
          "retour_morceaux", "retour_factures", "retour_avant_commit", "retour_apres_commit")
_OBSERVERS: list[Callable[[str], None]] = []


def observe(observer: Callable[[str], None]) -> None:
    """Call ``observer(name)`` at every checkpoint of this process (tests only)."""
    _OBSERVERS.append(observer)


def checkpoint(name: str) -> None:
    for observer in tuple(_OBSERVERS):
        observer(name)

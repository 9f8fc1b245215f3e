"""Rights of the patient (to come): resolution from the Vitale card, ADRi or a manual proof.

The ADRi client and its call policy (manual / targeted / systematic, the professional's preference), per
``ARCHITECTURE.md``. Sits beside ``practice`` under ``billing``: it may use the domain, the card port and
storage, never billing. Nothing is implemented yet: this package marks where that work goes.
"""

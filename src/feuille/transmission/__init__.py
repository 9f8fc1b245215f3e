"""Teletransmission: what waits to be sent and why an invoice is held (``pending``), lots (``lotting``, the lot's
guarded state change ``lot_state``), B2 files (``files``), the blocking release (``releases``), the settings
(``settings``) and what the interfaces read of lots (``lot_views``); see docs/teletransmission.md.

Uses ``billing`` (an invoice's records through ``billing.fse``, its state through ``billing.state_bulk``) and
``storage``; the record layouts live in ``feuille.formats``. Transport, ARL handling, re-sending, DRE and the
transmission slip are added beside these modules.
"""

"""Teletransmission: what waits to be sent and why an invoice is held (``pending``), lots (``lotting``, the lot's
guarded state change ``lot_state``), B2 files (``files``), the blocking release (``releases``), the settings
(``settings``) and what the interfaces read of lots (``lot_views``); see docs/teletransmission.md.

Uses ``billing`` (an invoice's records through ``billing.fse``, its state through ``billing.state_bulk``) and
``storage``; the record layouts live in ``feuille.formats``. The transport is here too: the port
(``transport.py``), the mail adapter (``mail_message.py``, ``mail_transport.py``), the organisms' certificates
(``certificates.py``), the mail settings (``mail_settings.py``) and the secret store (``secrets.py``);
docs/teletransmission.md « Messagerie ». DRE lots to complementaries: ``dre`` (docs/dre.md). ARL handling,
re-sending and the transmission slip come beside them.
"""

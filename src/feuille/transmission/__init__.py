"""Teletransmission: what waits to be sent and why an invoice is held (``pending``), lots (``lotting``, the lot's
guarded state change ``lot_state``), B2 files (``files``), the blocking release (``releases``), the settings
(``settings``) and what the interfaces read of lots (``lot_views``); see docs/teletransmission.md.

The transport: the port (``transport.py``), the mail adapter (``mail_message.py``, ``mail_transport.py``), the
organisms' certificates (``certificates.py``), the mail settings (``mail_settings.py``) and the secret store
(``secrets.py``); docs/teletransmission.md « Messagerie ».

Sending and receiving: ``sending`` (« Envoyer et Recevoir », the outbox ``outbox`` and its guarantee),
``acknowledgements`` (returns stored once, ARLs applied to lots, missing ARLs), ``auto`` (« Télétransmettre
Auto »), ``manual`` (« Traitement manuel »), ``bordereau`` and ``slip_data`` (the slip), ``checkpoints``;
docs/teletransmission.md « Envoi et réception ».

Uses ``billing`` (an invoice's records through ``billing.fse``, its state through ``billing.state_bulk``) and
``storage``; the record layouts live in ``feuille.formats``. DRE lots to complementaries: ``dre``
(docs/dre.md).
"""

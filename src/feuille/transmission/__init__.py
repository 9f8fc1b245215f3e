"""Teletransmission: lots, the B2 file writer and reader, transport (SMTP out, IMAP/POP3 in).

Also ARL handling, the lot state machine, re-sending, DRE to complementary insurers and the transmission slip
(PDF), per ``ARCHITECTURE.md``. Uses ``billing`` and ``storage``; the record layouts live in ``feuille.formats``.
The transport is here: the port (``transport.py``), the mail adapter (``mail_message.py``, ``mail_transport.py``),
the organisms' certificates (``certificates.py``), the mail settings (``mail_settings.py``) and the secret store
(``secrets.py``); docs/teletransmission.md « Messagerie ».
"""

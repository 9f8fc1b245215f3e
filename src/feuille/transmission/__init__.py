"""Teletransmission (to come): lots, the B2 file writer and reader, transport (SMTP out, IMAP/POP3 in).

Also ARL handling, the lot state machine, re-sending, DRE to complementary insurers and the transmission slip
(PDF), per ``ARCHITECTURE.md``. Uses ``billing`` and ``storage``; the record layouts live in ``feuille.formats``.
Nothing is implemented yet: this package marks where that work goes and its place in the import layers.
"""

"""Declarative fixed-width record layouts and the one engine that writes and reads them.

One layout table per record (field name, start column, length, kind: numeric, alphanumeric, date AAMMJJ,
amount in cents), read both by a writer and by a reader, checked against golden files. The B2 invoice file,
NOEMIE returns, ARL and the SCOR lot use it (``ARCHITECTURE.md``, ``DOMAIN.md`` "B2 invoice file"). Pure: no
I/O, no clock, no database; it imports only the standard library, ``feuille.money`` and ``feuille.errors``.

``fixed_width.py`` is the engine (``Layout``, ``Field``, ``write``, ``read``). The B2 file: ``b2.py`` (its layout
tables), ``b2_file.py`` (typed models and the writer), ``b2_reader.py`` + ``b2_checks.py`` (the reader, which
returns every problem in French); ``arl.py`` (feuille's own ARL records, codes in ``data/arl_codes.json``);
``mail.py`` (addresses, subjects, content descriptions of FORMATS.md §2). docs/formats-b2.md says what is sourced.
NOEMIE returns: ``noemie.py`` (layouts, physical forms), ``noemie_file.py`` (models, writer),
``noemie_stream.py`` (the streaming, tolerant reader: ``noemie_records``, ``noemie_decode``, ``noemie_walk``,
``noemie_events``), ``noemie_reader.py`` (the whole tree from the stream); docs/formats-noemie.md.
Each is checked against golden lines (``tests/formats/golden/``).
"""

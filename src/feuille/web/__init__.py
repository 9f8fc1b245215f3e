"""Web application (to come): server-rendered French UI with an offline page (service worker + IndexedDB).

An interface like ``feuille.cli``: the home tiles of the manuals, forms driven by the services' step machines;
the card stays at the desk and is reached through the card agent's loopback interface. No business rule lives
here and no ORM model or SQL is imported (import-linter checks it). Nothing is implemented yet.
"""

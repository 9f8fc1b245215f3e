"""HTTP API: FastAPI, thin routes over the services, OpenAPI, stable error codes.

An interface like ``feuille.cli``: it parses requests, calls services and returns their views; errors keep their
stable codes (``feuille.errors``). No business rule lives here and no ORM model or SQL is imported (import-linter
checks it). ``feuille.web`` mounts :data:`feuille.api.routes.router` under ``/api`` and shares the sign-in and the
error handling defined here (:mod:`feuille.api.deps`, :mod:`feuille.api.errors`).
"""

"""HTTP API (to come): FastAPI, thin routes over the services, OpenAPI, idempotency keys on every POST.

An interface like ``feuille.cli``: it parses requests, calls services and returns their views; errors keep their
stable codes. No business rule lives here and no ORM model or SQL is imported (import-linter checks it).
Nothing is implemented yet: this package marks where that work goes.
"""

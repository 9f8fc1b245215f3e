"""Web application: server-rendered French pages (Jinja2 + htmx) over the services, and the JSON API under /api.

An interface like ``feuille.cli``: no business rule lives here and no ORM model or SQL is imported (import-linter
checks it). ``create_app`` (:mod:`feuille.web.app`) builds the one application ``feuille serve`` runs. Pages live
in :mod:`feuille.web.pages`, one module per area, with their templates under ``templates/<area>/``.
"""

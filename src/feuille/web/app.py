"""The one application ``feuille serve`` runs: the pages, the JSON API under /api (with its OpenAPI schema), the
static files (ours, and the JavaScript from npm that ``make`` copies into ``static/vendor``)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from feuille.api.deps import document_needs
from feuille.api.routes import router as api_router
from feuille.errors import ValidationError
from feuille.storage import Database
from feuille.web import errors
from feuille.web.pages import router as pages_router
from feuille.web.uploads import BodyLimit, Limits

STATIC = Path(__file__).parent / "static"
VENDOR_FILES = ("htmx.min.js", "chart.umd.min.js", "idb/umd.js", "workbox/workbox-sw.js",
                *(f"workbox/workbox-{module}.prod.js" for module in ("core", "precaching", "routing", "strategies")))


def check_assets() -> None:
    missing = [name for name in VENDOR_FILES if not (STATIC / "vendor" / name).is_file()]
    if missing:
        raise ValidationError(f"Fichiers JavaScript absents ({', '.join(missing)}) : lancez « make install » "
                              "(npm ci les copie dans src/feuille/web/static/vendor).", code="web_assets")


def build(db: Database, limits: Limits | None = None) -> FastAPI:
    """The application over an open database (tests pass theirs); ``limits``: the sizes of uploads and bodies
    (default: the settings')."""
    if limits is None:
        from feuille.config import get_settings

        limits = Limits.from_settings(get_settings())
    check_assets()
    app = FastAPI(title="feuille", version="0.1.0", description="API de feuille : facturation SESAM-Vitale.",
                  openapi_url="/api/openapi.json", docs_url="/api/docs", redoc_url=None)
    app.state.db = db
    app.state.upload_limits = limits
    app.add_middleware(BodyLimit)   # no body above its size reaches a route (feuille.web.uploads)
    for kind, handler in errors.HANDLERS.items():
        app.add_exception_handler(kind, handler)
    app.include_router(api_router, prefix="/api")
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    document_needs(app)
    return app


def create_app() -> FastAPI:
    """Factory for uvicorn (``feuille.web.app:create_app``): the database named by the settings."""
    from feuille.auth import bootstrap
    from feuille.billing import install_guards
    from feuille.config import get_settings

    db = Database(get_settings().database_url)
    db.ensure_schema()
    bootstrap(db)
    install_guards()
    return build(db)

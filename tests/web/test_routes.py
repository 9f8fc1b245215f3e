"""The application's routes: no two areas answer the same method and address (the first included would hide the
other's silently)."""

from __future__ import annotations

from collections import Counter

from fastapi.routing import APIRoute

from feuille.api.routes import router as api
from feuille.web.pages import router as pages


def test_no_two_routes_share_a_method_and_an_address() -> None:
    seen = Counter((method, route.path) for routes in (pages.routes, api.routes)
                   for route in routes if isinstance(route, APIRoute) for method in route.methods)
    assert [key for key, count in seen.items() if count > 1] == []

"""The API's routes, one module per area, assembled in :data:`router` (mounted under ``/api``)."""

from __future__ import annotations

from fastapi import APIRouter

from feuille.api.errors import ERROR_RESPONSES
from feuille.api.routes import follow_up, invoices, offline, patients, securing, session

router = APIRouter()
for area in (session, patients, invoices, follow_up, securing, offline):
    router.include_router(area.router, responses=ERROR_RESPONSES)

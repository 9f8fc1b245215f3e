"""The pages, one module per area, assembled in :data:`router` (the wizard before the invoice pages, so that
``/factures/nouvelle`` is never read as an invoice number)."""

from __future__ import annotations

from fastapi import APIRouter

from feuille.web.pages import (
    cards,
    follow_up,
    follow_up_files,
    home,
    invoices,
    offline,
    offline_page,
    patients,
    securing,
    settings,
    signin,
    transmission,
    wizard,
)

router = APIRouter()
for area in (signin, home, cards, patients, wizard, securing, offline, offline_page, invoices, transmission,
             follow_up, follow_up_files, settings):
    router.include_router(area.router)

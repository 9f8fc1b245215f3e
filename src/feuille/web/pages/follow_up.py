"""Follow-up (manual 003 IX-XI): returns, rejects, unmatched, transfers, one-off operations, charts."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

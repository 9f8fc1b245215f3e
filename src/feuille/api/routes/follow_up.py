"""Follow-up over HTTP: returns, rejects, transfers, reports."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

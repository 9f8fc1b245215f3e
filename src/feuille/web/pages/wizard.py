"""The invoice wizard (manual 001): context, insurance, payer, acts, specifics, securing mode, recap, summary."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

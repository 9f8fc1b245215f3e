"""Invoice lists and an invoice's details: sign, delete, payments, credit note, care sheet, portable reader."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

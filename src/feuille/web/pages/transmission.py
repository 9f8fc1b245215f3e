"""Teletransmission (manual 003 VI-VIII): invoices to send, lots and their states, slip, SCOR pieces."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

"""The card reader at the desk: pairing this browser with the card agent's loopback interface."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
